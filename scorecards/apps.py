from django.apps import AppConfig


def _apply_default_dimensions(sender, account, by=None, **kwargs):
    from .services import dimensions_apply_defaults

    dimensions_apply_defaults(account=account, by=by)


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = "Champion scorecards"

    def ready(self):
        from accounts.signals import account_created

        # Accounts never imports scorecards; a new account gets its dimensions here.
        account_created.connect(_apply_default_dimensions, dispatch_uid="scorecards-default-dimensions")

        from notifications.reminders import register

        from .reminders import SCORECARD_MISSING

        register(SCORECARD_MISSING)
