"""What a browser downloads for a page: Plotly as the partial bundle of the trace types
Tandem draws, and, as deployed, static files under hashed names that a browser keeps
for good (WhiteNoise's manifest storage)."""

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from config.settings import base as deployed

from .factories import with_default_metrics

STATIC_LINK = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="/static/([^"]+)"')
PLOTLY_BUNDLE = "vendor/plotly/plotly-cartesian-4.1.1.min.js"
TEN_YEARS = 315_360_000  # seconds


def linked_static_files(client, user) -> list[str]:
    """The static files the dashboard's HTML links (scripts, stylesheets, the icon)."""
    client.force_login(user)
    page = client.get(reverse("dashboards:dashboard", args=["helix"])).content.decode()
    return STATIC_LINK.findall(page)


def test_the_dashboard_loads_the_partial_plotly_bundle_and_its_files_fit_the_page_budget(client, cast):
    with_default_metrics(cast.account)
    linked = linked_static_files(client, cast["viewer"])

    assert PLOTLY_BUNDLE in linked
    assert not [name for name in linked if name.endswith("plotly.min.js")]  # the full 4.8 MB bundle
    bundle = Path(finders.find(PLOTLY_BUNDLE))
    assert bundle.stat().st_size < 1_600_000
    # Compressed as WhiteNoise serves them, every linked file together leaves most of the
    # dashboard's 800 kB budget (bench/report.py) to the bundle and a good part to the HTML.
    compressed = sum(len(gzip.compress(Path(finders.find(name)).read_bytes())) for name in linked)
    assert compressed < 600_000


@pytest.fixture
def collected(tmp_path):
    """Static files as a deployment has them: `collectstatic` with the production storage,
    served by WhiteNoise from STATIC_ROOT. The admin's and the API browser's files, which
    the dashboard does not link, are left out: they would only slow the test down."""
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=deployed.STORAGES, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", "--noinput", "-v", "0",
                     "-i", "admin", "-i", "rest_framework", "-i", "drf_spectacular_sidecar")
        yield tmp_path


def test_as_deployed_every_static_file_has_a_hashed_name_and_is_cached_for_ten_years(collected, cast):
    with_default_metrics(cast.account)
    browser = Client()
    linked = linked_static_files(browser, cast["viewer"])

    [bundle] = [name for name in linked if "plotly" in name]
    assert re.fullmatch(r"vendor/plotly/plotly-cartesian-4\.1\.1\.min\.[0-9a-f]{12}\.js", bundle)
    for name in linked:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", name), name
        response = browser.get(f"/static/{name}", HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, name
        assert response["Cache-Control"] == f"max-age={TEN_YEARS}, public, immutable", name
        response.close()
    response = browser.get(f"/static/{bundle}", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert int(response["Content-Length"]) < 520_000
    response.close()
