from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Performance dashboards"

    def ready(self):
        from accounts.signals import account_created

        from .receivers import apply_default_metrics

        account_created.connect(apply_default_metrics, dispatch_uid="dashboards.apply_default_metrics")

        from operator import attrgetter

        from accounts.page_cache import watch

        from .models import MetricDefinition, MetricGoal, MetricResult

        # What the cached dashboard is made of. The trends are written only in bulk, which
        # sends no signal, and their writer says so itself.
        watch(MetricDefinition)
        for model in (MetricGoal, MetricResult):
            watch(model, attrgetter("metric.account_id"))

        from notifications.reminders import register

        from .reminders import RESULTS_MISSING

        register(RESULTS_MISSING)

        from accounts.selectors import register_history_source

        from .selectors import dashboard_history

        register_history_source("dashboards", dashboard_history)
