from __future__ import annotations

import secrets

from django import forms

from accounts.concurrency import ConflictShown, shown

from .models import Assessment, Colour, Dimension
from .services import EditStamp, RatingInput


class AssessmentForm(ConflictShown, forms.Form):
    """A colour, a comment and "what I need to do" per active dimension. Colours are
    optional here: a draft may be incomplete, and submitting checks completeness."""

    # Each opened form is its own editor, and names the revision it was opened at; see
    # scorecards.services.EditStamp. A save that met another's comes back with both
    # versions (accounts.concurrency.ConflictShown).
    editor = forms.RegexField(regex=r"^[0-9a-f]{16,32}$", required=False, widget=forms.HiddenInput)
    revision = forms.IntegerField(
        min_value=0, widget=forms.HiddenInput,
        error_messages={"required": "This page is out of date: open it again and make your change there."},
    )
    version_field = "revision"

    def __init__(self, *args, dimensions: list[Dimension], assessment: Assessment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        self.fields["editor"].initial = secrets.token_hex(8)
        self.fields["revision"].initial = assessment.revision if assessment else 0
        saved = {r.dimension_id: r for r in assessment.ratings.all()} if assessment else {}
        for dimension in dimensions:
            rating = saved.get(dimension.pk)
            self.fields[f"colour-{dimension.pk}"] = forms.TypedChoiceField(
                label=dimension.name, choices=Colour.choices, coerce=int, required=False, empty_value=None,
                widget=forms.RadioSelect, initial=rating.colour if rating else None,
            )
            self.fields[f"comment-{dimension.pk}"] = forms.CharField(
                label="Comment", required=False, max_length=4000, initial=rating.comment if rating else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"action-{dimension.pk}"] = forms.CharField(
                label="What I need to do so the relationship does not stall", required=False, max_length=4000,
                initial=rating.action if rating else "", widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """Per dimension: the dimension, its colour field with (radio, Colour) options,
        and its comment and action fields, for the template."""
        rows = []
        for d in self.dimensions:
            colour = self[f"colour-{d.pk}"]
            options = list(zip(colour.subwidgets, Colour, strict=True))
            rows.append((d, colour, options, self[f"comment-{d.pk}"], self[f"action-{d.pk}"]))
        return rows

    def stamp(self) -> EditStamp:
        return EditStamp(editor=self.cleaned_data.get("editor") or "", revision=self.cleaned_data["revision"])

    def label_of(self, name: str) -> str:
        kind, pk = name.split("-")
        dimension = next(d for d in self.dimensions if str(d.pk) == pk)
        return dimension.name if kind == "colour" else f"{dimension.name}: {self[name].label}"

    def their_values(self, theirs: Assessment) -> dict[str, str]:
        saved = {r.dimension_id: r for r in theirs.ratings.all()}
        values = {}
        for d in self.dimensions:
            rating = saved.get(d.pk)
            values[f"colour-{d.pk}"] = shown(rating.colour_choice.label if rating and rating.colour else None)
            values[f"comment-{d.pk}"] = shown(rating.comment if rating else "")
            values[f"action-{d.pk}"] = shown(rating.action if rating else "")
        return values

    def ratings(self) -> dict[int, RatingInput]:
        data = self.cleaned_data
        return {
            d.pk: RatingInput(
                colour=data.get(f"colour-{d.pk}"),
                comment=(data.get(f"comment-{d.pk}") or "").strip(),
                action=(data.get(f"action-{d.pk}") or "").strip(),
            )
            for d in self.dimensions
        }


class DimensionForm(forms.ModelForm):
    class Meta:
        model = Dimension
        fields = ["name", "description"]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
