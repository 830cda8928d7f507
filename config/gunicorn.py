"""gunicorn's settings (``gunicorn -c python:config.gunicorn``): its own logs to stdout,
with survey respondents' personal links cut out of the access log (config/logfilters.py)."""

accesslog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"survey_links": {"()": "config.logfilters.RedactSurveyLinks"}},
    "formatters": {"generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "filters": ["survey_links"],
                    "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
