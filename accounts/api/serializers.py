from __future__ import annotations

from rest_framework import serializers

from accounts.models import Membership, PartnerAccount, User

from .base import VERSION_HELP, ModelSerializer, VersionedSerializer


class AccountSerializer(ModelSerializer):
    my_side = serializers.SerializerMethodField(help_text="Your side of this account (home for global roles).")
    my_role = serializers.SerializerMethodField(help_text="Your role in this account; null without a membership.")
    version = serializers.IntegerField(read_only=True, help_text=VERSION_HELP)

    class Meta:
        model = PartnerAccount
        fields = [
            "slug", "name", "kind", "level", "target_level", "industry", "region", "annual_value", "currency",
            "description", "strategy_pillars", "my_side", "my_role", "created_at", "updated_at", "version",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, account):
        # One dict rather than DRF's walk field by field, which was most of a page's time
        # (a hundred accounts); the declared fields still describe the API (its schema)
        # and write the money as text.
        return {
            "slug": account.slug,
            "name": account.name,
            "kind": account.kind,
            "level": account.level,
            "target_level": account.target_level,
            "industry": account.industry,
            "region": account.region,
            "annual_value": (
                None if account.annual_value is None
                else self.fields["annual_value"].to_representation(account.annual_value)
            ),
            "currency": account.currency,
            "description": account.description,
            "strategy_pillars": account.strategy_pillars,
            "my_side": self.get_my_side(account),
            "my_role": self.get_my_role(account),
            "created_at": self.time_text(account.created_at),
            "updated_at": self.time_text(account.updated_at),
            "version": account.version,
        }

    def _membership(self, account) -> Membership | None:
        return self.context.get("memberships", {}).get(account.pk)

    def get_my_side(self, account) -> str:
        membership = self._membership(account)
        return membership.side if membership else "home"

    def get_my_role(self, account) -> str | None:
        membership = self._membership(account)
        return membership.role if membership else None


class AccountUpdateSerializer(VersionedSerializer, AccountSerializer):
    """A change must send the version it is based on (``VersionedSerializer``)."""

    level_note = serializers.CharField(required=False, allow_blank=True, max_length=300, write_only=True,
                                       help_text="Why the level or target changed; kept in the account's history.")

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "level_note"]
        read_only_fields = [*AccountSerializer.Meta.read_only_fields, "slug"]


class MembershipSerializer(ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
    user_name = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "user_name", "side", "role", "created_at"]
        read_only_fields = ["created_at"]


class MembershipChangeSerializer(MembershipSerializer):
    """A membership's user is fixed: give someone else access with a new membership."""

    user = serializers.CharField(source="user.username", read_only=True)
