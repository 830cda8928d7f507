from __future__ import annotations

from rest_framework import serializers

from accounts.api.base import VersionedSerializer
from accounts.models import User
from dashboards.models import MetricDefinition

from .models import Action, Meeting, RosterEntry, Topic


class AccountBoundSerializer(VersionedSerializer):
    """Related objects can only be chosen from the request's account; fields meant for
    the home firm only are left out for partner users. A change sends the ``version`` it
    is based on (``accounts.concurrency``)."""

    home_only_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        access = self.context.get("access")
        if access is None:
            return
        for name, field in self.fields.items():
            target = getattr(field, "child_relation", field)
            if isinstance(target, serializers.RelatedField) and not target.read_only:
                target.queryset = self.scope(name, target.queryset, access)
        if not access.can_see_internal:
            for name in self.home_only_fields:
                self.fields.pop(name, None)

    def scope(self, name, queryset, access):
        return queryset.filter(account=access.account)


class RosterEntrySerializer(AccountBoundSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.all(), allow_null=True,
                                        required=False, help_text="Their Tandem login, if they have one.")
    home_only_fields = ("influence", "stance")

    class Meta:
        model = RosterEntry
        fields = ["id", "name", "title", "function", "region", "side", "role", "influence", "stance", "user",
                  "version"]

    def scope(self, name, queryset, access):
        return queryset.filter(memberships__account=access.account)


class TopicSerializer(AccountBoundSerializer):
    class Meta:
        model = Topic
        fields = ["id", "title", "description", "status", "home_benefit", "partner_benefit", "horizon", "owners",
                  "target_quarter", "progress", "created_at", "updated_at", "version"]
        read_only_fields = ["created_at", "updated_at"]


class ActionSerializer(AccountBoundSerializer):
    topic = serializers.PrimaryKeyRelatedField(queryset=Topic.objects.all(), allow_null=True, required=False)
    metric = serializers.PrimaryKeyRelatedField(queryset=MetricDefinition.objects.all(), allow_null=True,
                                                required=False)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Action
        fields = ["id", "title", "owner", "due_on", "status", "topic", "metric", "meeting", "note", "overdue",
                  "created_at", "updated_at", "version"]
        read_only_fields = ["meeting", "created_at", "updated_at"]

    def to_representation(self, action):
        # The fields above describe the API and validate what is written; the dict is built
        # here rather than field by field, which was most of a hundred-action page's time.
        return {
            "id": action.pk, "title": action.title, "owner": action.owner_id, "due_on": action.due_on.isoformat(),
            "status": action.status, "topic": action.topic_id, "metric": action.metric_id,
            "meeting": action.meeting_id, "note": action.note, "overdue": action.overdue,
            "created_at": self.time_text(action.created_at), "updated_at": self.time_text(action.updated_at),
            "version": action.version,
        }


class ActionProgressSerializer(VersionedSerializer):
    """What an action's owner may change."""

    class Meta:
        model = Action
        fields = ["status", "note", "version"]


class MeetingSerializer(AccountBoundSerializer):
    home_only_fields = ("internal_notes",)

    class Meta:
        model = Meeting
        fields = ["id", "kind", "held_on", "location", "attendees", "minutes", "internal_notes", "created_at",
                  "version"]
        read_only_fields = ["created_at"]

    def validate_kind(self, kind):
        access = self.context.get("access")
        if access is not None and kind == Meeting.Kind.INTERNAL and not access.can_see_internal:
            raise serializers.ValidationError("Internal account meetings are for the home firm.")
        return kind
