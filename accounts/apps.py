import django.contrib.admin.apps
from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self):
        from operator import attrgetter

        from django.db.models.signals import post_delete, post_save

        from .models import Membership, PartnerAccount, User
        from .page_cache import account_changed, account_list_changed, every_account_changed, watch
        from .signals import account_figures_changed

        watch(PartnerAccount, attrgetter("pk"))
        watch(Membership)
        for model in (PartnerAccount, Membership):
            for signal in (post_save, post_delete):
                signal.connect(account_list_changed, sender=model, dispatch_uid=f"account_list.{model.__name__}")
        account_figures_changed.connect(
            lambda sender, account_id, **kwargs: account_changed([account_id]), weak=False,
            dispatch_uid="accounts.page_cache.figures_changed",
        )

        def user_changed(sender, update_fields=None, **kwargs):
            # Cached parts may name people (the API names each scorecard's champion);
            # signing in, which saves only the last login, shows nowhere.
            if update_fields is None or set(update_fields) != {"last_login"}:
                every_account_changed()
                account_list_changed()

        post_save.connect(user_changed, sender=User, weak=False, dispatch_uid="accounts.page_cache.user_changed")


class AdminConfig(django.contrib.admin.apps.AdminConfig):
    """Django's admin on Tandem's site: only administrators get in (see accounts.admin_site)."""

    default = False  # accounts itself is AccountsConfig
    default_site = "accounts.admin_site.TandemAdminSite"
