from django import template

register = template.Library()


@register.filter
def percent(share) -> str:
    """0.667 → "67%"; None → "—"."""
    return "—" if share is None else f"{share * 100:.0f}%"


@register.filter
def signed(value, digits: int = 2) -> str:
    """A gap with its sign: +0.50, −1.25; None → "—"."""
    if value is None:
        return "—"
    return f"{value:+.{int(digits)}f}".replace("-", "−")


@register.filter
def score(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{int(digits)}f}"


@register.filter
def stats_for(statement, side):
    return getattr(statement, side)
