"""The portfolio's filters: a GET form, so the whole view lives in the URL."""

from __future__ import annotations

from django import forms

from accounts.models import PartnerAccount, RelationshipLevel, User

from .selectors import COLUMNS_BY_KEY, DEFAULT_SORT, FLAG_FILTERS, SORTS, PortfolioQuery, owner_choices

SORT_CHOICES = [(key, key) for key in sorted(SORTS)] + [(f"-{key}", f"-{key}") for key in sorted(SORTS)]


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(label="Search by name", required=False, max_length=100)
    type = forms.ChoiceField(label="Type", required=False, choices=[("", "All types"), *PartnerAccount.Kind.choices])
    level = forms.TypedChoiceField(
        label="Level", required=False, coerce=int, empty_value=None,
        choices=[("", "All levels"), *RelationshipLevel.choices],
    )
    flag = forms.ChoiceField(label="Flag", required=False, choices=[("", "Flagged or not"), *FLAG_FILTERS.items()])
    owner = forms.TypedChoiceField(label="Account manager", required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, widget=forms.HiddenInput)

    def __init__(self, data, *, owners: list[tuple[int, str]]):
        super().__init__(data)
        self.fields["owner"].choices = [("", "All account managers"), *owners]

    @classmethod
    def for_user(cls, data, user: User) -> PortfolioFilterForm:
        """The filters in ``data``, offering the account managers of the accounts ``user`` sees."""
        return cls(data, owners=[(owner.pk, owner.display_name) for owner in owner_choices(user)])

    def query(self) -> PortfolioQuery:
        """The query the valid parts of the URL ask for; a value that is not allowed
        (an old link, a hand-edited URL) is left out and reported on its field."""
        self.is_valid()
        data = self.cleaned_data
        return PortfolioQuery(
            search=(data.get("q") or "").strip(), kind=data.get("type") or "", level=data.get("level"),
            flag=data.get("flag") or "", owner=data.get("owner"), sort=data.get("sort") or DEFAULT_SORT,
        )

    def described(self) -> list[tuple[str, str]]:
        """The filters and sort in words, for the export's notes."""
        query = self.query()
        described = []
        for name in ("q", "type", "level", "flag", "owner"):
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.fields[name]
            text = f"contains “{value}”" if name == "q" else str(dict(field.choices).get(value, value))
            described.append((str(field.label), text))
        column = COLUMNS_BY_KEY.get(query.sort_key)
        if column:
            described.append(("Sorted by", f"{column.label} ({'descending' if query.descending else 'ascending'})"))
        return described


# What the page reads from its URL: the filters, the sort and the page number.
PAGE_PARAMETERS = frozenset([*PortfolioFilterForm.base_fields, "page"])
