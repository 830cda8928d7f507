"""Accounts and memberships over the API, through ``accounts.access`` and ``accounts.services``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, viewsets

from accounts import services
from accounts.access import can_create_accounts, get_account_access, visible_accounts
from accounts.models import Membership, PartnerAccount

from .base import AccountScopedViewSet, conflict_responses
from .pagination import KnownParametersPagination
from .serializers import AccountSerializer, AccountUpdateSerializer, MembershipChangeSerializer, MembershipSerializer

ACCOUNT_EXAMPLE = OpenApiExample("An account", response_only=True, value={
    "slug": "helix", "name": "Helix Components", "kind": "customer", "level": 2, "target_level": 4,
    "industry": "Automotive", "region": "EMEA", "annual_value": "12500000.00", "currency": "EUR",
    "description": "", "strategy_pillars": "Grow e-mobility\nZero defects", "my_side": "home",
    "my_role": "account_manager", "created_at": "2026-01-05T09:00:00Z", "updated_at": "2026-07-01T10:00:00Z",
    "version": 4,
})
ACCOUNT_WRITE_EXAMPLE = OpenApiExample("Raise the level", request_only=True, value={
    "level": 3, "level_note": "Joint roadmap signed", "version": 4,
})
MEMBERSHIP_EXAMPLE = OpenApiExample("A membership", value={
    "id": 7, "user": "ada", "user_name": "Ada Lovelace", "side": "home", "role": "account_manager",
    "created_at": "2026-01-05T09:00:00Z",
})


@extend_schema_view(
    list=extend_schema(summary="The accounts you can see", examples=[ACCOUNT_EXAMPLE]),
    retrieve=extend_schema(summary="One account", examples=[ACCOUNT_EXAMPLE]),
    create=extend_schema(summary="Create an account (administrators)", examples=[ACCOUNT_EXAMPLE]),
    partial_update=extend_schema(summary="Change an account's details (account managers, administrators)",
                                 examples=[ACCOUNT_WRITE_EXAMPLE, ACCOUNT_EXAMPLE],
                                 responses=conflict_responses(AccountUpdateSerializer)),
    update=extend_schema(summary="Replace an account's details (account managers, administrators)",
                         examples=[ACCOUNT_EXAMPLE], responses=conflict_responses(AccountUpdateSerializer)),
)
class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    lookup_field = "slug"
    lookup_url_kwarg = "account_slug"
    pagination_class = KnownParametersPagination
    ordering_fields = ["name", "level", "annual_value"]
    ordering = ["name"]
    filterset_fields = ["kind", "level", "target_level"]
    search_fields = ["name", "industry", "region"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        # Decided before the payload is read, so that no refusal depends on it: a slug
        # already taken must not tell anyone that an account they cannot see exists.
        if self.action == "create" and not can_create_accounts(request.user):
            raise exceptions.PermissionDenied("Only administrators create accounts.")
        if self.action in ("update", "partial_update"):
            access = get_account_access(request.user, self.kwargs["account_slug"])  # 404 for outsiders
            if not access.can_edit_account:
                raise exceptions.PermissionDenied("You may see this account but not change it.")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerAccount.objects.none()
        return visible_accounts(self.request.user)

    def get_serializer_class(self):
        return AccountUpdateSerializer if self.action in ("update", "partial_update") else AccountSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request and self.request.user.is_authenticated:
            context["memberships"] = {m.account_id: m for m in Membership.objects.filter(user=self.request.user)}
        return context

    def perform_create(self, serializer):
        serializer.instance = services.account_create(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance.version = data.pop("version")
        serializer.instance = services.account_update(
            account=serializer.instance, by=self.request.user, level_note=data.pop("level_note", ""), **data
        )


@extend_schema_view(
    list=extend_schema(summary="The account's memberships (administrators)", examples=[MEMBERSHIP_EXAMPLE]),
    retrieve=extend_schema(summary="One membership (administrators)", examples=[MEMBERSHIP_EXAMPLE]),
    create=extend_schema(summary="Give a user access (administrators)", examples=[MEMBERSHIP_EXAMPLE]),
    update=extend_schema(summary="Change a membership (administrators)", examples=[MEMBERSHIP_EXAMPLE]),
    partial_update=extend_schema(summary="Change a membership (administrators)", examples=[MEMBERSHIP_EXAMPLE]),
    destroy=extend_schema(summary="Take a user's access away (administrators)"),
)
class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, mixins.DestroyModelMixin, AccountScopedViewSet):
    model = Membership
    filterset_fields = ["side", "role"]
    ordering_fields = ["side", "role", "created_at"]

    def allowed(self, access):
        return access.can_manage_memberships

    def get_serializer_class(self):
        return MembershipChangeSerializer if self.action in ("update", "partial_update") else MembershipSerializer

    def scoped_queryset(self):
        return self.access.account.memberships.select_related("user").order_by("side", "role", "user__username")

    def perform_create(self, serializer):
        membership = Membership(account=self.access.account, **serializer.validated_data)
        serializer.instance = services.membership_save(membership=membership, by=self.request.user)

    def perform_update(self, serializer):
        membership = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(membership, name, value)
        serializer.instance = services.membership_save(membership=membership, by=self.request.user)

    def perform_destroy(self, instance):
        services.membership_remove(membership=instance, by=self.request.user)

