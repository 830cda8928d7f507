"""Logging filters.

A survey respondent's personal link is the only thing that ties an answer to a person:
the database keeps its hash and never the time of an answer. An access log line with
the link and the time would undo that, so the link is cut out of every log line before
any handler writes it (runserver's ``django.server``; gunicorn's access log through
``config/gunicorn.py``)."""

from __future__ import annotations

import logging
import re

SURVEY_LINK = re.compile(r"/survey/[^/\s?\"']+")


class RedactSurveyLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/survey/" in message:
            record.msg, record.args = SURVEY_LINK.sub("/survey/[personal link]", message), ()
        return True
