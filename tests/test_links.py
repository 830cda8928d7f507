"""A link reversed once for many objects is the link Django would reverse for each."""

import pytest
from django.urls import reverse

from accounts.links import LinkPattern


@pytest.mark.parametrize("name, args, key", [
    ("plans:action_edit", ["helix-metals"], 7),
    ("plans:meeting", ["a-b"], 123456),
    ("plans:topic_move", ["x"], 1),
])
def test_a_pattern_gives_the_reversed_url(name, args, key):
    assert LinkPattern(name, *args)(key) == reverse(name, args=[*args, key])
