import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Membership, PartnerAccount, RelationshipLevel, Side, User
from accounts.quarters import Quarter
from scorecards.models import Assessment, Dimension, Rating

PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PartnerAccountFactory(DjangoModelFactory):
    class Meta:
        model = PartnerAccount
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Partner Firm {n}")
    slug = factory.Sequence(lambda n: f"partner-firm-{n}")
    kind = PartnerAccount.Kind.CUSTOMER
    level = RelationshipLevel.PREFERRED
    target_level = RelationshipLevel.STRATEGIC
    currency = "EUR"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(PartnerAccountFactory)
    side = Side.HOME
    role = Membership.Role.VIEWER


# Dashboards -------------------------------------------------------------------------

def with_default_metrics(account, by=None):
    """What account creation does through ``account_created``: the fourteen metrics.
    (PartnerAccountFactory writes the row directly, so the signal does not fire.)"""
    from dashboards.services import metric_template_apply

    metric_template_apply(account=account, by=by)
    return account


def record_figure(metric, quarter, value, *, side=None, by=None, note=""):
    """Save one side's figure through the service, as the entry page does."""
    from accounts.quarters import Quarter
    from dashboards.models import MetricResult
    from dashboards.services import FigureEntry, results_record

    quarter = Quarter.parse_stored(str(quarter))  # any stored quarter, however far back
    side = side or metric.data_owner
    existing = MetricResult.objects.filter(metric=metric, quarter=quarter).first()
    version = existing.version_of(side) if existing else 0
    saved, conflicts = results_record(
        quarter=quarter, side=side, by=by,
        entries=[FigureEntry(metric=metric, value=value, note=note, seen_version=version)],
    )
    assert not conflicts
    return saved[0]


# --- scorecards -----------------------------------------------------------------------


class DimensionFactory(DjangoModelFactory):
    class Meta:
        model = Dimension

    account = factory.SubFactory(PartnerAccountFactory)
    name = factory.Sequence(lambda n: f"Dimension {n}")
    position = factory.Sequence(lambda n: n + 100)


class AssessmentFactory(DjangoModelFactory):
    """A submitted assessment unless told otherwise; for volume (query counts), not for
    behaviour — behaviour goes through scorecards.services."""

    class Meta:
        model = Assessment

    account = factory.SubFactory(PartnerAccountFactory)
    quarter = factory.LazyFunction(lambda: Quarter.current().previous())
    side = Side.HOME
    champion = factory.SubFactory(UserFactory)
    status = Assessment.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class RatingFactory(DjangoModelFactory):
    class Meta:
        model = Rating

    assessment = factory.SubFactory(AssessmentFactory)
    dimension = factory.SubFactory(DimensionFactory, account=factory.SelfAttribute("..assessment.account"))
    colour = 3
    comment = factory.Faker("sentence")


# --- portfolio ------------------------------------------------------------------------


class AccountHealthFactory(DjangoModelFactory):
    """A stored roll-up, set directly: the portfolio reads these, whatever computed them.
    By default a healthy account: results and a review meeting last quarter, no flags."""

    class Meta:
        model = "portfolio.AccountHealth"

    account = factory.SubFactory(PartnerAccountFactory)
    results_quarter = factory.LazyFunction(lambda: Quarter.current().previous())
    metrics_with_results = 14
    metrics_green = 11
    green_share = factory.LazyAttribute(lambda h: round(h.metrics_green / h.metrics_with_results, 4))
    previous_green_share = 0.7143
    home_champion_average = 4.0
    partner_champion_average = 3.5
    champion_gap = 0.5
    overdue_actions = 0
    last_review_meeting_on = factory.LazyFunction(lambda: Quarter.current().previous().start_date)
    days_since_review_meeting = factory.LazyAttribute(
        lambda h: (timezone.localdate() - h.last_review_meeting_on).days if h.last_review_meeting_on else None
    )
    metrics_missing = 0
    open_mismatches = 0
    scores_unchanged_for_a_year = False
