from __future__ import annotations

from django import forms

from .models import Assessment, Colour, Dimension
from .services import RatingInput


class AssessmentForm(forms.Form):
    """A colour, a comment and "what I need to do" per active dimension. Colours are
    optional here: a draft may be incomplete, and submitting checks completeness."""

    def __init__(self, *args, dimensions: list[Dimension], assessment: Assessment | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
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
