from __future__ import annotations

import secrets

from django import forms

from .models import Assessment, Colour, Dimension
from .services import EditStamp, RatingInput


class AssessmentForm(forms.Form):
    """A colour, a comment and "what I need to do" per active dimension. Colours are
    optional here: a draft may be incomplete, and submitting checks completeness."""

    # Each opened form is its own editor; see scorecards.services.EditStamp.
    # (Optional, so that a form posted without them still saves — unchecked, as before.)
    editor = forms.RegexField(regex=r"^[0-9a-f]{16,32}$", required=False, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

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

    def stamp(self) -> EditStamp | None:
        editor, revision = self.cleaned_data.get("editor"), self.cleaned_data.get("revision")
        return EditStamp(editor=editor, revision=revision) if editor and revision is not None else None

    def taken_over_at(self, revision: int) -> AssessmentForm:
        """The same input, ready to replace what another window saved at ``revision``."""
        data = self.data.copy()
        data["revision"] = revision
        return AssessmentForm(data, dimensions=self.dimensions)

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
