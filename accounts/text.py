"""Text that must stay on one line.

Whatever reaches an e-mail header — a subject is built from an account's name, a
meeting's location — must not carry a line break: Django refuses such a header
(``BadHeaderError``), and a mail library that did not would let the text add headers
of its own (``Room 1\\r\\nBcc: …``). So single-line fields refuse line breaks and other
control characters when they are typed, and the subject is made one line again when
it is sent, for what was stored before.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# C0 and C1 control characters (CR, LF, tab, NUL…), and the Unicode line and
# paragraph separators, which some mail readers and libraries also break lines at.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")

ONE_LINE_MESSAGE = "Keep this on one line: line breaks and other control characters cannot be used here."


def one_line(text: str) -> str:
    """``text`` with every run of line breaks and control characters made one space."""
    return _CONTROL.sub(" ", text).strip()


def validate_one_line(value: str) -> None:
    if value and _CONTROL.search(value):
        raise ValidationError(ONE_LINE_MESSAGE, code="one_line")


def make_stored_values_one_line(model, field: str) -> int:
    """Put what was stored in ``field`` before it refused line breaks on one line (for the
    migrations that add the rule: a value kept from before would otherwise fail every
    later save of its row). Returns how many rows changed."""
    changed = 0
    for pk, value in model._default_manager.values_list("pk", field).iterator():
        if value and _CONTROL.search(value):
            changed += model._default_manager.filter(pk=pk).update(**{field: one_line(value)})
    return changed
