"""Personal API tokens: made in the browser and shown once, acting with their user's
rights, revoked for good; session requests keep their CSRF protection; throttled per user."""

import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts.api.throttling import PerUserThrottle
from accounts.models import ApiToken
from accounts.tokens import token_create, token_revoke

from .api_helpers import api, furnish, token_client


@pytest.fixture(autouse=True)
def _world(cast):
    furnish(cast.account)
    furnish(cast.other_account)


def _make_token_in_browser(client, user, name="upload script"):
    client.force_login(user)
    response = client.post(reverse("api_tokens"), {"name": name}, follow=True)
    assert response.redirect_chain == [(reverse("api_tokens"), 302)]
    match = re.search(r'value="(tdm_[^"]+)"', response.content.decode())
    assert match, "the new key is shown"
    return response, match.group(1)


def test_a_token_made_in_the_browser_is_shown_once_and_stored_only_as_a_digest(client, cast):
    response, key = _make_token_in_browser(client, cast["manager"])
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=cast["manager"])
    assert token.name == "upload script" and key not in token.digest and token.prefix == key[4:12]
    again = client.get(reverse("api_tokens")).content.decode()
    assert key not in again and f"tdm_{token.prefix}…" in again and "upload script" in again


def test_a_token_needs_a_name(client, cast):
    client.force_login(cast["manager"])
    response = client.post(reverse("api_tokens"), {"name": "  "})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_a_script_with_the_token_reads_what_its_user_can_see(client, cast):
    _, key = _make_token_in_browser(client, cast["partner_user"])
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get(api("dashboard-list", cast.account)).status_code == 200
    assert script.get(api("dashboard-list", cast.other_account)).status_code == 404
    slugs = [a["slug"] for a in script.get(api("account-list")).json()["results"]]
    assert slugs == ["helix"]
    assert ApiToken.objects.get(user=cast["partner_user"]).last_used_at is not None


def test_bearer_works_as_well_as_token(cast):
    _, key = token_create(user=cast["viewer"], name="bi")
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert script.get(api("metric-list", cast.account)).status_code == 200


def test_a_token_acts_with_its_users_rights_not_more(cast):
    viewer = token_client(cast["viewer"])
    response = viewer.patch(api("account-detail", cast.account), {"region": "Mars"}, format="json")
    assert response.status_code == 403


def test_a_revoked_token_no_longer_works(client, cast):
    _, key = _make_token_in_browser(client, cast["manager"])
    token = ApiToken.objects.get(user=cast["manager"])
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = script.get(api("account-list"))
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert "Revoked" in client.get(reverse("api_tokens")).content.decode()


def test_nobody_can_revoke_someone_elses_token(client, cast):
    token, _ = token_create(user=cast["manager"], name="mine")
    client.force_login(cast["admin"])
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked


def test_a_token_of_a_deactivated_user_stops_working(cast):
    script = token_client(cast["manager"])
    cast["manager"].is_active = False
    cast["manager"].save()
    assert script.get(api("account-list")).status_code == 401


@pytest.mark.parametrize("header", ["Token", "Token tdm_unknown", "Token a b", "Bearer nonsense"])
def test_a_bad_token_is_refused_not_ignored(cast, header):
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=header)
    assert script.get(api("account-list")).status_code == 401


def test_anonymous_requests_are_refused(cast):
    assert APIClient().get(api("account-list")).status_code == 401


def test_session_writes_need_the_csrf_token(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast["manager"])
    url = api("account-detail", cast.account)
    assert browser.get(url).status_code == 200
    refused = browser.patch(url, '{"region": "Nordics"}', content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_token_writes_need_no_csrf_token(cast):
    script = token_client(cast["manager"])
    response = script.patch(api("account-detail", cast.account), {"region": "Nordics", "version": 0},
                            format="json")
    assert response.status_code == 200 and response.json()["region"] == "Nordics"


def test_revoking_twice_keeps_the_first_time(cast):
    token, _ = token_create(user=cast["manager"], name="x")
    first = token_revoke(token=token, by=cast["manager"]).revoked_at
    assert token_revoke(token=token, by=cast["manager"]).revoked_at == first


def test_requests_are_throttled_per_user(cast, monkeypatch):
    cache.clear()
    now = [3600.0 * 1000 + 50]  # fifty seconds into a minute
    monkeypatch.setattr(PerUserThrottle, "timer", lambda self: now[0])
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/minute"}
    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        script = token_client(cast["manager"])
        responses = [script.get(api("account-list")) for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert responses[-1]["Retry-After"] == "10"  # the next minute begins in ten seconds
        other = token_client(cast["viewer"])
        assert other.get(api("account-list")).status_code == 200, "another user has their own allowance"
        now[0] += 10
        assert script.get(api("account-list")).status_code == 200, "a new minute, a new allowance"
    cache.clear()


def _rest_framework():
    from django.conf import settings

    return settings.REST_FRAMEWORK
