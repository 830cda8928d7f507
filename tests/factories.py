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
