from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone

from accounts.concurrency import ConflictShown, shown
from accounts.models import Side
from accounts.quarters import Quarter, QuarterFormField

from .models import SCALE, RoundStatement
from .services import DEFAULT_ROUND_DAYS, RespondentInput


class RoundForm(forms.Form):
    quarter = QuarterFormField(help_text="Written like 2026-Q3.")
    closes_on = forms.DateField(
        label="Last day to answer", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Links stop working after this day; the round then closes and its results show.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].initial = str(Quarter.current())
        self.fields["closes_on"].initial = timezone.localdate() + dt.timedelta(days=DEFAULT_ROUND_DAYS)


class ClosingForm(forms.Form):
    closes_on = forms.DateField(label="Last day to answer",
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class StatementsForm(ConflictShown, forms.Form):
    """The account's statements, one per line, and the version of the set they were
    opened at (``surveys.selectors.StatementSet``)."""

    statements = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One statement per line, in the order people will see them. Rounds already opened keep "
                  "the wording they were sent with.",
    )
    version = forms.IntegerField(
        min_value=0, widget=forms.HiddenInput,
        error_messages={"required": "This page is out of date: open it again and make your change there."},
    )

    def texts(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["statements"].splitlines() if line.strip()]

    def their_values(self, theirs) -> dict[str, str]:
        return {"statements": shown("\n".join(theirs.texts))}

    def your_values(self) -> dict[str, str]:
        return {"statements": shown("\n".join(self.texts()))}


_EMAIL_LINE = re.compile(r"^\s*(?:(?P<name>[^<]+?)\s*<(?P<bracketed>[^>]+)>|(?P<plain>\S+@\S+))\s*$")


class AddByEmailForm(forms.Form):
    side = forms.ChoiceField(label="Firm", choices=Side.choices, initial=Side.PARTNER)
    emails = forms.CharField(
        label="E-mail addresses", required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=50_000,
        help_text="One per line, as ana@example.com or Ana Silva <ana@example.com>.",
    )

    def clean_emails(self) -> list[tuple[str, str]]:
        people = []
        for number, line in enumerate(self.cleaned_data["emails"].splitlines(), start=1):
            if not line.strip():
                continue
            match = _EMAIL_LINE.match(line) if len(line) <= 400 else None  # the pattern is slow on long lines
            if not match:
                raise forms.ValidationError(f"Line {number} (“{line.strip()}”) is not an e-mail address.")
            people.append(((match["name"] or "").strip(), (match["bracketed"] or match["plain"]).strip()))
        return people

    def respondents(self) -> list[RespondentInput]:
        side = self.cleaned_data["side"]
        return [RespondentInput(email=email, side=side, name=name) for name, email in self.cleaned_data["emails"]]


class AnswerForm(forms.Form):
    """One radio group per statement (required) and an optional comment."""

    def __init__(self, *args, statements: list[RoundStatement], **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = statements
        for statement in statements:
            self.fields[f"score_{statement.position}"] = forms.TypedChoiceField(
                label=statement.text, choices=list(SCALE.items()), coerce=int, widget=forms.RadioSelect,
                error_messages={"required": "Choose how far you agree with this statement."},
            )
            self.fields[f"comment_{statement.position}"] = forms.CharField(
                label="Comment (optional)", required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        return [(s, self[f"score_{s.position}"], self[f"comment_{s.position}"]) for s in self.statements]

    def scores(self) -> dict[int, int]:
        return {s.position: self.cleaned_data[f"score_{s.position}"] for s in self.statements}

    def comments(self) -> dict[int, str]:
        return {s.position: self.cleaned_data.get(f"comment_{s.position}", "") for s in self.statements}
