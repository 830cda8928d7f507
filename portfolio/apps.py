from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Membership, PartnerAccount, User
        from accounts.signals import account_figures_changed

        from .models import AccountHealth
        from .overview import portfolio_changed, user_changed
        from .receivers import recompute_health

        account_figures_changed.connect(recompute_health, dispatch_uid="portfolio.recompute_health")
        # What the cached parts of the portfolio are made of (the health roll-ups' bulk
        # writes say so themselves).
        for model in (PartnerAccount, Membership, AccountHealth):
            for signal in (post_save, post_delete):
                signal.connect(portfolio_changed, sender=model, dispatch_uid=f"portfolio.changed.{model.__name__}")
        post_save.connect(user_changed, sender=User, dispatch_uid="portfolio.changed.User")
