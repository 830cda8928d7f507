import pytest
from openpyxl import load_workbook

from accounts import demo
from accounts.quarters import Quarter

from ..factories import AccountHealthFactory
from .conftest import sign_in

pytestmark = pytest.mark.browser

LAST = Quarter.current().previous()


def test_paula_filters_to_flagged_strategic_suppliers_and_takes_them_away_in_excel(page, tmp_path):
    accounts = demo.seed_accounts()
    for account in accounts.values():
        AccountHealthFactory(account=account)  # healthy ...
    AccountHealthFactory._meta.model.objects.filter(account__slug="corvane-logistics").update(
        last_review_meeting_on=LAST.start_date.replace(year=LAST.year - 1), open_mismatches=2,
    )  # ... but for a strategic supplier gone quiet,
    AccountHealthFactory._meta.model.objects.filter(account__slug__in=["northwind-retail", "kestrel-software"]).update(
        results_quarter=str(LAST - 2),
    )  # a strategic customer and a preferred supplier with stale results.

    sign_in(page, "paula", demo.DEMO_PASSWORD)
    page.wait_for_url("**/portfolio/")  # her home is the portfolio
    assert page.get_by_role("heading", name="Portfolio", exact=True).is_visible()
    assert page.locator(".portfolio-table tbody tr").count() == len(accounts)
    assert "3 need attention" in page.locator(".summary").inner_text()

    page.get_by_label("Type", exact=True).select_option(label="Strategic supplier")
    page.get_by_label("Level", exact=True).select_option(label="Strategic partner")
    page.get_by_label("Flag", exact=True).select_option(label="Needs attention (any flag)")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/portfolio/?*flag=any*")
    assert "type=supplier" in page.url and "level=4" in page.url  # the view can be shared as a link

    rows = page.locator(".portfolio-table tbody tr")
    assert rows.count() == 1
    corvane = rows.first
    assert corvane.locator("th").inner_text() == "Corvane Logistics"
    assert "No review" in corvane.inner_text()
    assert "Mismatches (2)" in corvane.inner_text()
    # The charts follow the filters and are drawn by Plotly in the browser.
    page.wait_for_function("document.querySelectorAll('.chart .main-svg').length >= 2")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    download = download_info.value
    assert download.suggested_filename.startswith("tandem-portfolio-")
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    sheet = load_workbook(saved)["Portfolio"]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    screen_headers = [text.strip(" ▲▼") for text in page.locator(".portfolio-table thead th").all_inner_texts()]
    assert table[0] == screen_headers
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert (row["Account"], row["Type"], row["Level"]) == ("Corvane Logistics", "Strategic supplier",
                                                          "Strategic partner")
    assert row["Account manager"] == "Ada Lindqvist"
    assert row["Flags"] == "No review meeting last quarter; Open calculation mismatches (2)"

    # Back on the page, a click on Corvane's bubble in the health matrix opens the account.
    bubble = page.locator("[data-figure-url^='/portfolio/matrix.json'] .scatterlayer .point").first
    page.locator("[data-figure-url^='/portfolio/matrix.json']").scroll_into_view_if_needed()
    box = bubble.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)  # Plotly picks the point under the pointer on hover ...
    page.wait_for_selector("[data-figure-url^='/portfolio/matrix.json'] .hoverlayer .hovertext")
    page.mouse.click(x, y)  # ... and a click on it follows the link
    page.wait_for_url("**/accounts/corvane-logistics/")
