from django.test import override_settings
from django.urls import reverse


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_pause_signing_in_for_that_username(client, cast):
    for _ in range(3):
        client.post(reverse("login"), {"username": "manager", "password": "guess"})
    locked = client.post(reverse("login"), {"username": "manager", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # Someone else from the same address is not locked out.
    other = client.post(reverse("login"), {"username": "viewer", "password": "correct-horse-battery"})
    assert other.status_code == 302


def test_signing_out_needs_a_post_and_ends_the_session(client, cast):
    client.force_login(cast["viewer"])
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_pages_carry_a_strict_content_security_policy(client, cast):
    client.force_login(cast["viewer"])
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
