"""Survey rounds over the API show what the pages show, through the same anonymity rule:
a firm's figures only once the round is closed and only when at least three of its people
answered; never an individual's answers, never who answered."""

import json

import pytest

from accounts.quarters import Quarter
from surveys import selectors

from .api_helpers import api, token_client
from .surveys_helpers import answer_all, closed_round, draft_round, open_round

LAST = Quarter.current().previous()
# Distinctive means: home 4.33 (three answered), partner 1.50 (two answered).
HOME_THREE = [[4] * 8, [4] * 8, [5] * 8]
PARTNER_TWO = [[1] * 8, [2] * 8]
PARTNER_THREE = [[1] * 8, [2] * 8, [2] * 8]


@pytest.fixture
def two_partner_answers(cast):
    return closed_round(cast.account, home_answers=HOME_THREE, partner_answers=PARTNER_TWO, quarter=LAST)


def get_round(user, account, quarter):
    response = token_client(user).get(api("survey-detail", account, str(quarter)))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("who", ["admin", "manager", "portfolio", "partner_champion", "partner_user"])
def test_a_firm_with_two_answers_shows_no_figures_through_the_api(cast, two_partner_answers, who):
    body = get_round(cast[who], cast.account, LAST)
    assert (body["released"], body["home_shown"], body["partner_shown"]) == (True, True, False)
    assert body["answered"] == {"home": 3, "partner": 2}
    assert body["partner_index"] is None and body["index"] is None
    assert len(body["statements"]) == 8
    for statement in body["statements"]:
        assert round(statement["home"]["mean"], 2) == 4.33 and statement["home"]["respondents"] == 3
        assert statement["partner"] is None and statement["gap"] is None and statement["comments"]["partner"] == []
    assert 1.5 not in numbers_in(body)  # the partner firm's mean appears nowhere


def numbers_in(value) -> list[float]:
    """Every number in a JSON body (a text search would also find "1.5" in a timestamp)."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_in(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_in(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def test_the_api_and_the_selector_agree_on_every_figure(cast, two_partner_answers):
    body = get_round(cast["manager"], cast.account, LAST)
    result = selectors.round_results(two_partner_answers)
    assert body["home_index"] == pytest.approx(result.home_index)
    assert [s["home"]["distribution"] for s in body["statements"]] == [
        list(s.home.distribution) for s in result.statements
    ]


def test_both_firms_with_three_answers_show_their_gap_and_index(cast):
    closed_round(cast.account, home_answers=HOME_THREE, partner_answers=PARTNER_THREE, quarter=LAST)
    body = get_round(cast["partner_user"], cast.account, LAST)
    assert body["home_shown"] and body["partner_shown"]
    first = body["statements"][0]
    assert round(first["gap"], 2) == round(13 / 3 - 5 / 3, 2) and first["wide_gap"] is True
    assert body["index"] == pytest.approx((body["home_index"] + body["partner_index"]) / 2)


def test_an_open_round_shows_only_whether_three_of_each_firm_answered_and_no_figures(cast):
    survey, links = open_round(cast.account, home=4, partner=4, quarter=LAST)
    answer_all(links, "home", HOME_THREE)
    answer_all(links, "partner", PARTNER_THREE[:2])
    body = get_round(cast["admin"], cast.account, LAST)
    assert (body["status"], body["released"], body["answered"]) == ("open", False, None)
    assert body["threshold_reached"] == {"home": True, "partner": False}
    assert (body["home_rate"], body["partner_rate"], body["total_rate"]) == (None, None, None)
    assert all(s["home"] is None and s["partner"] is None for s in body["statements"])
    assert body["index"] is None


def test_nothing_says_who_answered_or_what_one_person_said(cast, two_partner_answers):
    manager = token_client(cast["manager"])
    detail = manager.get(api("survey-detail", cast.account, str(LAST))).json()
    people = manager.get(api("survey-respondents", cast.account, str(LAST))).json()
    assert set(people[0]) == {"id", "side", "name", "email", "roster_entry", "invitation_sent"}
    assert {p["email"] for p in people} >= {"home1@example.com", "partner1@example.com"}
    text = json.dumps([detail, people])
    assert "answered\": true" not in text and "reminded" not in text and "token" not in text
    assert set(detail["statements"][0]["home"]) == {"respondents", "mean", "spread", "alignment", "index",
                                                    "distribution"}


@pytest.mark.parametrize("who", ["champion", "contributor", "viewer", "partner_champion", "partner_user"])
def test_only_those_who_run_surveys_see_who_was_asked(cast, two_partner_answers, who):
    response = token_client(cast[who]).get(api("survey-respondents", cast.account, str(LAST)))
    assert response.status_code == 403


def test_the_list_shows_each_round_newest_first_without_per_statement_figures(cast, two_partner_answers):
    draft_round(cast.account, home=1, quarter=Quarter.current())
    body = token_client(cast["viewer"]).get(api("survey-list", cast.account)).json()
    assert [(r["quarter"], r["status"]) for r in body["results"]] == [(str(Quarter.current()), "draft"),
                                                                      (str(LAST), "closed")]
    assert "statements" not in body["results"][0]
    assert body["results"][1]["home_index"] is not None and body["results"][1]["partner_index"] is None
    closed = token_client(cast["viewer"]).get(api("survey-list", cast.account) + "?status=closed").json()
    assert [r["quarter"] for r in closed["results"]] == [str(LAST)]


def test_a_round_of_another_quarter_or_an_impossible_one_is_not_found(cast, two_partner_answers):
    script = token_client(cast["manager"])
    assert script.get(api("survey-detail", cast.account, str(LAST - 1))).status_code == 404
    assert script.get(api("survey-detail", cast.account, "0834-Q4")).status_code == 404
    assert script.get(api("survey-respondents", cast.account, str(LAST - 1))).status_code == 404


def test_rounds_of_an_account_you_do_not_belong_to_are_not_found(cast):
    closed_round(cast.other_account, home_answers=HOME_THREE, partner_answers=PARTNER_THREE, quarter=LAST)
    script = token_client(cast["manager"])
    assert script.get(api("survey-list", cast.other_account)).status_code == 404
    assert script.get(api("survey-detail", cast.other_account, str(LAST))).status_code == 404


# --- running a round through the API: thin calls to the same services -------------------------


def test_a_script_drafts_a_round_asks_people_opens_and_closes_it(cast, django_capture_on_commit_callbacks):
    from django.core import mail

    script = token_client(cast["manager"])
    created = script.post(api("survey-list", cast.account), {"quarter": str(LAST), "closes_on": "2099-01-31"},
                          format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["status"], created.json()["statements"]) == ("draft", [])
    people = [{"email": f"home{n}@example.com", "side": "home", "name": f"Home {n}"} for n in range(3)]
    added = script.post(api("survey-respondents", cast.account, str(LAST)),
                        {"people": [*people, {"email": "HOME0@example.com", "side": "home"}]}, format="json")
    assert added.status_code == 201 and [p["email"] for p in added.json()] == [p["email"] for p in people]
    # Even a round of home people only opens once the partner champion has confirmed the list.
    confirmed = token_client(cast["partner_champion"]).post(
        api("survey-partner-confirmation", cast.account, str(LAST)),
        {"home": [p["email"] for p in people], "partner": []}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    with django_capture_on_commit_callbacks(execute=True):
        opened = script.post(api("survey-open", cast.account, str(LAST)))
    assert opened.status_code == 200 and opened.json()["status"] == "open" and len(opened.json()["statements"]) == 8
    assert sorted(m.to[0] for m in mail.outbox) == [p["email"] for p in people]
    closed = script.post(api("survey-close", cast.account, str(LAST)))
    assert closed.status_code == 200 and closed.json()["released"] is True
    assert closed.json()["home_shown"] is False  # nobody answered


@pytest.mark.parametrize(("method", "name", "quarter", "data", "says"), [
    ("post", "survey-list", None, {"quarter": str(Quarter.current() + 1), "closes_on": "2099-01-31"},
     "has not started yet"),
    ("post", "survey-list", None, {"quarter": str(LAST), "closes_on": "2000-01-31"}, "cannot be in the past"),
    ("post", "survey-open", LAST - 1, None, "Add the people to ask"),
    ("post", "survey-close", LAST - 1, None, "never opened"),
    ("post", "survey-respondents", LAST - 1, {"people": [{"email": "not-an-address", "side": "home"}]},
     "valid email"),
    ("delete", "survey-detail", LAST, None, "Only a draft round"),
])
def test_what_the_services_refuse_is_a_400_that_says_why(cast, two_partner_answers, method, name, quarter, data,
                                                         says):
    draft_round(cast.account, quarter=LAST - 1)
    url = api(name, cast.account, str(quarter)) if quarter else api(name, cast.account)
    response = getattr(token_client(cast["admin"]), method)(url, data, format="json")
    assert response.status_code == 400 and says in json.dumps(response.json()), response.content


def test_a_draft_round_is_deleted(cast):
    draft_round(cast.account, home=1, quarter=LAST)
    script = token_client(cast["manager"])
    assert script.delete(api("survey-detail", cast.account, str(LAST))).status_code == 204
    assert script.get(api("survey-detail", cast.account, str(LAST))).status_code == 404
