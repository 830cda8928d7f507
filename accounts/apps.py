from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self):
        from operator import attrgetter

        from .models import Membership, PartnerAccount
        from .page_cache import account_changed, watch
        from .signals import account_figures_changed

        watch(PartnerAccount, attrgetter("pk"))
        watch(Membership)
        account_figures_changed.connect(
            lambda sender, account_id, **kwargs: account_changed([account_id]), weak=False,
            dispatch_uid="accounts.page_cache.figures_changed",
        )
