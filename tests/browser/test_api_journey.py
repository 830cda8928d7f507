"""Tried as a new user would: a token made in the browser lets a script read the
dashboard, upload a quarter's results and fetch the comparison once both champions have
submitted — and nothing the user could not see in the browser. The API docs run in
Chromium under the strict Content-Security-Policy, with no network beyond the server."""

import json
import urllib.error
import urllib.request
import uuid

import pytest

from accounts import demo
from accounts.quarters import Quarter
from dashboards.models import MetricDefinition, MetricResult

from ..scorecards_helpers import submit
from .conftest import sign_in

pytestmark = pytest.mark.browser


def call(base, path, key, *, method="GET", body=None, content_type=None):
    request = urllib.request.Request(base + path, data=body, method=method,
                                     headers={"Authorization": f"Token {key}",
                                              **({"Content-Type": content_type} if content_type else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def multipart(fields: dict, file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_token_made_in_the_browser_drives_a_script(page, live_server):
    accounts = demo.seed_accounts()
    helix = accounts["helix-components"]
    quarter = Quarter.current().previous()

    sign_in(page, "ada", demo.DEMO_PASSWORD)
    page.goto("/profile/tokens/")
    page.get_by_label("Name").fill("quarterly upload")
    page.get_by_role("button", name="Make token").click()
    key = page.get_by_role("textbox", name="Key").input_value()
    assert key.startswith("tdm_")
    page.reload()
    assert page.get_by_role("textbox", name="Key").count() == 0, "the key is shown only once"

    base = live_server.url
    status, board = call(base, f"/api/v1/accounts/{helix.slug}/dashboard/?quarter={quarter}", key)
    assert status == 200 and len(board["rows"]) == 14

    on_time = MetricDefinition.objects.get(account=helix, name="On-time delivery")
    body, content_type = multipart({"quarter": str(quarter)}, "q.csv", f"metric_id,value\n{on_time.pk},96.5\n".encode())
    status, report = call(base, f"/api/v1/accounts/{helix.slug}/results/import/", key, method="POST", body=body,
                          content_type=content_type)
    assert (status, report["saved"]) == (200, 1)
    assert MetricResult.objects.get(metric=on_time, quarter=quarter).home_value == 96.5

    comparison = f"/api/v1/accounts/{helix.slug}/comparisons/{quarter}/"
    assert call(base, comparison, key)[1]["is_open"] is False
    submit(helix.memberships.get(role="executive_champion", side="home").user, helix, 4)
    submit(helix.memberships.get(role="executive_champion", side="partner").user, helix, 3)
    status, result = call(base, comparison, key)
    assert status == 200 and result["is_open"] and result["home_average"] == 4.0

    hidden = next(a for a in accounts.values() if not a.memberships.filter(user__username="ada").exists())
    assert call(base, f"/api/v1/accounts/{hidden.slug}/dashboard/", key)[0] == 404


def test_the_api_docs_run_under_the_strict_csp(page, live_server):
    violations, outside = [], []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(live_server.url) and not request.url.startswith("data:") else None)
    page.goto("/api/docs/")
    page.get_by_text("Tandem API").first.wait_for()
    page.get_by_text("/api/v1/accounts/{account_slug}/results/bulk/").first.wait_for()
    assert violations == [] and outside == []
