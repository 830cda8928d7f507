"""No edit is lost silently: a save says which version of a record its author saw, and is
refused when someone else saved the record since, instead of replacing their work.

Each record people edit together has an integer ``version`` (:class:`Versioned`). Every
write goes through :func:`save_versioned`: one conditional ``UPDATE … SET version = seen
+ 1 WHERE pk = … AND version = seen`` claims the row before the save. It is a single
statement, so of two saves of the same version exactly one wins, on SQLite and on
PostgreSQL (whose row lock makes the second wait and then find the version gone); the
loser gets an :class:`EditConflict` with the record as it is stored now and who saved
it when (from its history). The pages show it beside what was typed
(:class:`VersionedModelForm`, ``includes/edit_conflict.html``), the API answers 409 with
both versions (``accounts.api.base``). A first save that meets someone else's first save
of the same unique thing is turned from an ``IntegrityError`` into a message, never a 500.

The results grid (``dashboards.services.results_record``) and the scorecard form
(``scorecards.services``) keep their own versions, per figure and per assessment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.functional import cached_property

BLANK = "(blank)"


class Versioned(models.Model):
    """A record several people edit: ``version`` counts its saves."""

    version = models.PositiveIntegerField(
        default=0, editable=False, help_text="How many times it was saved; a save must name the version it changes.",
    )

    class Meta:
        abstract = True


class EditConflict(ValidationError):
    """Somebody saved (or removed) the record after this person read it. ``theirs`` is the
    record as stored now, None when it was removed; ``by`` and ``at`` say who did it and
    when, as far as the history knows. A ValidationError, so that a page that does not
    show conflicts side by side still shows the message rather than failing."""

    def __init__(self, *, theirs: models.Model | None, by=None, at: dt.datetime | None = None, what: str = "this",
                 message: str = ""):
        self.theirs, self.by, self.at = theirs, by, at
        if not message:
            who = by.display_name if by else "Someone else"
            when = f" at {timezone.localtime(at):%H:%M on %d %b %Y}" if at else ""
            done = "removed" if theirs is None else "saved"
            message = f"{who} {done} {what}{when}, after you opened it; your changes were not saved."
        super().__init__(message, code="conflict")

    @property
    def removed(self) -> bool:
        return self.theirs is None

    @property
    def their_version(self) -> int | None:
        return None if self.theirs is None else self.theirs.version

    @classmethod
    def about(cls, model: type[models.Model], pk, what: str = "this") -> EditConflict:
        """The conflict with whatever is stored now under ``pk``."""
        theirs = model._base_manager.filter(pk=pk).first()
        if theirs is None:
            return removal(model, pk, what=what) or cls(theirs=None, what=what)
        # The save that made the current version (later saves of fields no form edits, such
        # as a sign-off, keep it).
        record = theirs.history.filter(version=theirs.version).order_by("history_date").first()
        return cls(theirs=theirs, by=record.history_user if record else None,
                   at=record.history_date if record else None, what=what)


def removal(model: type[models.Model], pk, *, what: str = "this", **scope) -> EditConflict | None:
    """The conflict of a save of a record someone removed, from the history's record of
    the removal; None when ``pk`` was never removed (within ``scope``, e.g. the account)."""
    record = model.history.filter(**{model._meta.pk.attname: pk, "history_type": "-", **scope}).first()
    if record is None:
        return None
    return EditConflict(theirs=None, by=record.history_user, at=record.history_date, what=what)


def claim(model: type[models.Model], pk, seen: int, what: str = "this") -> int:
    """Take version ``seen`` of the record for this transaction's save, or raise
    EditConflict: the one statement both checks and moves the version. Returns the
    record's new version."""
    if not model._base_manager.filter(pk=pk, version=seen).update(version=seen + 1):
        raise EditConflict.about(model, pk, what)
    return seen + 1


def save_versioned(obj: Versioned, *, by, exclude: list[str] | None = None, what: str = "this") -> Versioned:
    """Insert ``obj``, or save it over version ``obj.version`` if nobody saved it since.
    Checked (``full_clean``) first and kept in history with ``by``."""
    if obj._state.adding:
        return save_checked(obj, by=by, exclude=exclude)
    obj._history_user = by
    obj.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            obj.version = claim(type(obj), obj.pk, obj.version, what)
            obj.save()
    except IntegrityError:
        explain_integrity_error(obj)
    return obj


def save_checked(obj: models.Model, *, by, exclude: list[str] | None = None) -> models.Model:
    """Check ``obj`` and save it, kept in history with ``by``. When someone saved the same
    unique thing between the check and the write, the check's message, not a 500."""
    obj._history_user = by
    obj.full_clean(exclude=exclude)
    try:
        with transaction.atomic():
            obj.save(force_insert=obj._state.adding)
    except IntegrityError:
        explain_integrity_error(obj)
    return obj


def explain_integrity_error(obj: models.Model):
    """Raise, as a ValidationError, the rule a save just broke: someone saved the same
    unique thing between our check and our write. Their row is committed now, so the
    check names it; the caller wrapped the write in a savepoint."""
    obj.validate_unique()
    obj.validate_constraints()
    raise ValidationError(
        "Someone else saved the same thing at the same moment; look at what is there now and try again.",
        code="conflict",
    )


# --- on the pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One field where the stored version and what the person typed differ, as shown.
    ``taken`` when the person had not changed it: the form now holds their value."""

    label: str
    theirs: str
    yours: str
    taken: bool = False


def shown(value) -> str:
    """A field's value as a person reads it."""
    if value is None or value == "" or value == []:
        return BLANK
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%d %b %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, list | tuple | set | models.QuerySet):
        return ", ".join(sorted(str(item) for item in value)) or BLANK
    return str(value)


class ConflictShown:
    """A form that can come back after an EditConflict: what was typed stays, the top of
    the form says who saved it when, the fields where their version and the typed one
    differ are listed side by side, and the hidden version is now theirs, so that saving
    again replaces their version knowingly. A field the person had not changed takes
    their value, so that saving again does not undo it (where the form knows what it was
    opened with). The view renders it with ``form.status``."""

    conflict: EditConflict | None = None
    differences: list[Difference] = []
    version_field = "version"

    @property
    def status(self) -> int:
        return 409 if self.conflict else 200

    def show_conflict(self, conflict: EditConflict) -> None:
        self.conflict = conflict
        if conflict.removed:
            return
        theirs, yours, opened = self.their_values(conflict.theirs), self.your_values(), self.opened_values()
        data = self.data.copy()
        data[self.add_prefix(self.version_field)] = str(conflict.their_version)
        self.differences = []
        for name in theirs:
            if theirs[name] == yours[name]:
                continue
            taken = name in opened and opened[name] == yours[name]
            if taken:
                self.take_theirs(data, name, conflict.theirs)
            self.differences.append(Difference(self.label_of(name), theirs[name], yours[name], taken))
        self.data = data

    def label_of(self, name: str) -> str:
        return self[name].label

    def their_values(self, theirs) -> dict[str, str]:
        """Each compared field's value in the stored record, as a person reads it."""
        raise NotImplementedError

    def your_values(self) -> dict[str, str]:
        return {name: self.shown_choice(name, self.cleaned_data.get(name)) for name in self.compared_fields()}

    def opened_values(self) -> dict[str, str]:
        """The compared fields' values when the form was opened, for those the form can
        tell (none here)."""
        return {}

    def take_theirs(self, data, name: str, theirs) -> None:
        raise NotImplementedError

    def compared_fields(self) -> list[str]:
        return [name for name, field in self.fields.items() if not field.widget.is_hidden and not field.disabled]

    def shown_choice(self, name: str, value) -> str:
        """A value shown by its label when the field offers choices ("Quarterly", not 3)."""
        choices = getattr(self.fields[name], "choices", None)
        if choices is not None and not isinstance(self.fields[name], forms.ModelChoiceField):
            labels = {str(key): label for key, label in choices}
            if isinstance(value, list | tuple):
                return shown([labels.get(str(v), v) for v in value])
            return shown(labels.get(str(value), value) if value not in (None, "") else None)
        return shown(value)


class VersionedModelForm(ConflictShown, forms.ModelForm):
    """A model form of a :class:`Versioned` record: it carries the version it was opened
    at in a hidden field and hands it to the save on the instance. A form that shows a
    record not saved yet (the defaults) carries version 0: if the record is saved by the
    time the form is, that save is someone else's. What the form was opened with is read
    from the record's history at that version."""

    seen_version: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = forms.IntegerField(
            min_value=0, initial=self.instance.version, widget=forms.HiddenInput,
            required=self.instance.pk is not None,  # a new record has no version to lose
            error_messages={"required": "This page is out of date: open it again and make your change there."},
        )

    def _post_clean(self):
        super()._post_clean()
        self.seen_version = self.cleaned_data.pop("version", None)  # for the save, not a field of the record
        if self.seen_version is not None:
            self.instance.version = self.seen_version

    @cached_property
    def changed_data(self) -> list[str]:
        return [name for name in super().changed_data if name != "version"]  # not a change the person made

    def compared_fields(self) -> list[str]:
        model_fields = {f.name for f in self.instance._meta.get_fields()}
        return [name for name in super().compared_fields() if name in model_fields]

    def their_values(self, theirs) -> dict[str, str]:
        return self._values(theirs, many=True)

    def opened_values(self) -> dict[str, str]:
        # Many-to-many fields are left out: the history keeps them apart, and a form that
        # cannot tell keeps what was typed.
        model = type(self.instance)
        record = model.history.filter(**{model._meta.pk.attname: self.instance.pk, "version": self.seen_version}) \
            .order_by("-history_date").first()
        return {} if record is None else self._values(record, many=False)

    def _values(self, record, *, many: bool) -> dict[str, str]:
        values = {}
        for name in self.compared_fields():
            field = self.instance._meta.get_field(name)
            if field.many_to_many:
                if many:
                    values[name] = shown(list(getattr(record, name).all()))
            elif field.choices:
                value = getattr(record, field.attname)
                values[name] = shown(dict(field.flatchoices).get(value, value) if value not in (None, "") else None)
            elif field.is_relation:  # read by id: a historical record's related object may be gone
                values[name] = shown(field.related_model._base_manager.filter(
                    pk=getattr(record, field.attname)).first())
            else:
                values[name] = shown(getattr(record, name))
        return values

    def take_theirs(self, data, name: str, theirs) -> None:
        value = model_to_dict(theirs, fields=[name])[name]
        key = self.add_prefix(name)
        if value is None or value is False:
            data.pop(key, None)
        elif value is True:
            data[key] = "on"
        else:
            data[key] = value.isoformat() if isinstance(value, dt.date) else str(getattr(value, "pk", value))
