"""The What-Who-When plan over the API: roster, topics, actions and meetings. Reads use
the same scoped querysets as the pages (``Action.objects.visible_to``,
``Meeting.objects.visible_to``); writes call ``plans.services``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins
from rest_framework.routers import SimpleRouter

from accounts.api.base import AccountScopedViewSet, conflict_responses

from . import services
from .models import Action, Meeting, RosterEntry, Topic
from .serializers import (
    ActionProgressSerializer,
    ActionSerializer,
    MeetingSerializer,
    RosterEntrySerializer,
    TopicSerializer,
)

MANY = ("owners", "attendees")  # many-to-many fields, set by the services
CRUD = (mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin)


def _examples(label: str, value: dict, writes: dict, serializer) -> dict:
    """The same example on every operation of a resource; a change sends the version it
    is based on, and meets a 409 if someone saved since."""
    shown = OpenApiExample(label, value=value, response_only=True)
    written = OpenApiExample(f"{label} (to send)", value=writes, request_only=True)
    changed = OpenApiExample(f"{label} (a change)", value={**writes, "version": value["version"]}, request_only=True)
    return {
        "list": extend_schema(examples=[shown]), "retrieve": extend_schema(examples=[shown]),
        "create": extend_schema(examples=[written, shown]),
        "update": extend_schema(examples=[changed, shown], responses=conflict_responses(serializer)),
        "partial_update": extend_schema(examples=[changed, shown], responses=conflict_responses(serializer)),
    }


class PlanViewSet(AccountScopedViewSet):
    def can_write(self, access):
        return access.can_edit_plan

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        many = {name: data.pop(name) for name in MANY if name in data}
        for name, value in data.items():
            setattr(serializer.instance, name, value)
        serializer.instance = self.save(serializer.instance, many)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)  # a new record starts at the first version
        many = {name: data.pop(name) for name in MANY if name in data}
        instance = self.model(account=self.access.account, **data)
        serializer.instance = self.save(instance, many)

    def save(self, instance, data):
        raise NotImplementedError


@extend_schema_view(
    **_examples("A person", {"id": 5, "name": "Pat Partner", "title": "Head of Purchasing", "function": "Procurement",
                             "region": "EMEA", "side": "partner", "role": "point_person", "influence": "high",
                             "stance": "supporter", "user": "pat", "version": 2},
                {"name": "Pat Partner", "title": "Head of Purchasing", "side": "partner", "role": "point_person"},
                RosterEntrySerializer),
    destroy=extend_schema(summary="Take someone off the roster (not while they own actions)"),
)
class RosterViewSet(PlanViewSet, *CRUD, mixins.DestroyModelMixin):
    model = RosterEntry
    serializer_class = RosterEntrySerializer
    filterset_fields = ["side", "role", "function"]
    ordering_fields = ["side", "function", "name"]
    ordering = ["side", "function", "name"]

    def scoped_queryset(self):
        return RosterEntry.objects.filter(account=self.access.account).select_related("user")

    def save(self, instance, data):
        return services.roster_entry_save(entry=instance, by=self.request.user)

    def perform_destroy(self, instance):
        services.roster_entry_remove(entry=instance, by=self.request.user)


@extend_schema_view(**_examples(
    "A topic", {"id": 9, "title": "Joint e-mobility platform", "description": "", "status": "active",
                "home_benefit": "New volume", "partner_benefit": "Second source", "horizon": "long_term",
                "owners": [5], "target_quarter": "2027-Q2", "progress": 40,
                "created_at": "2026-01-05T09:00:00Z", "updated_at": "2026-06-01T09:00:00Z", "version": 3},
    {"title": "Joint e-mobility platform", "status": "short_list", "owners": [5], "target_quarter": "2027-Q2"},
    TopicSerializer,
))
class TopicViewSet(PlanViewSet, *CRUD):
    model = Topic
    serializer_class = TopicSerializer
    filterset_fields = ["status", "horizon"]
    ordering_fields = ["title", "status", "target_quarter", "progress"]
    ordering = ["title"]

    def scoped_queryset(self):
        return Topic.objects.filter(account=self.access.account).prefetch_related("owners")

    def save(self, instance, data):
        return services.topic_save(topic=instance, by=self.request.user, owners=data.get("owners"))


@extend_schema_view(**_examples(
    "An action", {"id": 21, "title": "Share the capacity plan", "owner": 5, "due_on": "2026-09-30",
                  "status": "in_progress", "topic": 9, "metric": None, "meeting": 4, "note": "Draft sent",
                  "overdue": False, "created_at": "2026-07-10T09:00:00Z", "updated_at": "2026-08-01T09:00:00Z",
                  "version": 4},
    {"title": "Share the capacity plan", "owner": 5, "due_on": "2026-09-30", "topic": 9},
    ActionSerializer,
))
class ActionViewSet(PlanViewSet, *CRUD):
    """Editors of the plan change everything; an action's owner (through their roster
    entry) changes only its status and note."""

    model = Action
    filterset_fields = ["status", "owner", "topic", "metric"]
    ordering_fields = ["due_on", "status", "title"]
    ordering = ["due_on", "id"]

    def allowed(self, access):
        if self.action in ("update", "partial_update"):
            return True  # decided per action in get_object
        return super().allowed(access)

    def get_serializer_class(self):
        access = getattr(self, "access", None)
        if self.action in ("update", "partial_update") and access is not None and not access.can_edit_plan:
            return ActionProgressSerializer
        return ActionSerializer

    def get_object(self):
        action = super().get_object()
        if self.action in ("update", "partial_update") and not self.access.can_update_action(action.owner.user_id):
            raise exceptions.PermissionDenied("Only the plan's editors and the action's owner change it.")
        return action

    def scoped_queryset(self):
        actions = Action.objects.visible_to(self.access)
        # Only a change asks who owns the action (get_object); a list shows the owner's id.
        return actions if self.action == "list" else actions.select_related("owner")

    def perform_update(self, serializer):
        if self.access.can_edit_plan:
            return super().perform_update(serializer)
        action, data = serializer.instance, serializer.validated_data
        action.version = data["version"]
        services.action_update_progress(action=action, by=self.request.user, status=data.get("status", action.status),
                                        note=data.get("note", action.note))

    def save(self, instance, data):
        return services.action_save(action=instance, by=self.request.user)


@extend_schema_view(**_examples(
    "A meeting", {"id": 4, "kind": "quarterly_review", "held_on": "2026-07-15", "location": "Stuttgart",
                  "attendees": [5, 6], "minutes": "Agreed the capacity plan.", "internal_notes": "",
                  "created_at": "2026-06-01T09:00:00Z", "version": 1},
    {"kind": "quarterly_review", "held_on": "2026-10-14", "location": "Online", "attendees": [5]},
    MeetingSerializer,
))
class MeetingViewSet(PlanViewSet, *CRUD):
    model = Meeting
    serializer_class = MeetingSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["held_on"]
    ordering = ["-held_on", "-id"]

    def scoped_queryset(self):
        return Meeting.objects.visible_to(self.access).prefetch_related("attendees")

    def save(self, instance, data):
        return services.meeting_save(meeting=instance, by=self.request.user, attendees=data.get("attendees"))


router = SimpleRouter()
router.register("roster", RosterViewSet, basename="roster")
router.register("topics", TopicViewSet, basename="topic")
router.register("actions", ActionViewSet, basename="action")
router.register("meetings", MeetingViewSet, basename="meeting")
