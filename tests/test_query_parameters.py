"""Only the query parameters a page reads shape what it shows. Made-up ones (``?junk1=1``,
a tracking tag, a cache-buster) change nothing on the page, and its links do not carry
them on."""

import re

import pytest
from django.urls import reverse

from .api_helpers import api, token_client
from .factories import AccountHealthFactory, PartnerAccountFactory
from .scorecards_helpers import draft

MADE_UP = [{"junk1": "1"}, {"junk2": "2"}, {"utm_source": "newsletter"}, {"_": "1718000000"},
           {"junk1": "1", "junk2": "2"}, {"Type": "supplier"}, {"page ": "2"}]


def without_csrf_tokens(html: bytes) -> str:
    """The page as a person sees it: each response carries its own masked CSRF token."""
    return re.sub(r"[A-Za-z0-9]{64}", "<token>", html.decode())


@pytest.fixture
def portfolio(cast):
    """More suppliers than one page shows, so that the page links to the next."""
    for i in range(55):
        AccountHealthFactory(account=PartnerAccountFactory(name=f"Firm {i:02d}", slug=f"firm-{i}", kind="supplier"))


@pytest.mark.parametrize("url", [
    reverse("portfolio:index"), reverse("portfolio:index") + "?type=supplier&sort=name&page=2",
    reverse("portfolio:matrix"), reverse("portfolio:matrix") + "?flag=any",
])
def test_made_up_parameters_change_nothing_on_the_portfolio(client, cast, portfolio, url):
    client.force_login(cast["portfolio"])
    joiner = "&" if "?" in url else "?"
    first = client.get(url)
    assert first.status_code == 200
    for made_up in MADE_UP:
        query = "&".join(f"{name}={value}" for name, value in made_up.items())
        response = client.get(f"{url}{joiner}{query}")
        assert without_csrf_tokens(response.content) == without_csrf_tokens(first.content), made_up


def test_the_portfolio_links_keep_its_own_parameters_and_drop_made_up_ones(client, cast, portfolio):
    client.force_login(cast["portfolio"])
    html = client.get(reverse("portfolio:index"), {"type": "supplier", "sort": "name", "junk1": "1"}).content.decode()
    assert 'href="?type=supplier&amp;sort=name&amp;page=2"' in html
    assert "junk1" not in html


def test_a_filter_the_portfolio_reads_still_shapes_it(client, cast, portfolio):
    client.force_login(cast["portfolio"])
    suppliers = client.get(reverse("portfolio:index"), {"type": "supplier"})
    assert "55 accounts</strong> match the filters" in suppliers.content.decode()


# --- the API's lists --------------------------------------------------------------------------


@pytest.fixture
def scorecards(cast):
    draft(cast["champion"], cast.account, 3)


LISTS = {
    "accounts": (lambda cast: api("account-list") + "?limit=1", "admin"),
    "accounts by name": (lambda cast: api("account-list") + "?ordering=-name&search=a&limit=1", "portfolio"),
    "assessments": (lambda cast: api("assessment-list", cast.account) + "?side=home", "viewer"),
    "portfolio": (lambda cast: api("portfolio-list") + "?type=supplier&limit=2", "portfolio"),
}


@pytest.mark.parametrize("name", LISTS)
def test_made_up_parameters_change_nothing_in_an_api_list(cast, portfolio, scorecards, name):
    url, role = LISTS[name]
    url = url(cast)
    client = token_client(cast[role])
    first = client.get(url)
    assert first.status_code == 200
    for made_up in MADE_UP:
        query = "&".join(f"{key}={value}" for key, value in made_up.items())
        assert client.get(f"{url}&{query}").json() == first.json(), made_up


def test_an_api_lists_page_links_keep_its_own_parameters_and_drop_made_up_ones(cast, portfolio):
    body = token_client(cast["admin"]).get(api("account-list") + "?ordering=name&limit=2&offset=2&junk1=1").json()
    assert body["next"] == "http://testserver/api/v1/accounts/?limit=2&offset=4&ordering=name"
    assert body["previous"] == "http://testserver/api/v1/accounts/?limit=2&ordering=name"


# Each parameter these lists read, with a value that changes the answer.
READ_PARAMETERS = [
    ("account-list", "admin", "ordering=-name"), ("account-list", "admin", "search=Helix"),
    ("account-list", "admin", "kind=customer"), ("account-list", "admin", "level=4"),
    ("account-list", "admin", "target_level=1"), ("account-list", "admin", "limit=1"),
    ("account-list", "admin", "offset=1"),
    ("assessment-list", "viewer", "side=partner"), ("assessment-list", "viewer", "status=submitted"),
    ("assessment-list", "viewer", "quarter=2001-Q1"),
    ("assessment-list", "viewer", "offset=1"),
    ("portfolio-list", "portfolio", "q=Firm 01"), ("portfolio-list", "portfolio", "type=customer"),
    ("portfolio-list", "portfolio", "level=4"), ("portfolio-list", "portfolio", "flag=any"),
    ("portfolio-list", "portfolio", "sort=name"), ("portfolio-list", "portfolio", "limit=1"),
    ("portfolio-list", "portfolio", "offset=1"),
]


@pytest.mark.parametrize(("url_name", "role", "parameter"), READ_PARAMETERS)
def test_each_parameter_an_api_list_reads_still_shapes_it(cast, portfolio, scorecards, url_name, role,
                                                                 parameter):
    url = api(url_name, cast.account if url_name == "assessment-list" else None)
    client = token_client(cast[role])
    assert client.get(f"{url}?{parameter}").json() != client.get(url).json()
