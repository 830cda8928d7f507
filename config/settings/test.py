"""The test suite: fast hashing, mail kept in memory, no lockouts between tests."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = False
WHITENOISE_USE_FINDERS = True
# Tasks run in-process; one test starts a real worker against Redis (test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Each test starts from an empty cache of its own process (see tests/conftest.py);
# tests/test_settings.py checks which cache a deployment gets.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The API's per-user throttle counts in the cache, which outlives each test's database:
# a suite's worth of requests by the same user ids must not be throttled.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "1000000/hour"}}  # noqa: F405
