from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self):
        from accounts.signals import account_figures_changed

        from .receivers import recompute_health

        account_figures_changed.connect(recompute_health, dispatch_uid="portfolio.recompute_health")
