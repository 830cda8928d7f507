from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "What-Who-When plans"

    def ready(self):
        from notifications.reminders import register

        from .reminders import ACTIONS_OVERDUE, MEETING_AGENDA

        register(MEETING_AGENDA)
        register(ACTIONS_OVERDUE)

        from accounts.selectors import register_history_source

        from .selectors import plan_history

        register_history_source("plans", plan_history)
