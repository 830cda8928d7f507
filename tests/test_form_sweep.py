"""Every HTML form of the site, sent with valid data by the person it is for (the registry
is tests/form_sweep.py): it is accepted without a server error, the person reads what was
done, and it was done."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from django import forms
from django.urls import resolve
from django.utils.html import strip_tags

from .conftest import client_for
from .form_sweep import ENTRIES, World, is_project_form


def visible_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode())))


@pytest.fixture
def forms_cleaned(monkeypatch):
    """The project's form classes that were filled from posted data while the list is open."""
    cleaned = set()
    full_clean = forms.BaseForm.full_clean

    def recording(form):
        if form.is_bound and is_project_form(type(form)):
            cleaned.add(type(form))
        return full_clean(form)

    monkeypatch.setattr(forms.BaseForm, "full_clean", recording)
    return cleaned


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.id)
def test_every_form_sent_with_valid_data_does_what_it_says(client, cast, forms_cleaned, entry):
    world = World(cast, client)
    if entry.given:
        entry.given(world)
    client_for(client, cast[entry.by] if entry.by else None)
    url = entry.url(world)
    assert resolve(urlsplit(url).path).view_name == entry.url_name, f"{entry.id}: {url} is not {entry.url_name}"
    data = entry.data(world)
    if entry.changed:
        assert not entry.changed(world), f"{entry.id}: its effect shows before the form is sent; check `changed`"
    forms_cleaned.clear()

    response = getattr(client, entry.method)(url, data)
    assert response.status_code == entry.status, (
        f"{entry.by or 'anonymous'} {entry.method.upper()} {url}: expected {entry.status}, got "
        f"{response.status_code}: {visible_text(response)[:600]}"
    )
    seen = forms_cleaned.copy()
    page = response
    if response.status_code in (301, 302, 303):
        landing = urlsplit(response["Location"])
        page = client.get(landing.path + (f"?{landing.query}" if landing.query else ""))
        assert page.status_code == 200, f"{entry.id}: the page after the form answered {page.status_code}"

    text = visible_text(page)
    if entry.says:
        assert entry.says in text, f"{entry.id}: the person does not read “{entry.says}”: {text[:800]}"
    if entry.changed:
        assert entry.changed(world), f"{entry.id}: {entry.status} and the message, but the change was not made"
    assert seen == set(entry.forms), (
        f"{entry.id}: the view filled {sorted(c.__name__ for c in seen)} from the data, the entry says "
        f"{sorted(c.__name__ for c in entry.forms)}; correct `forms` in tests/form_sweep.py"
    )
