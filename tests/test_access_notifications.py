"""The inbox in the access matrix: everyone signed in has an inbox of their own; nobody
reaches another person's notification; a link in a notification goes through the
account's access rules like any other visit."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Membership
from notifications.models import Notification
from notifications.services import reminders_send
from tests.factories import with_default_metrics

from .access import Route, check_route, expect, matrix_cases
from .queries import assert_query_count_is_constant

EVERYONE = {"outsider": 200}


def _managers_notification(cast, account):
    note = Notification.objects.create(
        user=cast["manager"], account=cast.account, kind="results_missing", subject_key=f"account:{cast.account.pk}",
        title="Log the results", body="…", link=reverse("dashboards:dashboard", args=[cast.account.slug]),
    )
    return note.pk


ROUTES = [
    Route("inbox", lambda c, a: reverse("notifications:inbox"), expect(200, **EVERYONE), account_scoped=False),
    Route("preferences", lambda c, a: reverse("notifications:preferences"), expect(200, **EVERYONE),
          account_scoped=False),
    Route("preferences-save", lambda c, a: reverse("notifications:preferences"), expect(302, outsider=302),
          method="post", account_scoped=False),
    Route("read-all", lambda c, a: reverse("notifications:mark_all_read"), expect(302, outsider=302),
          method="post", account_scoped=False),
    # Only the manager owns this notification: everyone else is told it does not exist.
    Route("read-one", lambda c, a: reverse("notifications:mark_read", args=[_managers_notification(c, a)]),
          expect(404, manager=302), method="post", account_scoped=False),
]


@pytest.mark.parametrize(("route", "role", "which"), matrix_cases(ROUTES))
def test_access_matrix(client, cast, route, role, which):
    check_route(client, cast, route, role, which)


def test_inbox_read_pages_refuse_get_for_writes(client, cast):
    client.force_login(cast["manager"])
    pk = _managers_notification(cast, cast.account)
    assert client.get(reverse("notifications:mark_read", args=[pk])).status_code == 405
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405


def test_a_user_removed_from_the_account_gets_404_from_the_link(client, cast):
    with_default_metrics(cast.account)
    reminders_send(dt.date(2026, 4, 2))
    note = Notification.objects.get(user=cast["manager"])
    client.force_login(cast["manager"])
    assert client.get(note.link).status_code == 200
    Membership.objects.filter(user=cast["manager"], account=cast.account).delete()
    response = client.post(reverse("notifications:mark_read", args=[note.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == note.link
    assert client.get(note.link).status_code == 404


def test_the_bell_counts_unread_and_marking_read_clears_it(client, cast):
    client.force_login(cast["manager"])
    pk = _managers_notification(cast, cast.account)
    _managers_notification(cast, cast.account)
    page = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications, 2 unread"' in page
    client.post(reverse("notifications:mark_read", args=[pk]))
    assert 'aria-label="Notifications, 1 unread"' in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications:mark_all_read"))
    assert 'aria-label="Notifications, 0 unread"' in client.get(reverse("home")).content.decode()
    assert not Notification.objects.filter(user=cast["manager"], read_at__isnull=True).exists()


def test_inbox_lists_only_my_notifications(client, cast):
    _managers_notification(cast, cast.account)
    client.force_login(cast["viewer"])
    assert "Log the results" not in client.get(reverse("notifications:inbox")).content.decode()
    client.force_login(cast["manager"])
    assert "Log the results" in client.get(reverse("notifications:inbox")).content.decode()


def test_preferences_turn_email_off_per_kind(client, cast):
    from notifications.models import EmailOptOut
    from notifications.reminders import registered_kinds

    every_kind = {kind.key for kind in registered_kinds()}
    assert {"results_missing", "scorecard_missing", "meeting_agenda", "actions_overdue", "survey_closing"} <= every_kind
    client.force_login(cast["champion"])
    client.post(reverse("notifications:preferences"), {"email": ["results_missing"]})
    assert set(EmailOptOut.objects.filter(user=cast["champion"]).values_list("kind", flat=True)) == (
        every_kind - {"results_missing"}
    )
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="results_missing" checked' in page and 'value="scorecard_missing" >' in page
    client.post(reverse("notifications:preferences"), {"email": sorted(every_kind)})
    assert not EmailOptOut.objects.filter(user=cast["champion"]).exists()


def test_inbox_query_count_is_pinned(client, cast):
    def grow():
        for _ in range(30):
            _managers_notification(cast, cast.account)

    _managers_notification(cast, cast.account)
    assert_query_count_is_constant(client, cast["manager"], reverse("notifications:inbox"), grow, pinned=7)
