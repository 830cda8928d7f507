from django import template

from ..forms import plain

register = template.Library()


@register.filter
def figure(value) -> str:
    """A stored figure as people write it: 91.5, not 91.5000; a dash when there is none."""
    return plain(value) or "—"
