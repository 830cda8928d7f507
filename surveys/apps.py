from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Perception surveys"

    def ready(self):
        from notifications.reminders import register

        from .reminders import SURVEY_CLOSING

        register(SURVEY_CLOSING)
