"""A deployment with a malformed environment value stops at start-up with a message
naming the variable, instead of running with a silently wrong setting."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The suite's own environment that a freshly started deployment would not have.
INHERITED_ONLY_BY_TESTS = ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_check(settings_module="config.settings.local", *args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in INHERITED_ONLY_BY_TESTS}
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("FISCAL_YEAR_START_MONTH", "13"),
        ("FISCAL_YEAR_START_MONTH", "april"),
        ("DATABASE_URL", "mysql-ish://nowhere"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("REDIS_URL", "redis://127.0.0.1:port/0"),
        ("ALLOWED_HOSTS", "example.com,,other.com"),
        ("AXES_FAILURE_LIMIT", "0"),
        ("AXES_IP_FAILURE_LIMIT", "4"),  # below the limit per username (5): the address would pause first
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("API_THROTTLE_RATE", "lots"),
        ("API_THROTTLE_RATE", "100/fortnight"),
        ("EMAIL_PORT", "smtp"),
        ("EMAIL_PORT", "70000"),
        ("EMAIL_USE_SSL", "perhaps"),
        ("EMAIL_TIMEOUT", "0"),
        ("TANDEM_EMAIL_LEASE_SECONDS", "soon"),
        ("CELERY_VISIBILITY_TIMEOUT", "15m"),
        ("CELERY_VISIBILITY_TIMEOUT", "0"),
        ("CELERY_IMPORTS", "tests.slow_tasks,,"),
    ],
)
def test_a_malformed_environment_value_is_refused_naming_the_variable(variable, value):
    result = run_check(**{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Environment variable {variable} is malformed" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "Environment variable SECRET_KEY is required" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_check(
        "config.settings.production", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY="a-long-random-secret-key-for-the-deployment-check-0123456789abcdef",
        ALLOWED_HOSTS="tandem.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def local_settings(*names: str, **env) -> dict:
    """The settings ``make run`` would start with under this environment."""
    environment = {k: v for k, v in os.environ.items() if k not in INHERITED_ONLY_BY_TESTS}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.local", **env)
    result = subprocess.run(
        [sys.executable, "-c", "import json, django; django.setup(); from django.conf import settings; "
                               f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cache_backend(**env) -> str:
    cache = local_settings("CACHES", **env)["CACHES"]["default"]
    return f"{cache['BACKEND']} {cache['LOCATION']}"


def test_the_processes_of_a_deployment_share_one_cache(tmp_path):
    """The API throttle counts a user's requests over all processes only if they share the
    cache: Redis when there is one (one that lets the site run on without it), else a
    directory."""
    assert cache_backend(REDIS_URL="redis://127.0.0.1:6379/3") == (
        "config.cache.DegradingRedisCache redis://127.0.0.1:6379/3"
    )
    assert cache_backend(TANDEM_DATA_DIR=str(tmp_path)) == (
        f"django.core.cache.backends.filebased.FileBasedCache {tmp_path / 'cache'}"
    )


MAIL = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_HOST_USER",
        "EMAIL_TIMEOUT")
# Whatever the machine running the tests has set must not decide what these tests see.
NO_MAIL_SETTINGS = {name: "" for name in MAIL}


def test_make_run_sends_mail_through_the_server_the_environment_names():
    mail = local_settings(*MAIL, **{**NO_MAIL_SETTINGS, "EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "2525",
                                   "EMAIL_USE_TLS": "true", "EMAIL_HOST_USER": "tandem"})
    assert mail == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 2525, "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False, "EMAIL_HOST_USER": "tandem",
        "EMAIL_TIMEOUT": 20,  # a mail server that hangs gives up the worker after this many seconds
    }


def test_without_a_mail_server_make_run_prints_mail_and_a_named_backend_wins():
    assert local_settings("EMAIL_BACKEND", **NO_MAIL_SETTINGS)["EMAIL_BACKEND"] == (
        "django.core.mail.backends.console.EmailBackend"
    )
    chosen = local_settings("EMAIL_BACKEND", **{**NO_MAIL_SETTINGS, "EMAIL_HOST": "smtp.example.com",
                                                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"})
    assert chosen["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"


def test_a_malformed_mail_port_stops_make_run_with_a_clear_message():
    result = run_check(**{**NO_MAIL_SETTINGS, "EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "25a"})
    assert result.returncode != 0
    assert "Environment variable EMAIL_PORT is malformed: got '25a', expected a whole number." in result.stderr


def test_starttls_and_tls_from_the_start_cannot_both_be_asked_for():
    result = run_check(**{**NO_MAIL_SETTINGS, "EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"})
    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both on" in result.stderr


def test_production_still_sends_by_smtp_to_localhost_by_default():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**{k: v for k, v in os.environ.items() if k not in INHERITED_ONLY_BY_TESTS}, **NO_MAIL_SETTINGS,
             "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "x" * 50},
    )
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "localhost", "25"], result.stderr
