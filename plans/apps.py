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

        from operator import attrgetter

        from django.db.models.signals import m2m_changed

        from accounts.page_cache import account_changed, watch

        from .models import Action, AgendaItem, Decision, Meeting, PlanSettings, RosterEntry, Topic

        # What the cached plan page is made of.
        for model in (PlanSettings, RosterEntry, Topic, Meeting, Action):
            watch(model)
        for model in (AgendaItem, Decision):
            watch(model, attrgetter("meeting.account_id"))
        # A topic's owners: ``instance`` is the topic or the roster entry, both of one account.
        m2m_changed.connect(lambda sender, instance, **kwargs: account_changed([instance.account_id]),
                            sender=Topic.owners.through, weak=False, dispatch_uid="plans.page_cache.topic_owners")
