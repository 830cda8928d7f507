"""A respondent answers the survey through their personal link on a phone, without an
account; opening the link again says they have already answered."""

import pytest
from playwright.sync_api import expect

from surveys.models import ScoreTally
from tests.factories import PartnerAccountFactory

from ..surveys_helpers import open_round

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_respondent_answers_on_a_phone_and_the_link_then_says_already_answered(browser, live_server,
                                                                                  transactional_db, settings):
    account = PartnerAccountFactory(name="Helix Components", slug="helix")
    survey, links = open_round(account, home=2, partner=3)
    link = f"/survey/{links['partner1@example.com']}/"

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        phone.goto(link)
        expect(phone.get_by_role("heading", level=1)).to_have_text("How is the partnership going?")
        expect(phone.locator("main")).to_contain_text(f"“the other firm” is {settings.HOME_FIRM_NAME}")
        # Everything fits the narrow screen: no sideways scrolling.
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        statements = list(survey.statements.order_by("position"))
        # Sending with one statement unanswered keeps what was chosen and says what is missing.
        for statement in statements[:-1]:
            phone.get_by_role("group", name=f"{statement.position}. {statement.text}").get_by_label(
                "Agree", exact=True).check()
        phone.get_by_role("button", name="Send my answers").click()
        last = phone.get_by_role("group", name=f"{statements[-1].position}. {statements[-1].text}")
        expect(last).to_contain_text("Choose how far you agree with this statement.")
        first = phone.get_by_role("group", name=f"1. {statements[0].text}")
        expect(first.get_by_label("Agree", exact=True)).to_be_checked()

        last.get_by_label("Strongly agree").tap()
        trust = phone.get_by_role("group", name="7. We can trust the other firm.")
        trust.get_by_label("Disagree", exact=True).tap()
        trust.get_by_label("Comment (optional)").fill("Promises slip too often.")
        phone.get_by_role("button", name="Send my answers").tap()

        expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you")
        counted = ScoreTally.objects.get(statement__round=survey, statement__position=7, side="partner", score=2)
        assert counted.count == 1

        phone.goto(link)
        expect(phone.get_by_role("heading", level=1)).to_have_text("You have already answered")
        expect(phone.get_by_role("button", name="Send my answers")).to_have_count(0)
    finally:
        context.close()
