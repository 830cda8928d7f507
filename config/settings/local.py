"""The embedded default for a developer's machine and the demo (`make run`)."""

from .base import *  # noqa: F403
from .base import STORAGES, env_bool

DEBUG = env_bool("DEBUG", True)
# `make run` serves static/ and the apps' files as they are, DEBUG on or off, with no
# collectstatic: the hashed names of a deployment (base.py) would need one after every edit.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
