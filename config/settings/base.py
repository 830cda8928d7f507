"""Settings shared by every environment. Values come from the environment (12-factor);
with nothing set, Tandem runs on the embedded default: SQLite in a local file and
Celery on kombu's filesystem broker."""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .environment import (
    env_bool,
    env_broker_url,
    env_database,
    env_int,
    env_is_set,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env_str("TANDEM_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-local-key-change-me-for-any-real-deployment")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "accounts.apps.AdminConfig",  # django.contrib.admin, for administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served locally: the docs work offline
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "accounts",
    "notifications",
    "dashboards",
    "scorecards",
    "plans",
    "surveys",
    "portfolio",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # With DEBUG on, 404 and 500 show the product's pages, not Django's (config/error_pages.py).
    "config.error_pages.ProductErrorPagesMiddleware",
    # Last, as django-axes requires: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    }
]
# Django's renderer, with plain inputs written without its templates (accounts/renderers.py).
FORM_RENDERER = "accounts.renderers.FormRenderer"

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The web server, the worker and beat share one file: WAL lets readers run beside a
    # writer, IMMEDIATE transactions avoid "database is locked" on lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-ins are rate-limited per username and address: five failures pause that pair.
# An address is paused too after more failures over all usernames (password spraying),
# never a username alone, which would let anyone lock a known person out (accounts/lockout.py).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_IP_FAILURE_LIMIT = env_int("AXES_IP_FAILURE_LIMIT", max(20, AXES_FAILURE_LIMIT), minimum=AXES_FAILURE_LIMIT)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.lockout.AddressLimitHandler"
# How many reverse proxies stand in front of Tandem, each appending to X-Forwarded-For:
# sign-ins are counted per client address, not per proxy (0: the connection is the client).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Plotly is vendored in static/vendor/plotly/ (its README says which bundle and why): no CDN.
STATICFILES_DIRS = [BASE_DIR / "static"]
# A deployment's `collectstatic` (the Dockerfile) names every file after a hash of its
# content and writes compressed copies beside it; WhiteNoise serves the hashed names as
# immutable for ten years, so a browser asks for each static file once per version.
# `make run` serves the files as they are, without a collectstatic (local.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Pages link the hashed names only; the plain copies would double collectstatic's work.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Content-Security-Policy: no CDN and no inline script anywhere. Plotly writes <style>
# elements for its charts, hence the inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Tandem's own knobs.
FISCAL_YEAR_START_MONTH = env_int("FISCAL_YEAR_START_MONTH", 1, minimum=1, maximum=12)
HOME_FIRM_NAME = env_str("HOME_FIRM_NAME", "Tandem Home")
# With DEBUG on (the demo, a developer's machine), still answer 404 and 500 with the
# product's pages rather than Django's list of URL patterns and traceback page; the
# traceback goes to the log. Turn off to get Django's debug pages.
TANDEM_PRODUCT_ERROR_PAGES = env_bool("TANDEM_PRODUCT_ERROR_PAGES", True)

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport in DATA_DIR.
REDIS_URL = env_broker_url("REDIS_URL")
CELERY_BROKER_DIR = DATA_DIR / "broker"
# An interrupted job is done again within minutes rather than left for an hour:
# - A job's message is acknowledged once the job has finished (CELERY_TASK_ACKS_LATE), and
#   a job whose pool process died under it (killed, out of memory) goes back to the queue
#   (CELERY_TASK_REJECT_ON_WORKER_LOST) rather than counting as failed. Safe because every
#   task is idempotent: reminders and survey e-mails are claimed before they go out,
#   recomputes overwrite what they computed. (A job that killed its process every time
#   would come back every time; a job over its time limit is failed, not requeued.)
# - With Redis, a message a worker took and never acknowledged (the whole worker was
#   killed) is handed out again once it is this old: 15 minutes instead of kombu's hour.
#   It must exceed the longest a job may run (the longest hard time limit, 660 s) and the
#   longest retry delay (600 s): a message held that long, by a job still running or
#   waiting for its retry, would be handed out a second time. Every worker looks for such
#   messages every 30 s (every visibility timeout, when that is shorter, as in a test).
# - On the embedded broker a message a worker took lives in the worker's memory only: a
#   worker killed with SIGKILL loses it: a follow-up is handed over again
#   (accounts/background.py), and the next scheduled run does the rest (the reminder and
#   survey-mail jobs run hourly, the recompute nightly). `make run` lets the running job
#   finish when it stops (config/devstack.py).
BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 15 * 60, minimum=1)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": min(30, BROKER_VISIBILITY_TIMEOUT),
        "unacked_restore_throttle": 1,  # every interval above, not every tenth
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # Where kombu keeps its exchange tables; by default "control/" in the working directory.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
    # The filesystem transport has no broadcast exchange: one solo worker, no remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
# The cache holds what every process must agree on (such as the API's request counts):
# Redis when there is one, else files in DATA_DIR, which the web server, worker and beat
# of `make run` all share. It is an optimisation: while Redis is down, every read misses
# and every write is dropped (config/cache.py), and the short timeouts keep a Redis that
# does not answer from holding up the page.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "tandem",
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}
# One queue; its name can be set so that two deployments (or a test run) can share a Redis.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Task modules beyond the apps' own tasks.py: the tests that run a real worker add a job
# of their own (tests/slow_tasks.py) this way.
CELERY_IMPORTS = env_list("CELERY_IMPORTS", [])
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # see the visibility timeout above
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic job is listed here, once; beat copies it into the admin-editable table
# (django-celery-beat), where administrators can see, pause or move them. Exactly one
# beat runs: `make run` starts one, docker-compose has a single `beat` service.
CELERY_BEAT_SCHEDULE: dict = {
    # Every minute: hand the broker the follow-ups of saves (recomputes, survey
    # invitations) it could not take when they were made, or whose message was lost, and
    # forget finished ones after a few days (accounts/background.py). A run that could
    # not start within the minute is dropped: the next one does the same.
    "dispatch-follow-ups": {
        "task": "accounts.dispatch_follow_ups",
        "schedule": crontab(),
        "options": {"expires": 50},
    },
    # Every hour of the working day, from 7:00: reminders due after a quarter ends
    # (results to log, scorecards to submit), before a meeting (its agenda) and for
    # overdue actions (at most weekly). Daily rather than on the quarter's first day so
    # that people who join late, and a run missed while the system was down, are still
    # covered; hourly so that a run cut short (a worker killed, its time limit reached)
    # is finished the same day. The claims make every run after the first send nothing
    # new. A run that has not started within the hour gives way to the next one.
    "send-due-reminders": {
        "task": "notifications.send_due_reminders",
        "schedule": crontab(minute=0, hour="7-18"),
        "options": {"expires": 50 * 60},
    },
    # Every ten minutes: the reminders' e-mails still due — one that failed (the mail
    # server was away), or one whose worker died mid-send, once its lease is over
    # (notifications/services.py). Cheap when there is none: one indexed query.
    "send-pending-email": {
        "task": "notifications.send_pending_email",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Every hour of the working day, a quarter after the other reminders: close survey
    # rounds whose last day has passed, send any invitation still pending (the broker was
    # down when the round opened) and the one reminder to respondents who have not
    # answered in a round's last days. Each e-mail is claimed on its invitation row, so
    # a rerun sends nothing new.
    "send-survey-mail": {
        "task": "surveys.send_due_survey_mail",
        "schedule": crontab(minute=15, hour="7-18"),
        "options": {"expires": 50 * 60},
    },
    # Every night, when nobody is entering figures: recompute every account's metric
    # trends and health roll-ups, account by account. Saving results already triggers a
    # recompute for that account; this catches goal changes and the passing of quarters.
    "recompute-trends-and-health": {
        "task": "portfolio.recompute_all_accounts",
        "schedule": crontab(minute=30, hour=2),
        "options": {"expires": 12 * 3600},
    },
}
# Saving results recomputes that account's trends once, this many seconds after the
# first save: a burst of saves (a whole entry grid, several people) costs one recompute.
TANDEM_RECOMPUTE_DELAY_SECONDS = env_int("TANDEM_RECOMPUTE_DELAY_SECONDS", 15, minimum=0)
# Attendees hear about a meeting, with its agenda, this many days before it.
TANDEM_MEETING_REMINDER_DAYS = env_int("TANDEM_MEETING_REMINDER_DAYS", 3, minimum=0, maximum=60)

# Outgoing mail. Naming a mail server is asking for mail to go through it: with EMAIL_HOST
# set, SMTP is the default backend; without, e-mails are printed to the console.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually on port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the first byte, usually on port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Environment variables EMAIL_USE_TLS and EMAIL_USE_SSL are both on: set one (STARTTLS, usually port 587, "
        "or TLS from the start, usually port 465), not both."
    )
# Each network step of a send (connecting, each SMTP command) gives up after this many
# seconds, so a mail server that hangs cannot hold a worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if env_is_set("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tandem <tandem@localhost>")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))  # for the file-based e-mail backend
# An e-mail whose sending began this long ago and was never confirmed (its worker died)
# is sent again, with the same Message-ID. Keep it well above the longest a send can
# take (a few times EMAIL_TIMEOUT), or two workers may send the same e-mail.
TANDEM_EMAIL_LEASE_SECONDS = env_int("TANDEM_EMAIL_LEASE_SECONDS", 600, minimum=1)
# Links in e-mails are this address plus the relative link of the notification.
TANDEM_BASE_URL = env_str("TANDEM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The REST API (/api/v1/): personal tokens or the session (with CSRF); every list is
# paginated, filterable and orderable; requests are throttled per user.
API_THROTTLE_RATE = env_rate("API_THROTTLE_RATE", "1200/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "accounts.api.parsers.JSONParser",  # refuses documents nested deeper than any request needs
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.throttling.PerUserThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": API_THROTTLE_RATE},
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accounts.api.base.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": (
        "Every resource of Tandem's pages, with the same access rules. Authenticate with a personal token "
        "(`Authorization: Token tdm_…`, made on your profile page) or the browser session. Quarters are written "
        "`2026-Q3`. Accounts you cannot see answer 404; things you may see but not do answer 403."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RelationshipLevelEnum": "accounts.models.RelationshipLevel",
        "SideEnum": "accounts.models.Side",
        "AccountKindEnum": "accounts.models.PartnerAccount.Kind",
        "MeetingKindEnum": "plans.models.Meeting.Kind",
        "MembershipRoleEnum": "accounts.models.Membership.Role",
        "RosterRoleEnum": "plans.models.RosterEntry.Role",
        "SurveyRoundStatusEnum": "surveys.models.SurveyRound.Status",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Survey respondents' personal links never reach a log (see config/logfilters.py).
    "filters": {"survey_links": {"()": "config.logfilters.RedactSurveyLinks"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["survey_links"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own loggers bring their own handlers; route them through the filtered one.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
