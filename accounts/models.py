from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .concurrency import Versioned
from .text import validate_one_line


class User(AbstractUser):
    class GlobalRole(models.TextChoices):
        MEMBER = "member", "Member (access through memberships)"
        PORTFOLIO_VIEWER = "portfolio_viewer", "Portfolio viewer"
        ADMINISTRATOR = "administrator", "Administrator"

    global_role = models.CharField(
        max_length=20, choices=GlobalRole.choices, default=GlobalRole.MEMBER
    )
    title = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (
            self.is_superuser or self.global_role == self.GlobalRole.ADMINISTRATOR
        )

    @property
    def is_portfolio_viewer(self) -> bool:
        return self.is_active and self.global_role == self.GlobalRole.PORTFOLIO_VIEWER

    @property
    def sees_every_account(self) -> bool:
        return self.is_administrator or self.is_portfolio_viewer

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name


class RelationshipLevel(models.IntegerChoices):
    """The ladder a relationship climbs; the numbers order it."""

    TRANSACTIONAL = 1, "Transactional"
    PREFERRED = 2, "Preferred supplier"
    STRONG_PREFERRED = 3, "Strong preferred"
    STRATEGIC = 4, "Strategic partner"


class Side(models.TextChoices):
    HOME = "home", "Home firm"
    PARTNER = "partner", "Partner firm"


class PartnerAccount(Versioned):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", "Key customer"
        SUPPLIER = "supplier", "Strategic supplier"

    # Subjects of e-mails are built from the name: one line only (see accounts/text.py).
    name = models.CharField(max_length=200, validators=[validate_one_line])
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(
        choices=RelationshipLevel.choices, default=RelationshipLevel.TRANSACTIONAL
    )
    target_level = models.PositiveSmallIntegerField(
        choices=RelationshipLevel.choices, default=RelationshipLevel.PREFERRED
    )
    industry = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=120, blank=True)
    annual_value = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0, "The annual value cannot be negative.")],
        help_text="Yearly business volume with this partner.",
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code, e.g. EUR.")
    description = models.TextField(blank=True)
    strategy_pillars = models.TextField(
        blank=True, help_text="The shared strategy's pillars, one per line."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        # Lists show accounts by name a page at a time: with the index a page reads its
        # rows in order instead of sorting every account first.
        indexes = [models.Index(fields=["name"], name="account_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4) & Q(target_level__gte=1, target_level__lte=4),
                name="account_levels_on_the_ladder",
            ),
            models.CheckConstraint(
                condition=Q(annual_value__isnull=True) | Q(annual_value__gte=0),
                name="account_annual_value_not_negative",
                violation_error_message="The annual value cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:overview", args=[self.slug])

    def clean(self):
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha()):
            raise ValidationError({"currency": "Use a three-letter currency code such as EUR."})
        self.currency = (self.currency or "").upper()

    @property
    def pillars(self) -> list[str]:
        return [line.strip() for line in self.strategy_pillars.splitlines() if line.strip()]

    @property
    def level_gap(self) -> int:
        return self.target_level - self.level


class LevelChange(models.Model):
    """A dated step in the account's relationship level or its target."""

    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="level_changes")
    effective_on = models.DateField(default=timezone.localdate)
    level = models.PositiveSmallIntegerField(choices=RelationshipLevel.choices)
    target_level = models.PositiveSmallIntegerField(choices=RelationshipLevel.choices)
    previous_level = models.PositiveSmallIntegerField(choices=RelationshipLevel.choices, null=True)
    previous_target_level = models.PositiveSmallIntegerField(
        choices=RelationshipLevel.choices, null=True
    )
    note = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.account}: {self.get_level_display()} on {self.effective_on}"


class Membership(models.Model):
    """A user's access to one account, on one side, in one role."""

    class Role(models.TextChoices):
        ACCOUNT_MANAGER = "account_manager", "Account manager"
        EXECUTIVE_CHAMPION = "executive_champion", "Executive champion"
        CONTRIBUTOR = "contributor", "Contributor"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(PartnerAccount, on_delete=models.CASCADE, related_name="memberships")
    side = models.CharField(max_length=10, choices=Side.choices, default=Side.HOME)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["side", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="one_membership_per_user_and_account"),
            models.UniqueConstraint(
                fields=["account", "side"],
                condition=Q(role="executive_champion"),
                name="one_champion_per_account_side",
                violation_error_message="This side of the account already has an executive champion.",
            ),
            models.CheckConstraint(
                condition=~Q(side="partner", role="account_manager"),
                name="account_managers_are_home_side",
                violation_error_message="Account managers belong to the home firm.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.get_side_display()}) at {self.account}"

    def clean(self):
        if not self.user_id:
            return
        others = Membership.objects.filter(user_id=self.user_id).exclude(pk=self.pk)
        if self.side == Side.PARTNER and others.exists():
            raise ValidationError(
                {"user": "A partner user belongs to exactly one account; this user already has access elsewhere."}
            )
        if self.side == Side.HOME and others.filter(side=Side.PARTNER).exists():
            raise ValidationError({"user": "This user belongs to a partner firm and cannot join the home side."})
        if self.side == Side.PARTNER and self.user.sees_every_account:
            raise ValidationError({"user": "Administrators and portfolio viewers belong to the home firm."})


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the key is stored: the full key is
    shown once, when it is made, and cannot be recovered afterwards. A token acts with
    its user's rights, whatever those are at the time of the request."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="What the token is for, e.g. “quarterly upload script”.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="The key's first characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["digest", "last_used_at"])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["revoked_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class FollowUpQuerySet(models.QuerySet):
    def waiting(self):
        """Not started yet (never, or again after a failed attempt)."""
        return self.filter(started_at__isnull=True)

    def unfinished(self):
        return self.filter(done_at__isnull=True, failed_at__isnull=True)


class FollowUp(models.Model):
    """Background work a change calls for (recompute an account's trends, send a round's
    invitations), recorded in the same transaction as the change: a broker that is down
    cannot lose it, it is handed to the broker after the commit and again until a worker
    starts it, and it runs once however often it is delivered (``accounts.background``).

    Waiting: ``started_at`` is empty. Running: started, neither done nor failed. A failed
    attempt empties ``started_at`` again for a later retry; ``failed_at`` is set when
    there will be none."""

    task = models.CharField(max_length=200, help_text="The Celery task's name.")
    args = models.JSONField(default=list)
    key = models.CharField(max_length=200, help_text="While one with this key waits, saves add no other.")
    created_at = models.DateTimeField(auto_now_add=True)
    run_after = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the broker.")
    started_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, help_text="The task message that started it.")
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Gave up after the last attempt.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "follow-up"
        ordering = ["-created_at"]
        indexes = [
            # Every save looks for a waiting follow-up with its key; /readyz and the
            # dispatch job read the unfinished ones by when they are due.
            models.Index(fields=["key"], condition=Q(started_at__isnull=True), name="follow_up_waiting_key"),
            models.Index(fields=["run_after"], condition=Q(done_at__isnull=True, failed_at__isnull=True),
                         name="follow_up_unfinished_due"),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.key}"
