from django import template

from ..forms import plain

register = template.Library()


@register.filter
def figure(value) -> str:
    """A stored figure as people write it: 91.5, not 91.5000; a dash when there is none."""
    return plain(value) or "—"


@register.filter
def approx(value) -> str:
    """A computed figure (a trend, a forecast) to two decimals: 91.47, 3.5, −0.25."""
    if value is None:
        return "—"
    text = plain(round(value, 2) + 0)  # + 0 turns −0.0 into 0.0
    return text.replace("-", "−")


@register.filter
def signed(value) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + approx(value)
