"""The comparison's maths against hand-computed values, the history heat-map, and the
pages' query counts pinned at two data sizes."""

import json

import pytest
from django.urls import reverse

from accounts.models import Side
from scorecards.models import Colour
from scorecards.selectors import heatmap_figure

from .factories import AssessmentFactory, DimensionFactory, RatingFactory
from .queries import assert_query_count_is_constant
from .scorecards_helpers import LAST, dimensions_of, submit, text_of

HOME_NOW = [5, 4, 3, 2, 1, 3, 3, 3]  # average 24 / 8 = 3.0
PARTNER_NOW = [1, 4, 5, 4, 3, 3, 2, 4]  # average 26 / 8 = 3.25
HOME_BEFORE = [4] * 8
PARTNER_BEFORE = [1, 5, 5, 3, 3, 3, 3, 3]


@pytest.fixture
def compared(cast):
    dimensions_of(cast.account)
    submit(cast["champion"], cast.account, HOME_BEFORE, quarter=LAST.previous())
    submit(cast["partner_champion"], cast.account, PARTNER_BEFORE, quarter=LAST.previous())
    submit(cast["champion"], cast.account, HOME_NOW)
    submit(cast["partner_champion"], cast.account, PARTNER_NOW)
    return cast


def comparison_for(client, user):
    client.force_login(user)
    response = client.get(reverse("scorecards:compare", args=["helix", LAST]))
    assert response.status_code == 200
    return response, response.context["comparison"]


def test_gaps_are_counted_in_steps_per_dimension(client, compared):
    _, comparison = comparison_for(client, compared["champion"])
    assert [row.gap for row in comparison.rows] == [4, 0, 2, 2, 2, 0, 1, 1]


def test_discuss_first_lists_gaps_of_two_or_more_largest_first_then_in_dimension_order(client, compared):
    response, comparison = comparison_for(client, compared["partner_champion"])
    names = [d.name for d in dimensions_of(compared.account)]
    assert [row.dimension.name for row in comparison.discuss_first] == [names[0], names[2], names[3], names[4]]
    page = text_of(response)
    listed = page.split("Discuss first")[1].split("Every dimension")[0]
    assert listed.index(names[0]) < listed.index(names[2]) < listed.index(names[4])
    assert names[1] not in listed and names[6] not in listed
    assert f"{names[0]} — 4 steps apart: home ★ Bright Green, partner ✖ Bright Red" in page


def test_each_sides_movement_since_last_quarter(client, compared):
    _, comparison = comparison_for(client, compared["viewer"])
    assert "".join(row.home.movement for row in comparison.rows) == "↑=↓↓↓↓↓↓"
    assert "".join(row.partner.movement for row in comparison.rows) == "=↓=↑==↓↑"


def test_each_sides_overall_average(client, compared):
    response, comparison = comparison_for(client, compared["admin"])
    assert (comparison.home_average, comparison.partner_average) == (3.0, 3.25)
    assert comparison.home_average_colour == comparison.partner_average_colour == Colour.YELLOW
    page = text_of(response)
    assert "Home firm average 3.0 ● Yellow" in page and "Partner firm average 3.3 ● Yellow" in page


def test_a_first_quarter_has_no_movement_and_agreement_has_nothing_to_discuss(client, cast):
    submit(cast["champion"], cast.account, 4)
    submit(cast["partner_champion"], cast.account, 3)
    response, comparison = comparison_for(client, cast["champion"])
    assert {row.home.movement for row in comparison.rows} == {None}
    assert comparison.discuss_first == []
    assert "No dimension is two or more steps apart." in text_of(response)


@pytest.mark.parametrize(("average", "colour"), [(1.0, 1), (1.49, 1), (2.5, 3), (3.25, 3), (4.5, 5), (5.0, 5)])
def test_an_average_is_shown_as_the_nearest_colour(average, colour):
    assert Colour.nearest(average) == Colour(colour)


def test_every_colour_has_a_name_and_a_distinct_symbol():
    assert [c.label for c in Colour] == ["Bright Red", "Light Red", "Yellow", "Light Green", "Bright Green"]
    assert len({c.symbol for c in Colour}) == 5


def test_the_history_heat_map_has_a_figure_per_side_with_names_in_every_cell(client, compared):
    client.force_login(compared["champion"])
    response = client.get(reverse("scorecards:history", args=["helix"]))
    page = response.content.decode()
    assert 'data-figure="heatmap-home"' in page and 'data-figure="heatmap-partner"' in page
    assert "vendor/plotly/plotly-cartesian-" in page and "<script>" not in page
    home = json.loads(page.split('id="heatmap-home" type="application/json">')[1].split("</script>")[0])
    trace = home["data"][0]
    # Eight quarters up to the current one, which nobody has rated yet.
    assert trace["type"] == "heatmap" and trace["x"][-3:] == [str(LAST.previous()), str(LAST), str(LAST.next())]
    assert [row[-2] for row in trace["z"]] == HOME_NOW and [row[-1] for row in trace["z"]] == [None] * 8
    assert trace["text"][0][-2] == "★ Bright Green"
    rows = response.context["quarter_rows"]
    assert rows[1].state.quarter == LAST and rows[1].sides == {"home": "Submitted", "partner": "Submitted"}


def test_a_heat_map_figure_is_a_plain_dict_that_survives_json():
    figure = heatmap_figure(Side.HOME, ["2026-Q1"], ["Trust"], [[Colour.YELLOW]])
    assert json.loads(json.dumps(figure)) == figure


def _more_history(account, home_user, partner_user, quarters=6, dimensions=6):
    base = dimensions_of(account)
    extra = [DimensionFactory(account=account) for _ in range(dimensions)]
    for back in range(2, quarters + 2):  # LAST and the quarter before are already there
        for side, user in ((Side.HOME, home_user), (Side.PARTNER, partner_user)):
            assessment = AssessmentFactory(account=account, quarter=LAST - back, side=side, champion=user)
            for dimension in [*base, *extra]:
                RatingFactory(assessment=assessment, dimension=dimension, colour=1 + back % 5)


def _more_dimensions_rated(account):
    from scorecards.models import Assessment

    for dimension in [DimensionFactory(account=account) for _ in range(6)]:
        for assessment in Assessment.objects.filter(account=account):
            RatingFactory(assessment=assessment, dimension=dimension, colour=2)


@pytest.mark.parametrize(
    ("page", "pinned"),
    # Pages pay one query for the bell's unread count in the layout; the CSV export has no layout.
    [("history", 12), ("compare", 12), ("assessment", 13), ("export", 10)],
)
def test_page_query_counts_are_pinned_and_do_not_grow_with_data(client, compared, page, pinned):
    args = ["helix"] if page in ("history", "export") else ["helix", LAST]
    url = reverse(f"scorecards:{page}", args=args)

    def grow():
        _more_history(compared.account, compared["champion"], compared["partner_champion"])
        _more_dimensions_rated(compared.account)

    assert_query_count_is_constant(client, compared["partner_champion"], url, grow, pinned)
