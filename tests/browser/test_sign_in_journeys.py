import pytest

from accounts import demo
from accounts.access import visible_accounts
from accounts.models import PartnerAccount, User

from .conftest import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_each_demo_user_sees_exactly_their_accounts_and_others_answer_404(page):
    demo.seed_accounts()
    all_slugs = set(PartnerAccount.objects.values_list("slug", flat=True))
    for username in ["admin", "paula", "ada", "carl", "pat"]:
        user = User.objects.get(username=username)
        expected = sorted(visible_accounts(user).values_list("name", flat=True))
        sign_in(page, username, demo.DEMO_PASSWORD)
        page.goto("/")
        if username == "paula":  # a portfolio viewer's home is the portfolio
            assert page.url.endswith("/portfolio/")
            shown = sorted(page.locator(".portfolio-table tbody th").all_inner_texts())
        else:
            shown = sorted(page.locator(".account-card h2").all_inner_texts())
        assert shown == expected, username
        hidden = all_slugs - set(visible_accounts(user).values_list("slug", flat=True))
        for slug in sorted(hidden)[:2]:
            response = page.goto(f"/accounts/{slug}/")
            assert response.status == 404, f"{username} reached {slug}"
            assert page.get_by_role("heading", name="Not found").is_visible()
        sign_out(page)
    # pat, the partner user, sees one account; everybody else more.
    assert visible_accounts(User.objects.get(username="pat")).count() == 1


def test_an_account_manager_fixes_a_bad_field_without_retyping(page):
    demo.seed_accounts()
    sign_in(page, "ada", demo.DEMO_PASSWORD)
    page.goto("/accounts/helix-components/edit/")
    page.get_by_label("Description").fill("Quarterly reviews moved to Oulu.")
    page.get_by_label("Annual value").fill("-20000000")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("The annual value cannot be negative.").is_visible()
    assert page.get_by_label("Description").input_value() == "Quarterly reviews moved to Oulu."
    page.get_by_label("Annual value").fill("20000000")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/accounts/helix-components/")
    assert page.get_by_text("Account details saved.").is_visible()
    assert page.get_by_text("Quarterly reviews moved to Oulu.").is_visible()
