from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from accounts.concurrency import VersionedModelForm
from accounts.models import Side
from accounts.quarters import QuarterFormField

from .models import VALUE_DIGITS, MetricDefinition, MetricResult, unit_problem
from .selectors import EntryRow
from .services import Conflict, FigureEntry


def plain(value: Decimal | None) -> str:
    """A figure as people write it: 98, not 98.0000."""
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)).normalize():f}"


def describe_errors(form: forms.BaseForm) -> None:
    """Point each invalid input at its message, for screen readers."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{form[name].auto_id}_error"}
            )


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
    describe_errors(form)


class FigureField(forms.DecimalField):
    widget = forms.TextInput  # a text box, so that whatever was typed comes back as typed

    def __init__(self, **kwargs):
        super().__init__(**VALUE_DIGITS, required=False, localize=False, **kwargs)

    def widget_attrs(self, widget):
        return {"inputmode": "decimal", "autocomplete": "off", "size": 8}


class EntryRowForm(forms.Form):
    """One metric's figure for one side. The hidden initial values show what the person
    saw, so "changed" means changed by them; ``version`` catches others' saves."""

    value = FigureField(show_hidden_initial=True)
    note = forms.CharField(required=False, max_length=500, show_hidden_initial=True)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, data=None, *, row: EntryRow, side: str):
        self.row, self.side = row, side
        result = row.result
        initial = {
            "value": plain(result.value_of(side)) if result else "",
            "note": result.note_of(side) if result else "",
            "version": result.version_of(side) if result else 0,
        }
        super().__init__(data, prefix=f"m{row.metric.pk}", initial=initial)
        metric = row.metric
        unit = f" ({metric.symbol})" if metric.symbol else ""
        self.fields["value"].label = f"{metric.name}{unit}"
        self.fields["note"].label = f"Note on {metric.name}"

    @property
    def is_owner_figure(self) -> bool:
        return self.row.metric.data_owner == self.side

    def clean_value(self):
        value = self.cleaned_data["value"]
        if value is not None and (problem := unit_problem(self.row.metric.unit, value)):
            raise ValidationError(problem)
        return value

    @property
    def typed_a_change(self) -> bool:
        return bool({"value", "note"} & set(self.changed_data))

    def entry(self) -> FigureEntry:
        return FigureEntry(
            metric=self.row.metric, value=self.cleaned_data["value"], note=self.cleaned_data["note"],
            seen_version=self.cleaned_data["version"],
        )


class EntryGrid:
    """All active metrics' forms for one quarter and one side."""

    def __init__(self, rows: list[EntryRow], side: str, data=None):
        self.side = side
        self.forms = [EntryRowForm(data, row=row, side=side) for row in rows]

    def __iter__(self):
        return iter(self.forms)

    def is_valid(self) -> bool:
        valid = [form.is_valid() for form in self.forms]  # every form, so that every error shows
        for form in self.forms:
            describe_errors(form)
        return all(valid)

    @property
    def error_count(self) -> int:
        return sum(len(form.errors) for form in self.forms)

    def changed_entries(self) -> list[FigureEntry]:
        return [form.entry() for form in self.forms if form.typed_a_change]

    @classmethod
    def after_conflicts(cls, rows: list[EntryRow], side: str, posted, conflicts: list[Conflict]) -> EntryGrid:
        """The grid again after a save that met conflicts: conflicted rows keep what was
        typed, now checked against the other person's figure, so that saving again
        overwrites it knowingly; every other row shows what is stored now."""
        data = posted.copy()
        conflicted = {c.metric.pk: c for c in conflicts}
        for row in rows:
            prefix = f"m{row.metric.pk}"
            stored = row.result or MetricResult(metric=row.metric)
            data[f"{prefix}-version"] = str(stored.version_of(side))
            data[f"initial-{prefix}-value"] = plain(stored.value_of(side))
            data[f"initial-{prefix}-note"] = stored.note_of(side)
            if row.metric.pk not in conflicted:
                data[f"{prefix}-value"] = plain(stored.value_of(side))
                data[f"{prefix}-note"] = stored.note_of(side)
        grid = cls(rows, side, data)
        grid.is_valid()
        for form in grid.forms:
            if conflict := conflicted.get(form.row.metric.pk):
                form.add_error("value", conflict_message(conflict))
        for form in grid.forms:
            describe_errors(form)
        return grid


def conflict_message(conflict: Conflict) -> str:
    who = conflict.by.display_name if conflict.by else "someone else"
    when = f" at {conflict.at:%H:%M on %d %b %Y}" if conflict.at else ""
    theirs = plain(conflict.their_value) or "blank"
    yours = plain(conflict.your_value) or "blank"
    return (
        f"{who} saved {theirs}{when}, after you opened this page; your {yours} was not saved. "
        f"Keep their figure, or save again to replace it with yours."
    )


class MetricForm(VersionedModelForm):
    class Meta:
        model = MetricDefinition
        fields = ["name", "category", "unit", "direction", "mismatch_tolerance", "data_owner", "calculation_basis"]
        widgets = {"calculation_basis": forms.Textarea(attrs={"rows": 5})}
        labels = {"data_owner": "Data owner"}


class NewMetricForm(MetricForm):
    goal = FigureField(help_text="The Green Zone starts here.")
    warning_threshold = FigureField(help_text="Between the goal and this is yellow; beyond it, red.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].required = self.fields["warning_threshold"].required = True


class GoalForm(forms.Form):
    effective_from = QuarterFormField(
        label="Effective from quarter",
        help_text="Written like 2026-Q3. Earlier quarters stay judged against the goal that held then.",
    )
    goal = FigureField()
    warning_threshold = FigureField(help_text="Between the goal and this is yellow; beyond it, red.")
    note = forms.CharField(required=False, max_length=300, label="Why it changed")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].required = self.fields["warning_threshold"].required = True


def side_label(side: str) -> str:
    return Side(side).label


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV or Excel file", help_text="Laid out like the template: one row per metric.")
