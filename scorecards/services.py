"""Writes to dimensions, assessments and quarter releases. Views (and later the API)
call these, never the ORM. Every change is kept in history with who made it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.access import AccountAccess
from accounts.concurrency import EditConflict, save_checked
from accounts.models import PartnerAccount, User
from accounts.quarters import Quarter
from accounts.signals import account_figures_changed

from .models import Assessment, Dimension, QuarterRelease, Rating

DEFAULT_DIMENSIONS = [
    ("Performance against the dashboard goals", "How well we meet the jointly agreed metrics."),
    ("Communication and transparency", "Open, timely and honest exchange of information."),
    ("Trust", "We rely on each other's word and act in good faith."),
    ("Win-win", "Both firms gain, and the gains are shared fairly."),
    ("Shared strategy and future focus", "We plan the future together, not only the next order."),
    ("Alignment", "Goals, priorities and ways of working fit together across functions."),
    ("Executive engagement", "Senior leaders on both sides are visibly involved."),
    ("Progress on joint initiatives", "Joint projects move forward as agreed."),
]


class AssessmentLocked(ValidationError):
    """A submitted assessment cannot change until an administrator reopens it."""


class AssessmentConflict(EditConflict):
    """The assessment was saved from another window (or by a script) since this form was
    opened, or the API client read it. ``theirs`` is the assessment as saved; its
    ``revision`` is its version."""

    @property
    def their_version(self) -> int:
        return self.theirs.revision


@dataclass(frozen=True)
class EditStamp:
    """What an open form knows: its own random ``editor`` id, and the assessment's
    revision when the form was opened (or last taken over). An API client has no editor
    id: the revision it read is all it knows."""

    editor: str
    revision: int


@dataclass(frozen=True)
class RatingInput:
    colour: int | None = None
    comment: str = ""
    action: str = ""


# --- dimensions ---------------------------------------------------------------------


@transaction.atomic
def dimensions_apply_defaults(*, account: PartnerAccount, by: User | None = None) -> list[Dimension]:
    """Give an account the default dimensions (DESIGN §3). Adds only missing names, so
    it is safe to run again."""
    existing = set(Dimension.objects.filter(account=account).values_list("name", flat=True))
    created = []
    for position, (name, description) in enumerate(DEFAULT_DIMENSIONS, start=1):
        if name not in existing:
            created.append(_dimension_save(Dimension(account=account, name=name, description=description,
                                                     position=position), by=by))
    return created


def _dimension_save(dimension: Dimension, *, by: User | None) -> Dimension:
    # Two people adding (or renaming to) the same name at once: the second is told, like one after.
    return save_checked(dimension, by=by)


@transaction.atomic
def dimension_create(*, account: PartnerAccount, by: User, name: str, description: str = "") -> Dimension:
    last = Dimension.objects.filter(account=account).aggregate(last=Max("position"))["last"] or 0
    return _dimension_save(
        Dimension(account=account, name=name.strip(), description=description.strip(), position=last + 1), by=by
    )


@transaction.atomic
def dimension_update(*, dimension: Dimension, by: User, name: str, description: str = "") -> Dimension:
    dimension.name, dimension.description = name.strip(), description.strip()
    return _dimension_save(dimension, by=by)


@transaction.atomic
def dimension_set_retired(*, dimension: Dimension, by: User, retired: bool) -> Dimension:
    """Retire a dimension (not offered in new assessments, kept in old ones) or restore it."""
    dimension.retired = retired
    return _dimension_save(dimension, by=by)


@transaction.atomic
def dimension_move(*, dimension: Dimension, by: User, up: bool) -> None:
    """Swap a dimension with its neighbour among the account's active dimensions."""
    siblings = list(
        Dimension.objects.select_for_update().filter(account_id=dimension.account_id, retired=False)
        .order_by("position", "pk")
    )
    index = next(i for i, d in enumerate(siblings) if d.pk == dimension.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            _dimension_save(sibling, by=by)


# --- assessments --------------------------------------------------------------------


def _writable_assessment(access: AccountAccess, quarter: Quarter, stamp: EditStamp | None = None) -> Assessment:
    """The user's side's assessment for the quarter, locked for this transaction; created
    as a draft on first save, also when another first save races it. Refuses anyone but
    that side's champion, and a ``stamp`` older than another window's, device's or
    script's save — whichever form saves keeps saving. Without a stamp (the services'
    own callers) nothing is checked."""
    side = access.side
    if not access.can_write_scorecard_for(side):
        raise PermissionDenied("Only this side's executive champion writes its scorecard.")
    if quarter > Quarter.current():
        raise ValidationError("A quarter can be assessed once it has started.")
    mine = Assessment.objects.select_for_update().filter(account=access.account, quarter=quarter, side=side)
    assessment, created = mine.first(), False
    if assessment is None:
        assessment = Assessment(account=access.account, quarter=quarter, side=side, champion=access.user)
        assessment._history_user = access.user
        assessment.full_clean(validate_unique=False, validate_constraints=False)  # the insert decides
        try:
            with transaction.atomic():
                assessment.save()
            created = True
        except IntegrityError:
            # Another first save of this draft came first: this save is now one over it.
            assessment = mine.get()
    if assessment.is_submitted:
        raise AssessmentLocked(
            f"Your {quarter} scorecard was submitted on {timezone.localtime(assessment.submitted_at):%d %b %Y} "
            "and is locked. Ask an administrator to reopen it if it must change."
        )
    # A form's own saves move the revision on; any other save since the stamp's revision
    # (another window, or a script, which has no editor id) is a conflict.
    saved_last = stamp is not None and stamp.editor != "" and stamp.editor == assessment.editor
    if stamp is not None and not created and stamp.revision != assessment.revision and not saved_last:
        raise AssessmentConflict(theirs=assessment, at=assessment.updated_at, message=(
            f"Your {quarter} scorecard was changed in another window or by a script at "
            f"{timezone.localtime(assessment.updated_at):%H:%M}, after this page was opened."
        ))
    return assessment


def _stamp_saved(assessment: Assessment, stamp: EditStamp | None) -> None:
    """Count the save and remember which form made it, without a history record each
    time (the ratings themselves are in history whenever they change)."""
    assessment.updated_at = timezone.now()
    assessment.revision += 1
    assessment.editor = stamp.editor if stamp else ""
    Assessment.objects.filter(pk=assessment.pk).update(
        updated_at=assessment.updated_at, revision=assessment.revision, editor=assessment.editor
    )


def _save_ratings(assessment: Assessment, ratings: dict[int, RatingInput], by: User) -> None:
    dimensions = {d.pk: d for d in Dimension.objects.filter(account_id=assessment.account_id, pk__in=list(ratings))}
    existing = {r.dimension_id: r for r in assessment.ratings.all()}
    for dimension_id, given in ratings.items():
        if dimension_id not in dimensions:
            raise ValidationError("That dimension does not belong to this account.")
        rating = existing.get(dimension_id) or Rating(assessment=assessment, dimension_id=dimension_id)
        if rating.pk and (rating.colour, rating.comment, rating.action) == (given.colour, given.comment, given.action):
            continue
        rating.colour, rating.comment, rating.action = given.colour, given.comment, given.action
        rating._history_user = by
        rating.full_clean()
        rating.save()


@transaction.atomic
def assessment_save_draft(
    *, access: AccountAccess, quarter: Quarter, ratings: dict[int, RatingInput], stamp: EditStamp | None = None
) -> Assessment:
    """Save what the champion has so far; incomplete is fine in a draft."""
    assessment = _writable_assessment(access, quarter, stamp)
    _save_ratings(assessment, ratings, access.user)
    _stamp_saved(assessment, stamp)
    return assessment


@transaction.atomic
def assessment_submit(
    *, access: AccountAccess, quarter: Quarter, ratings: dict[int, RatingInput] | None = None,
    stamp: EditStamp | None = None,
) -> Assessment:
    """Save and lock the champion's assessment. Every active dimension needs a colour."""
    assessment = _writable_assessment(access, quarter, stamp)
    if ratings:
        _save_ratings(assessment, ratings, access.user)
    coloured = set(assessment.ratings.filter(colour__isnull=False).values_list("dimension_id", flat=True))
    missing = Dimension.objects.filter(account=access.account, retired=False).exclude(pk__in=coloured)
    if missing.exists():
        names = ", ".join(d.name for d in missing)
        raise ValidationError(f"Choose a colour for every dimension before submitting. Missing: {names}.")
    assessment.status = Assessment.Status.SUBMITTED
    assessment.revision += 1
    assessment.submitted_at = timezone.now()
    assessment.champion = access.user
    assessment._history_user = access.user
    assessment.full_clean()
    assessment.save()
    account_figures_changed.send(sender=Assessment, account_id=assessment.account_id)
    return assessment


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, by: User, reason: str = "") -> Assessment:
    """Unlock a submitted assessment. Only administrators may; the reopening is kept in
    the assessment's history with who, when and why."""
    if not by.is_administrator:
        raise PermissionDenied("Only an administrator can reopen a submitted scorecard.")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not assessment.is_submitted:
        raise ValidationError("This scorecard is not submitted, so there is nothing to reopen.")
    assessment.status = Assessment.Status.DRAFT
    assessment.submitted_at = None
    assessment._history_user = by
    assessment._change_reason = f"Reopened by an administrator{': ' + reason if reason else ''}"
    assessment.full_clean()
    assessment.save()
    return assessment


@transaction.atomic
def quarter_release(*, account: PartnerAccount, quarter: Quarter, by: User, reason: str = "") -> QuarterRelease:
    """Lift the blind rule for a quarter in which one champion never submits: each side
    then sees what the other submitted."""
    if not by.is_administrator:
        raise PermissionDenied("Only an administrator can release a quarter.")
    if QuarterRelease.objects.filter(account=account, quarter=quarter).exists():
        raise ValidationError(f"{quarter} is already released.")
    if not Assessment.objects.filter(account=account, quarter=quarter, status="submitted").exists():
        raise ValidationError(f"Nobody has submitted a scorecard for {quarter} yet; there is nothing to release.")
    release = QuarterRelease(account=account, quarter=quarter, released_by=by, reason=reason)
    release._history_user = by
    release.full_clean()
    release.save()
    return release
