"""Plotly figures as plain dicts, drawn by static/js/charts.js. They take only what the
selectors (and so the anonymity rule) let through."""

from __future__ import annotations

from .selectors import LeadLagRow, RoundResults

HOME_COLOUR = "#1f4fa3"
PARTNER_COLOUR = "#b5520b"
BOTH_COLOUR = "#16213a"
GREEN = "#1b6b34"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def history_figure(history: list[RoundResults]) -> dict:
    """Survey index per firm and for both, quarter by quarter; a gap where a firm had
    fewer than three answers or the round is not closed."""
    quarters = [str(r.quarter) for r in history]
    lines = [
        ("Home firm", [_round(r.home_index) for r in history], HOME_COLOUR, "solid"),
        ("Partner firm", [_round(r.partner_index) for r in history], PARTNER_COLOUR, "solid"),
        ("Survey index (both firms)", [_round(r.index) for r in history], BOTH_COLOUR, "dash"),
    ]
    return {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": name, "x": quarters, "y": values,
             "line": {"color": colour, "width": 2, "dash": dash}, "connectgaps": False,
             "hovertemplate": "%{x}: %{y:.1f}<extra>" + name + "</extra>"}
            for name, values, colour, dash in lines
        ],
        "layout": {
            "height": 320, "margin": {"l": 50, "r": 10, "t": 20, "b": 50},
            "xaxis": {"type": "category", "title": {"text": "Quarter"}},
            "yaxis": {"range": [0, 100], "title": {"text": "Agreement (0–100)"}},
            "legend": {"orientation": "h", "y": -0.3},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        },
    }


def round_figure(result: RoundResults) -> dict:
    """Mean agreement per statement for each firm shown, with the spread as error bars."""
    labels = [f"{s.position}. {s.text}" for s in result.statements]
    data = []
    for side, name, colour in (("home", "Home firm", HOME_COLOUR), ("partner", "Partner firm", PARTNER_COLOUR)):
        if not result.shown(side):
            continue
        stats = [getattr(s, side) for s in result.statements]
        data.append({
            "type": "bar", "orientation": "h", "name": name, "y": labels,
            "x": [_round(st.mean, 2) if st else None for st in stats],
            "error_x": {"type": "data", "array": [_round(st.spread, 2) if st else None for st in stats],
                        "visible": True, "color": "#4f5a6b"},
            "marker": {"color": colour},
            "hovertemplate": "%{x:.2f} ± %{error_x.array:.2f}<extra>" + name + "</extra>",
        })
    return {
        "data": data,
        "layout": {
            "barmode": "group", "height": 140 + 52 * max(1, len(labels)),
            "margin": {"l": 10, "r": 10, "t": 20, "b": 40},
            "xaxis": {"range": [1, 5.4], "tickvals": [1, 2, 3, 4, 5],
                      "ticktext": ["1 Strongly disagree", "2", "3 Neutral", "4", "5 Strongly agree"]},
            "yaxis": {"automargin": True, "autorange": "reversed"},
            "legend": {"orientation": "h", "y": -0.15},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        },
    }


def leading_figure(rows: list[LeadLagRow]) -> dict:
    """The survey index of a quarter beside the green share of the quarter after it."""
    quarters = [str(r.quarter) for r in rows]
    return {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": "Survey index (this quarter)", "x": quarters,
             "y": [_round(r.index) for r in rows], "line": {"color": BOTH_COLOUR, "width": 2},
             "hovertemplate": "%{x}: index %{y:.1f}<extra></extra>"},
            {"type": "scatter", "mode": "lines+markers", "name": "Green share of the next quarter (%)",
             "x": quarters, "y": [_round(r.next_green_percent) for r in rows],
             "text": [str(r.next_quarter) for r in rows], "line": {"color": GREEN, "width": 2, "dash": "dot"},
             "hovertemplate": "%{text}: %{y:.0f}% green<extra></extra>"},
        ],
        "layout": {
            "height": 320, "margin": {"l": 50, "r": 10, "t": 20, "b": 50},
            "xaxis": {"type": "category", "title": {"text": "Survey quarter"}},
            "yaxis": {"range": [0, 100], "title": {"text": "0–100"}},
            "legend": {"orientation": "h", "y": -0.3},
            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        },
    }
