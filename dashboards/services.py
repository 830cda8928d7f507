"""Writes to metric definitions, goals and results. Views call these, never the ORM."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import groupby
from operator import itemgetter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, FloatField, Max, When
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.background import enqueue_debounced
from accounts.concurrency import claim
from accounts.models import PartnerAccount, Side, User
from accounts.quarters import Quarter, parse_stored_quarter
from accounts.signals import account_figures_changed

from .defaults import DEFAULT_METRICS
from .models import BEGINNING, Direction, MetricDefinition, MetricGoal, MetricResult, MetricTrend, in_green_zone
from .selectors import RECENT_QUARTERS, JudgingMetric, judging_metrics
from .trends import TrendFacts, trend_facts

DEFINITION_FIELDS = (
    "name", "category", "unit", "direction", "mismatch_tolerance", "calculation_basis", "data_owner",
)


@transaction.atomic
def metric_template_apply(*, account: PartnerAccount, by: User | None) -> list[MetricDefinition]:
    """Give an account the default fourteen metrics, unless it already has metrics."""
    if account.metrics.exists():
        return []
    metrics = [
        MetricDefinition(
            account=account, position=position, name=spec.name, category=spec.category, unit=spec.unit,
            direction=spec.direction, mismatch_tolerance=spec.decimal("tolerance"),
            calculation_basis=spec.basis, data_owner=spec.owner_side(account),
        )
        for position, spec in enumerate(DEFAULT_METRICS, start=1)
    ]
    metrics = bulk_create_with_history(metrics, MetricDefinition, default_user=by)
    if any(m.pk is None for m in metrics):  # databases that cannot return ids on bulk insert
        metrics = list(account.metrics.order_by("position"))
    goals = [
        MetricGoal(metric=metric, effective_from=BEGINNING, goal=spec.decimal("goal"),
                   warning_threshold=spec.decimal("warning"), set_by=by, note="Default template")
        for metric, spec in zip(metrics, DEFAULT_METRICS, strict=True)
    ]
    bulk_create_with_history(goals, MetricGoal, default_user=by)
    return metrics


@transaction.atomic
def metric_create(
    *, account: PartnerAccount, by: User | None, goal: Decimal, warning_threshold: Decimal, **fields
) -> MetricDefinition:
    """Add a metric at the end of the account's list, with its first goal."""
    for name in fields:
        if name not in DEFINITION_FIELDS:
            raise TypeError(f"{name} is not a metric definition field")
    last = account.metrics.active().aggregate(last=Max("position"))["last"] or 0
    metric = MetricDefinition(account=account, position=last + 1, **fields)
    metric._history_user = by
    metric.full_clean()
    metric.save()
    first_goal = MetricGoal(metric=metric, effective_from=BEGINNING, goal=goal,
                            warning_threshold=warning_threshold, set_by=by)
    first_goal._history_user = by
    first_goal.full_clean()
    first_goal.save()
    return metric


@transaction.atomic
def metric_update(*, metric: MetricDefinition, by: User | None, **fields) -> bool:
    """Change a metric's definition as it was at ``metric.version``: a change by someone
    else since is an EditConflict. Only ``fields`` are written, onto the row as stored, so
    that a sign-off or a move made meanwhile stays. Returns True when the calculation
    basis changed, which clears both firms' sign-offs: they agreed to the old text, not
    the new one."""
    claim(MetricDefinition, metric.pk, metric.version, what="this metric's definition")
    metric = MetricDefinition.objects.select_for_update().get(pk=metric.pk)
    basis_changed = "calculation_basis" in fields and fields["calculation_basis"] != metric.calculation_basis
    for name, value in fields.items():
        if name not in DEFINITION_FIELDS:
            raise TypeError(f"{name} is not a metric definition field")
        setattr(metric, name, value)
    if basis_changed:
        metric.home_signed_off_by = metric.partner_signed_off_by = None
        metric.home_signed_off_at = metric.partner_signed_off_at = None
    metric._history_user = by
    metric.full_clean()
    for goal in metric.goals.all():
        goal.metric = metric
        try:
            goal.full_clean()
        except ValidationError as exc:
            raise ValidationError(
                {"direction": f"The goal from {goal.effective_label} does not fit this direction or unit: "
                              + " ".join(exc.messages)}
            ) from exc
    metric.save()
    return basis_changed


@transaction.atomic
def metric_goal_set(
    *, metric: MetricDefinition, by: User | None, effective_from: Quarter, goal: Decimal,
    warning_threshold: Decimal, note: str = "",
) -> MetricGoal:
    """Agree a new goal from ``effective_from`` on; earlier quarters keep theirs."""
    metric = MetricDefinition.objects.select_for_update().prefetch_related("goals").get(pk=metric.pk)
    held = metric.goal_for(effective_from)
    record = metric.goals.filter(effective_from=effective_from).first() or MetricGoal(
        metric=metric, effective_from=effective_from
    )
    record.replaced_goal = held.goal if held else None
    record.replaced_warning_threshold = held.warning_threshold if held else None
    record.goal, record.warning_threshold, record.note, record.set_by = goal, warning_threshold, note, by
    record._history_user = by
    record.full_clean()
    record.save()
    trends_recompute_later(account_id=metric.account_id)
    return record


@transaction.atomic
def metric_sign_off(*, metric: MetricDefinition, side: str, by: User) -> MetricDefinition:
    """One firm vouches for the calculation basis as it reads now."""
    metric = MetricDefinition.objects.select_for_update().get(pk=metric.pk)
    setattr(metric, f"{side}_signed_off_by", by)
    setattr(metric, f"{side}_signed_off_at", timezone.now())
    metric._history_user = by
    metric.save()
    return metric


@transaction.atomic
def metric_move(*, metric: MetricDefinition, by: User | None, offset: int) -> None:
    """Move an active metric up (offset -1) or down (+1); positions are renumbered 1..n."""
    metrics = list(metric.account.metrics.active().select_for_update().order_by("position", "name"))
    index = next(i for i, m in enumerate(metrics) if m.pk == metric.pk)
    target = max(0, min(len(metrics) - 1, index + offset))
    metrics.insert(target, metrics.pop(index))
    for position, item in enumerate(metrics, start=1):
        if item.position != position:
            item.position = position
            item._history_user = by
            item.save(update_fields=["position", "updated_at"])


@transaction.atomic
def metric_retire(*, metric: MetricDefinition, by: User | None) -> None:
    """Take a metric off the dashboard and the entry grid; its results and goals stay."""
    metric.retired_at = timezone.now()
    metric._history_user = by
    metric.save(update_fields=["retired_at", "updated_at"])


@transaction.atomic
def metric_reinstate(*, metric: MetricDefinition, by: User | None) -> None:
    last = metric.account.metrics.active().aggregate(last=Max("position"))["last"] or 0
    metric.retired_at = None
    metric.position = last + 1
    metric._history_user = by
    metric.full_clean()
    metric.save(update_fields=["retired_at", "position", "updated_at"])


@dataclass(frozen=True)
class FigureEntry:
    """What one person typed for one metric, and the version of the figure they saw."""

    metric: MetricDefinition
    value: Decimal | None
    note: str
    seen_version: int


@dataclass(frozen=True)
class Conflict:
    """A figure somebody else saved after this person opened the page."""

    metric: MetricDefinition
    their_value: Decimal | None
    their_note: str
    their_version: int
    by: User | None
    at: object
    your_value: Decimal | None


@transaction.atomic
def results_record(
    *, quarter: Quarter, side: str, entries: list[FigureEntry], by: User
) -> tuple[list[MetricResult], list[Conflict]]:
    """Save one firm's figures for a quarter. A figure saved by someone else since the
    person saw it is not overwritten: it comes back as a conflict and the others save."""
    if side not in (Side.HOME, Side.PARTNER):
        raise ValueError(side)
    by_metric = {
        r.metric_id: r
        for r in MetricResult.objects.select_for_update(of=("self",))
        .select_related(f"{side}_entered_by")
        .filter(metric__in=[e.metric for e in entries], quarter=quarter)
    }
    saved, conflicts = [], []
    for entry in entries:
        result = by_metric.get(entry.metric.pk) or MetricResult(metric=entry.metric, quarter=quarter)
        current = result.version_of(side)
        if current != entry.seen_version:
            if result.value_of(side) != entry.value or result.note_of(side) != entry.note:
                conflicts.append(Conflict(
                    entry.metric, result.value_of(side), result.note_of(side), current,
                    result.entered_by(side), result.entered_at(side), entry.value,
                ))
            continue
        setattr(result, f"{side}_value", entry.value)
        setattr(result, f"{side}_note", entry.note)
        setattr(result, f"{side}_entered_by", by)
        setattr(result, f"{side}_entered_at", timezone.now())
        setattr(result, f"{side}_version", current + 1)
        result._history_user = by
        result.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                result.save()
        except IntegrityError:
            # Somebody created this quarter's result between our read and our insert.
            theirs = MetricResult.objects.get(metric=entry.metric, quarter=quarter)
            conflicts.append(Conflict(
                entry.metric, theirs.value_of(side), theirs.note_of(side), theirs.version_of(side),
                theirs.entered_by(side), theirs.entered_at(side), entry.value,
            ))
            continue
        saved.append(result)
    for account_id in {result.metric.account_id for result in saved}:
        trends_recompute_later(account_id=account_id)
    return saved, conflicts


@dataclass(frozen=True)
class Figure:
    """A figure sent by a script or in a file. ``seen_version`` is the version of the
    figure the sender read; None when the sender is the authority (an import file)."""

    metric: MetricDefinition
    value: Decimal | None
    note: str | None  # None: keep the stored note
    seen_version: int | None = None


@transaction.atomic
def results_upsert(
    *, quarter: Quarter, side: str, figures: list[Figure], by: User
) -> tuple[list[MetricResult], list[Conflict], int]:
    """Save the figures that differ from what is stored, through :func:`results_record`;
    figures equal to the stored ones are left alone (no new version, no history), so
    sending the same figures twice changes nothing. Returns what was saved, the conflicts,
    and how many figures were unchanged."""
    stored = {
        r.metric_id: r
        for r in MetricResult.objects.select_for_update(of=("self",))
        .filter(metric__in=[f.metric for f in figures], quarter=quarter)
    }
    entries, unchanged = [], 0
    for figure in figures:
        result = stored.get(figure.metric.pk) or MetricResult(metric=figure.metric, quarter=quarter)
        note = result.note_of(side) if figure.note is None else figure.note
        if result.value_of(side) == figure.value and result.note_of(side) == note:
            unchanged += 1
            continue
        seen = result.version_of(side) if figure.seen_version is None else figure.seen_version
        entries.append(FigureEntry(metric=figure.metric, value=figure.value, note=note, seen_version=seen))
    if not entries:
        return [], [], unchanged
    saved, conflicts = results_record(quarter=quarter, side=side, entries=entries, by=by)
    return saved, conflicts, unchanged


# --- trends, computed in the background -------------------------------------------------


def trends_recompute_later(*, account_id: int) -> None:
    """Recompute this account's trends shortly after the transaction commits, once per
    burst of saves."""
    from django.conf import settings

    from .tasks import recompute_account_trends

    enqueue_debounced(recompute_account_trends, key=f"trends:{account_id}", args=[account_id],
                      delay=settings.TANDEM_RECOMPUTE_DELAY_SECONDS)
    account_figures_changed.send(sender=MetricResult, account_id=account_id)


def metric_trends_recompute(*, account_id: int) -> int:
    """Store the trend facts of each of the account's active metrics (see
    ``dashboards.trends``); metrics without results lose theirs. Returns how many are stored."""
    return metric_trends_recompute_many(account_ids=[account_id])


@transaction.atomic
def metric_trends_recompute_many(*, account_ids: list[int], metrics: list[JudgingMetric] | None = None) -> int:
    """``metric_trends_recompute`` for several accounts at once (``metrics``: theirs, from
    ``selectors.judging_metrics``, when the caller has them), in five or six queries
    however many: the nightly run over a thousand accounts reads the recent results (the
    whole history only where the trend needs it) and writes the trends in bulk
    (bench/results.md times it against a plain read of every row)."""
    metrics = {m.pk: m for m in (judging_metrics(account_ids) if metrics is None else metrics)}
    results = MetricResult.objects.filter(metric__account_id__in=account_ids, metric__retired_at__isnull=True)
    since = Quarter.current() - RECENT_QUARTERS
    facts = _trend_facts(metrics, results.filter(quarter__gte=since))
    # Facts that depend on an earlier quarter (a long streak), and metrics whose results
    # all predate ``since``, are computed again from the whole history.
    unsure = [pk for pk in metrics if pk not in facts or facts[pk].reaches_back_to() < since]
    if unsure:
        facts.update(_trend_facts(metrics, results.filter(metric_id__in=unsure)))
    computed_at = MetricTrend._meta.get_field("computed_at").get_db_prep_save(timezone.now(), connection)
    trends = [
        (metric_id, str(f.quarter), f.quarters_used, f.moving_average, f.in_green, f.streak, f.slope,
         None if f.forecast_quarter is None else str(f.forecast_quarter), f.forecast, f.quarters_until_out,
         computed_at)
        for metric_id, f in facts.items()
    ]
    # Replacing them all also drops the trends of retired metrics and of metrics whose
    # results were deleted.
    MetricTrend.objects.filter(metric__in=MetricDefinition.objects.filter(account_id__in=account_ids)).delete()
    _insert_rows(MetricTrend, TREND_COLUMNS, trends)
    return len(trends)


TREND_COLUMNS = ["metric", "quarter", "quarters_used", "moving_average", "in_green", "streak", "slope",
                 "forecast_quarter", "forecast", "quarters_until_out", "computed_at"]


def _insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """INSERT ``rows`` (values in the order of ``fields``, as the database takes them).
    ``bulk_create`` would prepare each value through its field, which cost the nightly
    run more time than the trend maths at a thousand accounts; the caller passes plain
    numbers, text, booleans, None and datetimes, and prepares the rest once."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY takes about a third of the time of multi-row INSERTs, whose values
            # psycopg quotes one by one and PostgreSQL then parses.
            text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))
            return
        row_sql = f"({', '.join(['%s'] * len(fields))})"
        per_statement = min(1000, (connection.features.max_query_params or 10_000) // len(fields))
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(batch))}",
                           [value for row in batch for value in row])


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)  # a float's str is its exact shortest form


def _trend_facts(metrics: dict[int, JudgingMetric], results) -> dict[int, TrendFacts]:
    """The trend facts of each of ``metrics`` with a figure among ``results``."""
    return {
        metric_id: trend_facts(history, is_green=partial(in_green_zone, metrics[metric_id]),
                               higher_is_better=metrics[metric_id].direction == Direction.HIGHER)
        for metric_id, history in _figures(results)
    }


def _figures(results):
    """The data owner's figures among ``results``: for each metric with any, its id and
    its (quarter, figure) pairs. One metric's at a time: the nightly run keeps few objects
    alive, which spares Python's garbage collector."""
    # Chosen and converted to floats in the database, and read with a plain cursor: the
    # trend maths works in floats, and the ORM's per-value converters cost more than the
    # maths (bench/results.md times this against a raw read).
    figure = Case(When(metric__data_owner=Side.HOME, then=F("home_value")), default=F("partner_value"))
    rows = results.annotate(figure=figure).filter(figure__isnull=False).order_by("metric_id").values_list(
        "metric_id", "quarter", Cast("figure", FloatField())
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for metric_id, group in groupby(cursor.fetchall(), key=itemgetter(0)):
            yield metric_id, [(parse_stored_quarter(quarter), value) for _, quarter, value in group]

