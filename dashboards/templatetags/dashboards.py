import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import pluralize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..forms import plain
from ..models import Direction

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


@register.filter
def figure_script(value, element_id: str):
    """Like ``json_script``, for large Plotly figures: the same output, but the three
    characters that could end the script are replaced with ``str.replace``, several times
    faster than the ``translate`` table ``json_script`` uses (a forty-quarter dashboard
    carries about 100 kB of figures)."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    text = text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))


@register.simple_tag
def status_badge(status) -> str:
    """A metric's status as a badge; the same markup as includes/status_badge.html, without
    an include's cost on pages that show it for every metric."""
    if status:
        return format_html('<span class="status status-{}">{}</span>', status, status.label)
    return mark_safe('<span class="status status-none">No result</span>')


@register.simple_tag
def chart_summary(row):
    """The line under a chart's title: status, result, goal, which way is better and the
    trend. Built here rather than with template conditionals because the dashboard shows
    it for every metric (see status_badge)."""
    symbol = row.metric.symbol
    value = row.result.value if row.result else None
    result = "" if value is None else format_html("{} {} · ", figure(value), symbol)
    better = "higher is better" if row.metric.direction == Direction.HIGHER else "lower is better"
    return format_html('<p>{} <span class="muted">{}goal {} {} · {} · trend {}</span></p>', status_badge(row.status),
                       result, figure(row.goal.goal if row.goal else None), symbol, better, row.trend_word)


@register.simple_tag
def chart_label(row) -> str:
    """What a chart shows, for screen readers (see chart_summary)."""
    status = row.status.label if row.status else "no result"
    return format_html("{}: {} quarter{} of results; {} status {}", row.metric.name, len(row.history),
                       pluralize(len(row.history)), row.quarter, status)


@register.simple_tag
def trend_facts(row):
    """The stored trend of a dashboard row as a short list, built here rather than in
    template tags because the dashboard shows it for every metric (see status_badge)."""
    trend, symbol = row.stored_trend, row.metric.symbol
    if not trend:
        return ""
    facts = []
    if trend.slope is not None:
        verdict = {True: " (improving)", False: " (worsening)", None: ""}[row.trend_improving]
        facts.append(format_html("<li>Last {} quarters: {} {} per quarter{}</li>",
                                 trend.quarters_used, signed(trend.slope), symbol, verdict))
    facts.append(format_html("<li>Moving average: {} {}</li>", approx(trend.moving_average), symbol))
    if trend.in_green is not None:
        facts.append(format_html("<li>{} quarter{} in a row {} the Green Zone (to {})</li>", trend.streak,
                                 pluralize(trend.streak), "in" if trend.in_green else "out of", trend.quarter))
    if trend.forecast is not None:
        facts.append(format_html("<li>Forecast for {}: {} {}</li>", trend.forecast_quarter, approx(trend.forecast),
                                 symbol))
    if trend.quarters_until_out:
        facts.append(format_html("<li><strong>At this pace it leaves the Green Zone in {} quarter{}.</strong></li>",
                                 trend.quarters_until_out, pluralize(trend.quarters_until_out)))
    return format_html('<ul class="trend-facts" aria-label="Trend of {} as of {}">{}</ul>', row.metric.name,
                       trend.quarter, mark_safe("".join(facts)))


@register.simple_tag
def quarter_options(quarters, selected) -> str:
    """The quarter picker's options, ``selected`` marked: the dashboard lists every quarter
    with results, forty at ten years, and a template loop per option cost a millisecond."""
    return format_html_join("", '<option value="{}"{}>{}</option>',
                            ((q, " selected" if q == selected else "", q) for q in quarters))
