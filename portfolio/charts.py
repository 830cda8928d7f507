"""The portfolio's Plotly figures as plain dicts, drawn by static/js/charts.js (the health
matrix, with a point per account, is fetched on its own: see ``views.matrix``)."""

from __future__ import annotations

import math

from django.urls import reverse

from accounts.models import RelationshipLevel

from .selectors import FLAG_LABELS, Point

CURRENT, TARGET = "#1f4fa3", "#9db4dc"
# Colour and marker shape both tell the groups apart, so the chart reads without colour too.
GROUPS = [
    ("complacent", "Complacency flags", "#a4161a", "x"),
    ("mismatches", "Calculation mismatches only", "#9a6b00", "diamond"),
    ("clear", "No flags", "#1b6b34", "circle"),
]
SMALLEST, LARGEST = 10, 46


def level_counts(points: list[Point]) -> list[tuple[str, int, int]]:
    """Per level: its name, the accounts at it and the accounts aiming for it."""
    return [
        (level.label, sum(1 for p in points if p.level == level), sum(1 for p in points if p.target_level == level))
        for level in RelationshipLevel
    ]


def levels_figure(counts: list[tuple[str, int, int]]) -> dict:
    """Accounts per relationship level (``level_counts``): where they are, and where they
    are meant to be."""
    labels, current, target = ([c[i] for c in counts] for i in range(3))
    bar = {"type": "bar", "x": labels, "textposition": "outside", "cliponaxis": False}
    return {
        "data": [
            {**bar, "name": "Current level", "y": current, "text": current, "marker": {"color": CURRENT},
             "hovertemplate": "%{y} accounts at %{x}<extra></extra>"},
            {**bar, "name": "Target level", "y": target, "text": target, "marker": {"color": TARGET},
             "hovertemplate": "%{y} accounts aiming for %{x}<extra></extra>"},
        ],
        "layout": {
            "barmode": "group", "height": 320, "margin": {"l": 50, "r": 10, "t": 20, "b": 50},
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {"title": {"text": "Accounts"}, "rangemode": "tozero", "automargin": True},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        },
    }


def _group(point: Point) -> str:
    if point.complacent:
        return "complacent"
    return "mismatches" if point.flags else "clear"


def _hover(point: Point) -> str:
    value = f"{point.annual_value:,.0f} {point.currency}" if point.annual_value is not None else "no annual value"
    flags = "; ".join(FLAG_LABELS[key] for key in point.flags) or "no flags"
    return (f"<b>{point.name}</b><br>Green share {point.green_share:.0%}<br>Relationship score "
            f"{point.relationship_score:.1f} of 5<br>{value}<br>{flags}")


def plottable(points: list[Point]) -> list[Point]:
    return [p for p in points if p.green_share is not None and p.relationship_score is not None]


def health_matrix_figure(points: list[Point]) -> dict:
    """Each account that has both a green share and a relationship score: metrics across,
    the champions' read up, bubble area by annual value, colour and shape by flags.
    Clicking a bubble opens the account."""
    plotted = plottable(points)
    largest = max((float(p.annual_value) for p in plotted if p.annual_value), default=0.0)
    account_url = reverse("accounts:overview", args=["__slug__"])

    def size(point: Point) -> float:
        if not point.annual_value or not largest:
            return SMALLEST
        return round(SMALLEST + (LARGEST - SMALLEST) * math.sqrt(float(point.annual_value) / largest), 1)

    data = []
    for key, label, colour, symbol in GROUPS:
        group = [p for p in plotted if _group(p) == key]
        if not group:
            continue
        data.append({
            "type": "scatter", "mode": "markers", "name": label,
            "x": [round(p.green_share * 100, 1) for p in group],
            "y": [p.relationship_score for p in group],
            "customdata": [account_url.replace("__slug__", p.slug) for p in group],
            "text": [_hover(p) for p in group],
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"size": [size(p) for p in group], "color": colour, "symbol": symbol, "opacity": 0.75,
                       "line": {"width": 1, "color": "#ffffff"}},
        })
    return {
        "data": data,
        "layout": {
            "height": 420, "margin": {"l": 60, "r": 10, "t": 20, "b": 60},
            "legend": {"orientation": "h", "y": -0.18},
            "xaxis": {"title": {"text": "Metrics in the Green Zone (%)"}, "range": [-5, 105], "zeroline": False},
            "yaxis": {"title": {"text": "Relationship score (champions, 1–5)"}, "range": [0.5, 5.5],
                      "tickvals": [1, 2, 3, 4, 5], "zeroline": False},
            "shapes": [
                {"type": "line", "x0": 50, "x1": 50, "y0": 0.5, "y1": 5.5, "line": {"color": "#c5ccd6", "dash": "dot"}},
                {"type": "line", "x0": -5, "x1": 105, "y0": 3, "y1": 3, "line": {"color": "#c5ccd6", "dash": "dot"}},
            ],
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        },
        "links": True,
    }


def levels_description(counts: list[tuple[str, int, int]]) -> str:
    """The level chart in words, for screen readers."""
    parts = [f"{label}: {now} now, {aim} as target" for label, now, aim in counts]
    return "Accounts per level. " + "; ".join(parts) + "."
