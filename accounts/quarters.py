"""The fiscal calendar: quarters written ``2026-Q3`` everywhere.

A fiscal year is named after the calendar year in which it ends, so with a fiscal year
starting in April, FY2026 runs from 1 April 2025 to 31 March 2026 and 2026-Q1 is
April to June 2025. With the default January start, fiscal and calendar years agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache, total_ordering

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

QUARTER_PATTERN = r"[0-9]{4}-Q[1-4]"
_QUARTER_RE = re.compile(r"^(?P<year>[0-9]{4})-Q(?P<number>[1-4])$")

# The fiscal years anyone may ask for — in a URL, a query string, a form or the API.
# Pages step to the next and previous quarter and show windows of years around one, and
# a quarter near the edge of what a Quarter can hold (four-digit years) would step out of
# it. Quarters read back from the database are not limited: a goal that holds "from the
# start" is stored from 1000-Q1 (``dashboards.models.BEGINNING``).
SUPPORTED_YEARS = range(2000, 2101)


def fiscal_start_month() -> int:
    return settings.FISCAL_YEAR_START_MONTH


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@total_ordering
@dataclass(frozen=True, slots=True)
class Quarter:
    year: int
    number: int

    def __post_init__(self):
        if not 1 <= self.number <= 4:
            raise ValueError(f"A quarter number is 1 to 4, not {self.number}.")
        if not 1000 <= self.year <= 9999:
            raise ValueError(f"A fiscal year has four digits, not {self.year}.")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """A quarter someone wrote, within the supported years; ValueError with a message
        to show them otherwise."""
        quarter = cls.parse_stored(text)
        if quarter.year not in SUPPORTED_YEARS:
            raise ValueError(f"“{quarter}” is outside the quarters Tandem keeps: give one from "
                             f"{FIRST_SUPPORTED} to {LAST_SUPPORTED}.")
        return quarter

    @classmethod
    def parse_stored(cls, text: str) -> Quarter:
        """A quarter as written in the database, of any four-digit year."""
        match = _QUARTER_RE.match((text or "").strip())
        if not match:
            raise ValueError(f"“{text}” is not a quarter; write it like 2026-Q3.")
        return cls(int(match["year"]), int(match["number"]))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        start = fiscal_start_month()
        months_into_year = (day.month - start) % 12
        fiscal_year = day.year if start == 1 or day.month < start else day.year + 1
        return cls(fiscal_year, months_into_year // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.containing(timezone.localdate())

    @property
    def index(self) -> int:
        """Quarters counted from year 0, so that differences are plain subtraction."""
        return self.year * 4 + self.number - 1

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        return cls(index // 4, index % 4 + 1)

    def __add__(self, quarters: int) -> Quarter:
        if not isinstance(quarters, int):
            return NotImplemented
        return Quarter.from_index(self.index + quarters)

    def __sub__(self, other):
        if isinstance(other, Quarter):
            return self.index - other.index
        if isinstance(other, int):
            return Quarter.from_index(self.index - other)
        return NotImplemented

    def next(self) -> Quarter:
        return self + 1

    def previous(self) -> Quarter:
        return self - 1

    def __lt__(self, other: Quarter) -> bool:
        if not isinstance(other, Quarter):
            return NotImplemented
        return self.index < other.index

    @property
    def start_date(self) -> dt.date:
        start = fiscal_start_month()
        first_year = self.year if start == 1 else self.year - 1
        year, month = _add_months(first_year, start, (self.number - 1) * 3)
        return dt.date(year, month, 1)

    @property
    def end_date(self) -> dt.date:
        return self.next().start_date - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """Human label with the months it covers, e.g. ``2026-Q3 (Jul–Sep 2026)``."""
        return f"{self} ({self.start_date:%b}–{self.end_date:%b %Y})"


FIRST_SUPPORTED = Quarter(SUPPORTED_YEARS[0], 1)
LAST_SUPPORTED = Quarter(SUPPORTED_YEARS[-1], 4)


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    return [Quarter.from_index(i) for i in range(first.index, last.index + 1)]


class QuarterConverter:
    """URL converter: ``<quarter:quarter>`` matches ``2026-Q3`` and yields a Quarter; a
    quarter outside the supported years matches nothing, so it is not found (404)."""

    regex = QUARTER_PATTERN

    def to_python(self, value: str) -> Quarter:
        return Quarter.parse(value)

    def to_url(self, value: Quarter | str) -> str:
        return str(value)


# Quarters are immutable and a database holds a few hundred distinct ones, so a page that
# reads thousands of rows shares them instead of parsing each row's text again.
parse_stored_quarter = lru_cache(maxsize=4096)(Quarter.parse_stored)


class QuarterField(models.CharField):
    """Stores a Quarter as ``2026-Q3``; the text sorts in calendar order."""

    description = "A fiscal quarter such as 2026-Q3"

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 7
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value is None else parse_stored_quarter(value)

    def to_python(self, value):
        # What people type is checked where they type it (forms, the API, URLs); here a
        # quarter is whatever the database may hold, e.g. in a lookup on stored values.
        if value is None or isinstance(value, Quarter):
            return value
        try:
            return Quarter.parse_stored(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid_quarter") from exc

    def run_validators(self, value):
        # CharField's max-length validator measures text; a Quarter is measured as written.
        super().run_validators(None if value is None else str(value))

    def get_prep_value(self, value):
        if value is None:
            return None
        return str(self.to_python(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": QuarterFormField, **kwargs})


class QuarterFormField(forms.CharField):
    """A quarter typed as ``2026-Q3``, cleaned to a Quarter.

    The text is checked as text first (required, at most seven characters) and only then
    parsed, so that validators made for text never meet a Quarter."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def clean(self, value) -> Quarter | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return Quarter.parse(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid_quarter") from exc

    def has_changed(self, initial, data) -> bool:
        return super().has_changed("" if initial is None else str(initial), data)
