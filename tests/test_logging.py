"""Survey respondents' personal links never reach a log: with the time of a request they
could tie an anonymous answer back to the person invited."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from config.logfilters import RedactSurveyLinks

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq3v9-personal-token_AbC"


def test_runserver_request_lines_lose_the_personal_link():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s',
                               (f"POST /survey/{TOKEN}/ HTTP/1.1", "302", "0"), None)
    assert RedactSurveyLinks().filter(record) is True
    assert record.getMessage() == '"POST /survey/[personal link]/ HTTP/1.1" 302 0'


def test_other_log_lines_are_left_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", ("/accounts/helix/surveys/",), None)
    RedactSurveyLinks().filter(record)
    assert record.getMessage() == "GET /accounts/helix/surveys/"


def test_gunicorns_access_log_never_shows_a_personal_link(tmp_path):
    # The socket is bound here and handed over, so no other process can take the port
    # between choosing it and gunicorn binding it.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.local", TANDEM_DATA_DIR=str(tmp_path))
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "python:config.gunicorn",
         "--bind", f"fd://{listener.fileno()}", "--workers", "1"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        pass_fds=[listener.fileno()],
    )
    listener.close()
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        # No database here: the answer does not matter, the log lines do.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/survey/{TOKEN}/", timeout=5)
        time.sleep(0.3)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert "GET /healthz" in output  # the access log is on
    assert "/survey/[personal link]/" in output
    assert TOKEN not in output
