"""Who may see and do what with an account — decided here and nowhere else.

Every view, partial, API view, export and task reaches accounts (and the objects that
belong to them) through these helpers. A user who may not see an account gets a 404,
never a hint that it exists; a user who may see it but not do something gets a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Membership, PartnerAccount, Side, User

Role = Membership.Role


def visible_accounts(user: User) -> QuerySet[PartnerAccount]:
    """The accounts this user may see at all."""
    if not user.is_authenticated or not user.is_active:
        return PartnerAccount.objects.none()
    if user.sees_every_account:
        return PartnerAccount.objects.all()
    return PartnerAccount.objects.filter(memberships__user=user)


def scope_to_visible_accounts(queryset: QuerySet, user: User, account_field: str = "account") -> QuerySet:
    """Narrow any queryset of account-owned objects to the accounts the user may see."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.sees_every_account:
        return queryset
    return queryset.filter(**{f"{account_field}__memberships__user": user})


def can_create_accounts(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.is_administrator


def is_partner_user(user: User) -> bool:
    """A partner user belongs to a partner firm through a partner-side membership."""
    return Membership.objects.filter(user=user, side=Side.PARTNER).exists()


def can_see_portfolio(user: User) -> bool:
    """The portfolio is the home firm's view over its relationships: administrators and
    portfolio viewers see it over every account, everyone else on the home side over the
    accounts they belong to (``visible_accounts``). A partner user is told it does not
    exist. (The navigation draws the same line from its own query: see
    ``accounts.context_processors``.)"""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.sees_every_account or not is_partner_user(user)


@dataclass(frozen=True)
class AccountAccess:
    """What one user may do with one account they can see."""

    account: PartnerAccount
    user: User
    membership: Membership | None

    @property
    def side(self) -> str:
        return self.membership.side if self.membership else Side.HOME

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def is_partner(self) -> bool:
        return self.side == Side.PARTNER

    @property
    def is_administrator(self) -> bool:
        return self.user.is_administrator

    @property
    def is_account_manager(self) -> bool:
        return self.side == Side.HOME and self.role == Role.ACCOUNT_MANAGER

    @property
    def is_champion(self) -> bool:
        return self.role == Role.EXECUTIVE_CHAMPION

    @property
    def can_edit_account(self) -> bool:
        """Account details, metric definitions, the home side's figures and the plan."""
        return self.is_administrator or self.is_account_manager

    @property
    def can_manage_memberships(self) -> bool:
        return self.is_administrator

    @property
    def can_see_internal(self) -> bool:
        """Internal notes and meetings are for the home firm only."""
        return not self.is_partner

    def can_enter_figures_for(self, side: str) -> bool:
        if side == Side.HOME:
            return self.can_edit_account
        return self.is_partner and self.role != Role.VIEWER

    def can_sign_off_basis_for(self, side: str) -> bool:
        """A firm signs off a metric's calculation basis through the people who enter its
        figures: they are the ones who vouch for how the number is computed."""
        return self.side == side and self.can_enter_figures_for(side)

    def can_write_scorecard_for(self, side: str) -> bool:
        return self.side == side and self.is_champion

    @property
    def can_edit_plan(self) -> bool:
        """The What-Who-When plan: roster, topics, actions, meetings and their settings."""
        return self.can_edit_account

    @property
    def can_run_surveys(self) -> bool:
        """Perception surveys: statements, rounds, respondents. The home firm runs them (a
        partner champion answers like everyone else and sees the same anonymous results)."""
        return self.can_edit_account

    @property
    def can_confirm_partner_respondents(self) -> bool:
        """The partner firm vouches for the people a survey round asks, both firms': its
        executive champion confirms the whole list before the round can open. Nobody on
        the home side may, administrators included (see ``surveys.services``)."""
        return self.is_partner and self.is_champion

    def can_update_action(self, owner_user_id: int | None) -> bool:
        """An action's status and progress note: the plan's editors, and the action's owner
        (through a roster entry linked to their login) unless they only view the account."""
        if self.can_edit_plan:
            return True
        return owner_user_id is not None and owner_user_id == self.user.pk and self.role not in (None, Role.VIEWER)

    def require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied("You may see this account but not do this.")


def get_account_access(user: User, slug: str, *, select_related: tuple[str, ...] = ()) -> AccountAccess:
    """The account with this slug and the user's rights in it, or 404. ``select_related``
    joins one-to-one relations a page reads anyway (the plan page: its settings), saving
    their query."""
    account = visible_accounts(user).select_related(*select_related).filter(slug=slug).first()
    if account is None:
        raise Http404("No such account.")
    membership = Membership.objects.filter(user=user, account=account).first()
    return AccountAccess(account=account, user=user, membership=membership)
