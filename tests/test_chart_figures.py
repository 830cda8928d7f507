"""Every figure the pages hand to Plotly's JavaScript is a valid Plotly figure: checked
against the schema of Plotly's Python package, which knows every property of every trace
type. A misspelt property is silently ignored in the browser, so only this catches it."""

import json
import re
from io import StringIO

import plotly.graph_objects as go
import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.quarters import Quarter

pytestmark = pytest.mark.django_db

LAST = Quarter.current().previous()
PAGES = [
    "/accounts/helix-components/dashboard/",
    "/portfolio/",
    "/accounts/helix-components/scorecards/",
    "/accounts/helix-components/surveys/",
    f"/accounts/helix-components/surveys/{LAST}/",
]
EMBEDDED = re.compile(r'<script id="([^"]+)" type="application/json">(.*?)</script>', re.S)
FETCHED = re.compile(r'data-figure-url="([^"]+)"')


def test_every_chart_of_the_demo_is_a_valid_plotly_figure(client):
    call_command("seed_demo", stdout=StringIO())
    client.force_login(User.objects.get(username="admin"))
    figures = {}
    for path in PAGES:
        html = client.get(path).content.decode()
        for figure_id, text in EMBEDDED.findall(html):
            if f'data-figure="{figure_id}"' in html:
                figures[f"{path}#{figure_id}"] = json.loads(text)
        for url in FETCHED.findall(html):
            figures[url] = client.get(url.replace("&amp;", "&")).json()

    assert len(figures) >= 18  # fourteen metric charts, and the others' figures
    for where, figure in figures.items():
        try:
            go.Figure(figure)  # raises on any property Plotly does not know
        except ValueError as error:
            pytest.fail(f"{where}: {error}")
