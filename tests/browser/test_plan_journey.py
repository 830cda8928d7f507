import datetime as dt

import pytest
from django.utils import timezone

from accounts import demo
from plans import demo as plans_demo
from plans.models import Action, Meeting

from .conftest import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_ada_prepares_the_quarterly_review_and_pat_sees_the_action_she_gave_him(page):
    accounts = demo.seed_accounts()
    plans_demo.seed_plans({"helix-components": accounts["helix-components"]})
    today = timezone.localdate()
    due = today + dt.timedelta(days=30)

    sign_in(page, "ada", demo.DEMO_PASSWORD)
    page.goto("/accounts/helix-components/")
    page.get_by_role("link", name="Plan", exact=True).click()
    page.wait_for_url("**/plan/")
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_label("Kind").select_option(label="Quarterly review")
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Location").fill("Helix HQ, Espoo")
    page.get_by_label("Pat Moreau (partner, Executive)").check()
    page.get_by_role("button", name="Schedule meeting").click()
    page.wait_for_url("**/plan/meetings/*/")
    assert page.get_by_text(f"Quarterly review on {today:%d %b %Y} scheduled.").is_visible()

    proposed = page.locator("section.proposed")
    assert proposed.get_by_text("What has changed in your expectations and priorities").is_visible()
    page.get_by_role("button", name="Accept the proposed agenda").click()
    agenda = page.locator("#agenda")
    assert agenda.locator("strong", has_text="Does what we hear from across your organisation match").is_visible()
    assert "Every proposed item is on the agenda." in page.locator("section.proposed").inner_text()

    page.get_by_role("textbox", name="Decision").fill("Pilot joint demand forecasting on the controller line")
    page.get_by_label("Action owner").select_option(label="Pat Moreau (partner, Executive)")
    page.get_by_label("Action due date").fill(due.isoformat())
    page.get_by_role("button", name="Record decision").click()
    assert page.get_by_text("Decision recorded and action created for Pat Moreau").is_visible()
    decisions = page.locator("#decisions")
    assert "→ Action for Pat Moreau" in decisions.inner_text()
    review = Meeting.objects.get(account__slug="helix-components", held_on=today, location="Helix HQ, Espoo")
    assert Action.objects.get(meeting=review).owner.user.username == "pat"
    sign_out(page)

    sign_in(page, "pat", demo.DEMO_PASSWORD)
    page.goto("/accounts/helix-components/plan/")
    row = page.locator("#actions tr").filter(has_text="Pilot joint demand forecasting on the controller line")
    assert row.is_visible()
    assert "Pat Moreau" in row.inner_text() and f"{due:%-d %b %Y}" in row.inner_text()
    row.get_by_role("link", name="Update").click()
    page.get_by_label("Status").select_option(label="In progress")
    page.get_by_role("button", name="Save update").click()
    assert page.get_by_text("is now in progress").is_visible()
    assert "Internal account meeting" not in page.locator("#meetings").inner_text()
