"""At most five active priorities per account — also when two people activate at once."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.urls import reverse

from plans import services
from plans.models import Topic

from .factories import PartnerAccountFactory
from .plans_helpers import topic

ACTIVE = Topic.Status.ACTIVE
FIVE = ["Dual-site resilience", "E-invoicing", "Joint forecasting", "Packaging", "Shared lab"]


def _five_active(account):
    return [topic(account, title, status=ACTIVE) for title in FIVE]


def test_a_sixth_active_priority_is_refused_with_a_message_naming_the_five(db):
    account = PartnerAccountFactory()
    _five_active(account)
    sixth = topic(account, "Open-book costing", status=Topic.Status.SHORT_LIST)
    with pytest.raises(ValidationError) as refused:
        services.topic_move(topic=sixth, by=None, status=ACTIVE)
    message = " ".join(refused.value.messages)
    assert "already five active priorities" in message
    for title in FIVE:
        assert f"“{title}”" in message
    sixth.refresh_from_db()
    assert sixth.status == Topic.Status.SHORT_LIST
    assert Topic.objects.filter(account=account, status=ACTIVE).count() == 5


def test_a_new_topic_created_active_counts_too_but_other_accounts_do_not(db):
    account, other = PartnerAccountFactory(), PartnerAccountFactory()
    _five_active(account)
    with pytest.raises(ValidationError):
        topic(account, "One too many", status=ACTIVE)
    assert topic(other, "Fine elsewhere", status=ACTIVE).status == ACTIVE


def test_finishing_a_priority_makes_room_and_editing_an_active_one_is_no_sixth(db):
    account = PartnerAccountFactory()
    first, *_ = _five_active(account)
    first.progress = 80
    services.topic_save(topic=first, by=None)  # still five, not six
    services.topic_move(topic=first, by=None, status=Topic.Status.DONE)
    sixth = topic(account, "Open-book costing")
    assert services.topic_move(topic=sixth, by=None, status=ACTIVE).status == ACTIVE


def test_the_plan_page_shows_the_refusal_to_the_account_manager(client, cast):
    _five_active(cast.account)
    sixth = topic(cast.account, "Open-book costing", status=Topic.Status.SHORT_LIST)
    client.force_login(cast["manager"])
    response = client.post(reverse("plans:topic_move", args=[cast.account.slug, sixth.pk]), {"status": ACTIVE},
                           follow=True)
    assert "There are already five active priorities" in response.content.decode()
    assert "active priorities (5 of 5)" in response.content.decode()


def test_activating_without_both_benefits_is_explained_beside_the_fields(client, cast):
    client.force_login(cast["manager"])
    response = client.post(reverse("plans:topic_add", args=[cast.account.slug]), {
        "title": "Half a win", "status": ACTIVE, "horizon": "quick_win", "home_benefit": "We save money",
        "partner_benefit": "", "progress": "0", "target_quarter": "2030-Q5",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "An active priority states what each firm gains." in page
    assert "is not a quarter" in page
    assert "We save money" in page  # nothing typed is lost
    assert not Topic.objects.filter(title="Half a win").exists()


def _shares_one_in_memory_database() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_two_people_activating_at_the_same_moment_cannot_make_six():
    """Four are active; two people each activate one more at the same moment. The account
    row is locked before counting, so the second waits for the first and is refused."""
    if _shares_one_in_memory_database():
        pytest.skip("the in-memory SQLite test database locks whole tables and fails the second writer at once "
                    "instead of waiting; on PostgreSQL (and the embedded SQLite file, whose transactions begin "
                    "IMMEDIATE) the second writer waits — the lock path is tested below on every database")
    account = PartnerAccountFactory()
    for title in FIVE[:4]:
        topic(account, title, status=ACTIVE)
    candidates = [topic(account, "Candidate A"), topic(account, "Candidate B")]
    start = threading.Barrier(2)
    outcomes = []

    def activate(candidate):
        try:
            start.wait()
            services.topic_move(topic=Topic.objects.get(pk=candidate.pk), by=None, status=ACTIVE)
            outcomes.append("activated")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=activate, args=(c,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2, outcomes
    assert outcomes.count("activated") == 1, outcomes
    refusal = next(o for o in outcomes if o != "activated")
    assert "There are already five active priorities" in refusal
    assert Topic.objects.filter(account=account, status=ACTIVE).count() == 5


def test_the_limit_locks_the_account_row_before_counting(db, monkeypatch):
    """The lock path: the account is read with select_for_update inside the transaction."""
    from accounts.models import PartnerAccount

    account = PartnerAccountFactory()
    locked = []
    original = PartnerAccount.objects.select_for_update

    def spy(*args, **kwargs):
        locked.append(connection.in_atomic_block)
        return original(*args, **kwargs)

    monkeypatch.setattr(PartnerAccount.objects, "select_for_update", spy)
    topic(account, "Anything", status=ACTIVE)
    assert locked == [True]
