"""The project's renderer writes plain inputs exactly as Django's own templates do."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from accounts.quarters import Quarter
from accounts.renderers import FormRenderer
from dashboards.forms import EntryRowForm
from dashboards.selectors import entry_rows

from .factories import with_default_metrics


class Everything(forms.Form):
    text = forms.CharField(max_length=20, help_text="help", widget=forms.TextInput(attrs={
        "placeholder": 'say "hi" & <go>', "autofocus": True, "disabled": False, "data-none": None,
    }))
    number = forms.IntegerField(min_value=0, max_value=9)
    decimal = forms.DecimalField(max_digits=5, decimal_places=2)
    email = forms.EmailField(required=False)
    url = forms.URLField(show_hidden_initial=True, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search"}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField()
    at = forms.TimeField()
    tick = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    area = forms.CharField(widget=forms.Textarea)


DATA = {
    "text": "<b>bold</b> & \"quoted\"", "number": "12", "decimal": "1.5", "email": "x@example.com",
    "url": "https://example.com/?a=1&b=2", "initial-url": "https://old.example.com/", "password": "s3cret'",
    "hidden": mark_safe("<already safe>"), "search": "q", "day": "2026-02-30", "when": "2026-11-23 10:00",
    "at": "10:00", "tick": "on", "choice": "b", "area": "many\nlines",
}


@pytest.mark.parametrize("data", [None, DATA], ids=["empty", "filled and invalid"])
def test_every_field_renders_as_with_djangos_templates(data):
    initial = {"when": dt.datetime(2026, 11, 23, 9, 30), "number": 3}
    ours = Everything(data, initial=initial, renderer=FormRenderer())
    django = Everything(data, initial=initial, renderer=DjangoTemplates())
    for name in Everything.base_fields:
        assert str(ours[name]) == str(django[name]), name
    assert ours.as_div() == django.as_div()


def test_the_results_grid_renders_as_with_djangos_templates(cast):
    with_default_metrics(cast.account)
    row = entry_rows(account=cast.account, quarter=Quarter.current().previous())[0]
    data = {f"m{row.metric.pk}-value": "12,5", f"m{row.metric.pk}-note": "a <note>", f"m{row.metric.pk}-version": "x"}
    for bound in (None, data):
        ours = EntryRowForm(bound, row=row, side="home")
        ours.renderer = FormRenderer()
        django = EntryRowForm(bound, row=row, side="home")
        django.renderer = DjangoTemplates()
        if bound:
            ours.is_valid(), django.is_valid()
        for name in ("value", "note", "version"):
            assert str(ours[name]) == str(django[name])
