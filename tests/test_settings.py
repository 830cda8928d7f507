"""A deployment with a malformed environment value stops at start-up with a message
naming the variable, instead of running with a silently wrong setting."""

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


def cache_backend(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in INHERITED_ONLY_BY_TESTS}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.local", **env)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


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
