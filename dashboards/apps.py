from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Performance dashboards"

    def ready(self):
        from accounts.signals import account_created

        from .receivers import apply_default_metrics

        account_created.connect(apply_default_metrics, dispatch_uid="dashboards.apply_default_metrics")

        from notifications.reminders import register

        from .reminders import RESULTS_MISSING

        register(RESULTS_MISSING)

        from accounts.selectors import register_history_source

        from .selectors import dashboard_history

        register_history_source("dashboards", dashboard_history)
