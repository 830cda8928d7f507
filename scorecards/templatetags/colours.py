"""The five-step colour scale in templates."""

from django import template
from django.utils.html import format_html

from ..models import Colour

register = template.Library()

CHIP = '<span class="chip {}{}"><span class="chip-symbol" aria-hidden="true">{}</span> {}</span>'


@register.simple_tag
def colour_chip(colour, *, small: bool = False, empty: str = "") -> str:
    """A colour on the scale (a Colour, or None for no rating): its symbol and its name as
    text, never colour alone. A tag rather than an include: the history's tables draw one
    per dimension, quarter and side."""
    size = " chip-small" if small else ""
    if not colour:
        return format_html(CHIP, "chip-none", size, "–", empty or "Not rated")
    colour = Colour(colour)
    return format_html(CHIP, colour.css, size, colour.symbol, colour.label)
