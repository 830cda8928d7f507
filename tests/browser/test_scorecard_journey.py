"""Two champions fill in and submit their scorecards in the browser; neither sees the
other's until both have submitted; then both see the comparison side by side."""

import pytest
from playwright.sync_api import expect

from accounts import demo
from accounts.quarters import Quarter
from scorecards.models import Dimension

from .conftest import sign_in

pytestmark = pytest.mark.browser

SLUG = "helix-components"


def rate(page, colours: dict[str, str], default: str) -> None:
    for name in Dimension.objects.filter(account__slug=SLUG, retired=False).values_list("name", flat=True):
        group = page.get_by_role("group", name=name)
        group.get_by_role("radio", name=colours.get(name, default)).check()


def let_autosave_settle(page) -> None:
    """Every change autosaves (typing after a 1.2 s pause). The test server's in-memory
    SQLite cannot queue two writers, so leave the field (its change saves now, not as
    the Submit click blurs it) and let the last save land before submitting."""
    page.keyboard.press("Tab")
    page.wait_for_timeout(1500)
    expect(page.locator("form.htmx-request")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()


def test_carl_submits_pat_sees_nothing_until_pat_submits_then_both_compare(page, browser, live_server):
    demo.seed_accounts()
    quarter = Quarter.current()

    # Carl opens his scorecard for this quarter from the account's scorecards page.
    sign_in(page, "carl", demo.DEMO_PASSWORD)
    page.goto(f"/accounts/{SLUG}/scorecards/")
    page.get_by_role("link", name=f"Your {quarter} scorecard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Home firm scorecard — {quarter}")
    trust = page.get_by_role("group", name="Trust")
    trust.get_by_label("Comment").fill("Carl thinks trust is strong")
    expect(page.get_by_role("status").filter(has_text="Draft saved at")).to_be_visible()

    # The draft survives a closed tab: a fresh page shows what he typed.
    page.goto(f"/accounts/{SLUG}/scorecards/{quarter}/")
    expect(page.get_by_role("group", name="Trust").get_by_label("Comment")).to_have_value("Carl thinks trust is strong")
    rate(page, {}, default="Light Green")
    let_autosave_settle(page)
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.get_by_text(f"Your {quarter} scorecard is submitted and locked.")).to_be_visible()
    expect(page.get_by_role("button", name="Submit scorecard")).to_have_count(0)

    # Pat, in another browser, sees nothing of Carl's yet.
    pat_context = browser.new_context(base_url=live_server.url)
    pat = pat_context.new_page()
    try:
        sign_in(pat, "pat", demo.DEMO_PASSWORD)
        for url in [f"/accounts/{SLUG}/scorecards/", f"/accounts/{SLUG}/scorecards/{quarter}/",
                    f"/accounts/{SLUG}/scorecards/{quarter}/compare/"]:
            pat.goto(url)
            expect(pat.locator("main")).not_to_contain_text("Carl thinks trust is strong")
            expect(pat.locator("main")).not_to_contain_text("Light Green ↑")
        expect(pat.get_by_role("heading", name="Blind until both submit")).to_be_visible()
        expect(pat.locator(".discuss-first")).to_have_count(0)

        pat.goto(f"/accounts/{SLUG}/scorecards/{quarter}/")
        expect(pat.get_by_role("heading", level=1)).to_have_text(f"Partner firm scorecard — {quarter}")
        rate(pat, {"Trust": "Bright Red", "Win-win": "Light Red"}, default="Light Green")
        pat.get_by_role("group", name="Win-win").get_by_label("Comment").fill("Pat wants a fairer share")
        let_autosave_settle(pat)
        pat.get_by_role("button", name="Submit scorecard").click()
        expect(pat.get_by_text("submitted and locked")).to_be_visible()

        # Now both see the comparison, with the widest gaps to discuss first.
        pat.get_by_role("link", name="Compare side by side").click()
        for viewer in (pat, page):
            viewer.goto(f"/accounts/{SLUG}/scorecards/{quarter}/compare/")
            items = viewer.locator(".discuss-list li")
            expect(items).to_have_count(2)
            expect(items.nth(0)).to_contain_text("Trust — 3 steps apart")
            expect(items.nth(0)).to_contain_text("Bright Red")
            expect(items.nth(1)).to_contain_text("Win-win — 2 steps apart")
            expect(viewer.locator("main")).to_contain_text("Carl thinks trust is strong")
            expect(viewer.locator("main")).to_contain_text("Pat wants a fairer share")
    finally:
        pat_context.close()
