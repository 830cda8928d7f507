"""The plan page's actions: every open one, the recently done, and on request every
done one; the one link each row offers; and its forms, which post."""

import datetime as dt
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Side
from plans.models import Action, Topic
from plans.selectors import RECENTLY_DONE_DAYS

from .plans_helpers import action, person, topic
from .scorecards_helpers import text_of


def _done(account, title, owner, *, due_days_ago, updated_days_ago):
    done = action(account, title, owner, days=-due_days_ago, status=Action.Status.DONE)
    # The start of the local day, so the boundary is a whole day, as users count it.
    updated = timezone.make_aware(dt.datetime.combine(
        timezone.localdate() - dt.timedelta(days=updated_days_ago), dt.time.min))
    Action.objects.filter(pk=done.pk).update(updated_at=updated)
    return done


def test_old_done_actions_wait_behind_a_link_while_recent_ones_stay(client, cast):
    owner = person(cast.account, "Maja Berg", side=Side.HOME)
    action(cast.account, "Open and late", owner, days=-400)
    old = RECENTLY_DONE_DAYS + 1
    _done(cast.account, "Done long ago", owner, due_days_ago=old, updated_days_ago=old)
    _done(cast.account, "Due long ago, finished last week", owner, due_days_ago=old, updated_days_ago=7)
    _done(cast.account, "Done on the last day that counts", owner, due_days_ago=old,
          updated_days_ago=RECENTLY_DONE_DAYS)
    _done(cast.account, "Due recently, marked done long ago", owner, due_days_ago=3, updated_days_ago=old)
    client.force_login(cast["manager"])
    url = reverse("plans:plan", args=[cast.account.slug])

    page = text_of(client.get(url))
    assert "Open and late" in page
    assert "Due long ago, finished last week" in page
    assert "Done on the last day that counts" in page
    assert "Due recently, marked done long ago" in page
    assert "Done long ago" not in page
    assert "Done in the last three months (3)" in page

    everything = text_of(client.get(url, {"done": "all"}))
    assert "Done long ago" in everything and "Done (4)" in everything


def test_editors_get_an_edit_link_owners_an_update_link_and_viewers_none(client, cast):
    mine = person(cast.account, "Carl Champion", side=Side.HOME, user=cast["champion"])
    other = person(cast.account, "Maja Berg", side=Side.HOME)
    owned, not_mine = action(cast.account, "Mine", mine), action(cast.account, "Not mine", other)
    slug = cast.account.slug

    def links(user):
        client.force_login(user)
        html = client.get(reverse("plans:plan", args=[slug])).content.decode()
        return {(kind, act.pk) for kind in ("action_edit", "action_progress") for act in (owned, not_mine)
                if f'href="{reverse(f"plans:{kind}", args=[slug, act.pk])}"' in html}

    assert links(cast["manager"]) == {("action_edit", owned.pk), ("action_edit", not_mine.pk)}
    assert links(cast["champion"]) == {("action_progress", owned.pk)}
    assert links(cast["viewer"]) == set()


def test_a_form_on_the_plan_posts_with_the_token_the_page_gave(cast):
    move = reverse("plans:topic_move", args=[cast.account.slug, topic(cast.account, "Move me").pk])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast["manager"])
    html = browser.get(reverse("plans:plan", args=[cast.account.slug])).content.decode()
    form = html[html.index(f'action="{move}"'):]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert browser.post(move, {"csrfmiddlewaretoken": token, "status": Topic.Status.SHORT_LIST}).status_code == 302
    assert Topic.objects.get(title="Move me").status == Topic.Status.SHORT_LIST
