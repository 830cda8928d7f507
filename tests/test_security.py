from django.test import Client, override_settings
from django.urls import reverse

LOGIN = "/login/"
REAL = {"username": "manager", "password": "correct-horse-battery"}
ELSEWHERE = "203.0.113.9"


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


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_IP_FAILURE_LIMIT=20)
def test_one_address_spraying_a_password_over_many_usernames_is_paused_even_for_a_real_password(client, cast):
    answers = [
        client.post(LOGIN, {"username": f"guess{n}", "password": "Summer2026!"}).status_code for n in range(30)
    ]
    assert answers == [200] * 19 + [429] * 11  # the form again, until the address's 20th failure
    locked = client.post(LOGIN, REAL)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.content.decode()
    # The person whose password it is still signs in from anywhere else.
    assert Client(REMOTE_ADDR=ELSEWHERE).post(LOGIN, REAL).status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_IP_FAILURE_LIMIT=20)
def test_a_username_paused_at_one_address_still_signs_in_from_another(client, cast):
    for _ in range(3):
        client.post(LOGIN, {"username": "manager", "password": "guess"})
    assert client.post(LOGIN, REAL).status_code == 429
    assert Client(REMOTE_ADDR=ELSEWHERE).post(LOGIN, REAL).status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_IP_FAILURE_LIMIT=6)
def test_signing_in_with_a_login_of_ones_own_does_not_clear_the_addresss_failures(client, cast):
    for n in range(5):
        client.post(LOGIN, {"username": f"guess{n}", "password": "guess"})
    assert client.post(LOGIN, {"username": "viewer", "password": "correct-horse-battery"}).status_code == 302
    client.post(reverse("logout"))
    assert client.post(LOGIN, {"username": "guess9", "password": "guess"}).status_code == 429


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_IP_FAILURE_LIMIT=6, TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_sign_ins_are_counted_per_client_address_which_the_client_cannot_forge(cast):
    proxy = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=proxy)
    for n in range(6):
        # The part left of what the proxy appended is the attacker's own writing: ignored.
        attacker.post(LOGIN, {"username": f"guess{n}", "password": "guess"},
                      HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.66")
    assert attacker.post(LOGIN, REAL, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.66").status_code == 429
    colleague = Client(REMOTE_ADDR=proxy)
    assert colleague.post(LOGIN, REAL, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


def test_signing_out_needs_a_post_and_ends_the_session(client, cast):
    client.force_login(cast["viewer"])
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_pages_carry_a_strict_content_security_policy(client, cast):
    client.force_login(cast["viewer"])
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
