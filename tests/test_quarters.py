import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.quarters import SUPPORTED_YEARS, Quarter, quarter_range

quarters = st.builds(Quarter, st.integers(1200, 9800), st.integers(1, 4))
# Up to 9997: with a fiscal year starting in February or March, the last weeks of 9998
# fall in the last quarter of FY9999, whose end is worked out from the quarter after it,
# in year 10000 — past the four digits a quarter has.
days = st.dates(min_value=dt.date(1001, 1, 1), max_value=dt.date(9997, 12, 31))
months = st.integers(1, 12)


def test_a_quarter_is_written_and_read_as_year_dash_q_number():
    assert str(Quarter(2026, 3)) == "2026-Q3"
    assert Quarter.parse("2026-Q3") == Quarter(2026, 3)
    assert Quarter.parse(" 2026-Q3 ") == Quarter(2026, 3)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026Q3", "26-Q3", "2026-q3", "", "Q3-2026", "2026-Q3x"])
def test_a_malformed_quarter_is_refused_with_a_readable_message(text):
    with pytest.raises(ValueError, match="write it like 2026-Q3"):
        Quarter.parse(text)


@pytest.mark.parametrize("text", ["9999-Q4", "1000-Q1", "2101-Q1", "1999-Q4"])
def test_a_quarter_outside_the_fiscal_years_tandem_keeps_is_refused_with_the_range(text):
    with pytest.raises(ValueError, match=f"“{text}” is outside the quarters Tandem keeps: give one from 2000-Q1 to "
                                         "2100-Q4."):
        Quarter.parse(text)


def test_the_first_and_last_quarters_kept_step_and_span_years_like_any_other():
    first, last = Quarter.parse("2000-Q1"), Quarter.parse("2100-Q4")
    assert (first.previous(), last.next()) == (Quarter(1999, 4), Quarter(2101, 1))
    assert (first - 400, last + 400) == (Quarter(1900, 1), Quarter(2200, 4))
    assert last.end_date.year == 2100


def test_a_stored_quarter_of_any_four_digit_year_is_read():
    assert Quarter.parse_stored("1000-Q1") == Quarter(1000, 1)  # a goal that holds "from the start"
    assert Quarter.parse_stored("9999-Q4") == Quarter(9999, 4)


def test_next_and_previous_cross_the_year():
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Quarter(2026, 3) + 6 == Quarter(2028, 1)
    assert Quarter(2028, 1) - Quarter(2026, 3) == 6


def test_calendar_quarters_with_a_january_fiscal_year(settings):
    settings.FISCAL_YEAR_START_MONTH = 1
    q = Quarter(2026, 3)
    assert (q.start_date, q.end_date) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert Quarter.containing(dt.date(2026, 11, 23)) == Quarter(2026, 4)
    assert q.label == "2026-Q3 (Jul–Sep 2026)"


def test_a_fiscal_year_starting_in_april_is_named_after_the_year_it_ends_in(settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    assert Quarter(2026, 1).start_date == dt.date(2025, 4, 1)
    assert Quarter(2026, 4).end_date == dt.date(2026, 3, 31)
    assert Quarter.containing(dt.date(2026, 3, 31)) == Quarter(2026, 4)
    assert Quarter.containing(dt.date(2026, 4, 1)) == Quarter(2027, 1)
    assert Quarter.containing(dt.date(2026, 11, 23)) == Quarter(2027, 3)


def test_a_fiscal_year_starting_in_october(settings):
    settings.FISCAL_YEAR_START_MONTH = 10
    assert Quarter(2027, 1).start_date == dt.date(2026, 10, 1)
    assert Quarter(2027, 1).end_date == dt.date(2026, 12, 31)
    assert Quarter(2027, 2).start_date == dt.date(2027, 1, 1)


def test_quarter_range_is_inclusive():
    assert [str(q) for q in quarter_range(Quarter(2025, 4), Quarter(2026, 2))] == ["2025-Q4", "2026-Q1", "2026-Q2"]


@given(quarters)
def test_parse_inverts_str(q):
    assert Quarter.parse_stored(str(q)) == q
    if q.year in SUPPORTED_YEARS:
        assert Quarter.parse(str(q)) == q


@given(quarters, st.integers(-400, 400))
def test_adding_then_subtracting_returns_the_same_quarter(q, n):
    assert (q + n) - n == q
    assert (q + n) - q == n


@given(quarters, quarters)
def test_order_follows_the_calendar(a, b):
    assert (a < b) == (a.start_date < b.start_date)
    assert (a < b) == (str(a) < str(b))  # the stored text sorts in the same order


@given(days, months)
def test_every_day_lies_in_exactly_the_quarter_that_contains_it(day, start_month):
    from django.conf import settings

    previous = settings.FISCAL_YEAR_START_MONTH
    settings.FISCAL_YEAR_START_MONTH = start_month
    try:
        q = Quarter.containing(day)
        assert q.start_date <= day <= q.end_date
        assert q.next().start_date == q.end_date + dt.timedelta(days=1)
        assert q.start_date.month == (start_month - 1 + 3 * (q.number - 1)) % 12 + 1
    finally:
        settings.FISCAL_YEAR_START_MONTH = previous


def test_a_model_with_a_quarter_field_passes_full_clean(db):
    from scorecards.models import QuarterRelease

    field = QuarterRelease._meta.get_field("quarter")
    assert field.clean("2026-Q3", None) == Quarter(2026, 3)
    assert field.clean(Quarter(2026, 3), None) == Quarter(2026, 3)
