"""Your own notifications over the API (``Notification.objects.for_user``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "account", "kind", "title", "body", "link", "created_at", "read_at", "is_read"]
        read_only_fields = fields


EXAMPLE = OpenApiExample("A notification", response_only=True, value={
    "id": 88, "account": "helix", "kind": "results_due", "title": "Log 2026-Q2 results for Helix Components",
    "body": "", "link": "/accounts/helix/dashboard/2026-Q2/", "created_at": "2026-07-01T07:00:00Z",
    "read_at": None, "is_read": False,
})




@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first", examples=[EXAMPLE]),
    retrieve=extend_schema(summary="One of your notifications", examples=[EXAMPLE]),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        queryset = Notification.objects.for_user(self.request.user).select_related("account")
        if self.request.query_params.get("unread") in ("true", "1"):
            queryset = queryset.unread()
        return queryset

    @extend_schema(summary="Mark a notification read", request=None, responses=NotificationSerializer,
                   examples=[EXAMPLE])
    @action(detail=True, methods=["post"])
    def read(self, request, pk):
        notification = self.get_object()
        services.notification_mark_read(notification=notification)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="Mark all your notifications read", request=None,
                   responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
                   examples=[OpenApiExample("Marked", value={"marked": 3})])
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
