from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.access import AccountAccess, get_account_access
from accounts.concurrency import EditConflict, removal

from . import selectors, services
from .forms import (
    ActionForm,
    ActionProgressForm,
    AgendaItemForm,
    DecisionForm,
    MakeActionForm,
    MeetingForm,
    MinutesForm,
    PlanSettingsForm,
    RosterEntryForm,
    TopicForm,
    add_service_errors,
)
from .models import Meeting, RosterEntry

log = logging.getLogger(__name__)


def _editor(request: HttpRequest, slug: str) -> AccountAccess:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_plan)
    return access


def _context(access: AccountAccess, **extra) -> dict:
    return {"access": access, "account": access.account, **extra}


def _plan_redirect(access: AccountAccess, anchor: str = ""):
    response = redirect("plans:plan", slug=access.account.slug)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug, select_related=("plan_settings",))
    settings = selectors.plan_settings_for(access.account)
    review_overdue = settings.next_review_on is not None and settings.next_review_on < timezone.localdate()
    return render(request, "plans/plan.html", _context(
        access, settings=settings, review_overdue=review_overdue,
        plan=selectors.plan_for(access, all_done=request.GET.get("done") == "all")))


@login_required
def plan_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = _editor(request, slug)
    form = PlanSettingsForm(request.POST or None, instance=selectors.plan_settings_for(access.account))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_settings_update(account=access.account, by=request.user, version=form.instance.version,
                                          **form.cleaned_data)
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Review cadence and hard questions saved.")
            return _plan_redirect(access)
    return render(request, "plans/settings_form.html", _context(access, form=form), status=form.status)


# --- who --------------------------------------------------------------------------------


@login_required
def roster(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    form = RosterEntryForm(account=access.account) if access.can_edit_plan else None
    return render(request, "plans/roster.html",
                  _context(access, sides=selectors.roster_sides(access.account), form=form))


@login_required
def roster_entry_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    access = _editor(request, slug)
    try:
        entry = selectors.roster_entry_for(access, pk) if pk else None
    except Http404:
        if request.method == "POST":
            return _roster_entry_removed(request, access, pk)
        raise
    form = RosterEntryForm(request.POST or None, instance=entry, account=access.account)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.roster_entry_save(entry=form.instance, by=request.user)
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{entry.name} is on the roster as {entry.get_role_display().lower()}.")
            return redirect("plans:roster", slug=slug)
    return render(request, "plans/roster_form.html", _context(access, form=form, entry=entry), status=form.status)


def _roster_entry_removed(request: HttpRequest, access: AccountAccess, pk: int) -> HttpResponse:
    """A save of a roster entry someone removed since the form was opened: who removed it
    when, with what was typed, ready to add the person again."""
    removed = removal(RosterEntry, pk, account_id=access.account.pk, what="this person's roster entry")
    if removed is None:
        raise Http404("No such roster entry.")
    form = RosterEntryForm(request.POST, account=access.account)
    form.is_valid()
    form.show_conflict(removed)
    return render(request, "plans/roster_form.html", _context(
        access, form=form, entry=None, form_action=reverse("plans:roster_add", args=[access.account.slug])),
        status=form.status)


@require_POST
@login_required
def roster_entry_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _editor(request, slug)
    entry = selectors.roster_entry_for(access, pk)
    try:
        services.roster_entry_remove(entry=entry, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{entry.name} is no longer on the roster.")
    return redirect("plans:roster", slug=slug)


# --- what -------------------------------------------------------------------------------


@login_required
def topic_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    access = _editor(request, slug)
    topic = selectors.topic_for(access, pk) if pk else None
    form = TopicForm(request.POST or None, instance=topic, account=access.account)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_save(topic=form.instance, by=request.user, owners=form.cleaned_data["owners"])
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{topic}” saved ({topic.get_status_display().lower()}).")
            return _plan_redirect(access, "topics")
    return render(request, "plans/topic_form.html", _context(access, form=form, topic=topic), status=form.status)


@require_POST
@login_required
def topic_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _editor(request, slug)
    topic = selectors.topic_for(access, pk)
    try:
        services.topic_move(topic=topic, by=request.user, status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{topic}” is now: {topic.get_status_display().lower()}.")
    return _plan_redirect(access, "topics")


@login_required
def action_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    access = _editor(request, slug)
    action = selectors.action_for(access, pk) if pk else None
    initial = {}
    topic = request.GET.get("topic", "")
    if action is None and topic.isascii() and topic.isdigit():
        initial["topic"] = topic
    form = ActionForm(request.POST or None, instance=action, account=access.account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_save(action=form.instance, by=request.user)
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Action “{action}” saved for {action.owner.name}.")
            return _plan_redirect(access, "actions")
    return render(request, "plans/action_form.html", _context(access, form=form, action=action), status=form.status)


@login_required
def action_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The owner's update: status and a progress note."""
    access = get_account_access(request.user, slug)
    action = selectors.action_for(access, pk)
    access.require(access.can_update_action(action.owner.user_id))
    form = ActionProgressForm(request.POST or None, instance=action)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update_progress(action=action, by=request.user, status=form.cleaned_data["status"],
                                            note=form.cleaned_data["note"])
        except EditConflict as exc:
            form.show_conflict(exc)
        else:
            messages.success(request, f"“{action}” is now {action.get_status_display().lower()}.")
            return _plan_redirect(access, "actions")
    return render(request, "plans/action_progress.html", _context(access, form=form, action=action),
                  status=form.status)


# --- when -------------------------------------------------------------------------------


@login_required
def meeting_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    access = _editor(request, slug)
    meeting = selectors.meeting_for(access, pk) if pk else None
    initial = {}
    if meeting is None:
        settings = selectors.plan_settings_for(access.account)
        initial = {"held_on": settings.next_review_on, "kind": request.GET.get("kind", Meeting.Kind.QUARTERLY_REVIEW)}
    form = MeetingForm(request.POST or None, instance=meeting, account=access.account, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_save(meeting=form.instance, by=request.user,
                                            attendees=form.cleaned_data["attendees"])
        except EditConflict as exc:
            form.show_conflict(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{meeting} scheduled." if pk is None else f"{meeting} saved.")
            return redirect("plans:meeting", slug=slug, pk=meeting.pk)
    return render(request, "plans/meeting_form.html", _context(access, form=form, meeting=meeting),
                  status=form.status)


@login_required
def meeting(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    meeting = selectors.meeting_detail(access, pk)
    context = _context(access, meeting=meeting)
    if access.can_edit_plan:
        if meeting.kind == Meeting.Kind.QUARTERLY_REVIEW:
            data = selectors.review_data(access, meeting)
            present = {item.title for item in meeting.agenda_items.all()}
            context["proposed"] = [p for p in selectors.proposed_agenda(data) if p.title not in present]
            context["review_quarter"] = data.quarter
        context.update(
            agenda_form=AgendaItemForm(), minutes_form=MinutesForm(instance=meeting),
            decision_form=DecisionForm(account=access.account),
            make_action_form=MakeActionForm(account=access.account),
        )
        # Every decision without an action offers the same owners: ask the database once.
        context["owner_choices"] = list(context["make_action_form"].fields["owner"].choices)[1:]
    return render(request, "plans/meeting.html", context)


def _meeting_for_editor(request: HttpRequest, slug: str, pk: int) -> tuple[AccountAccess, Meeting]:
    access = _editor(request, slug)
    return access, selectors.meeting_for(access, pk)


@require_POST
@login_required
def agenda_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, meeting = _meeting_for_editor(request, slug, pk)
    proposed = selectors.proposed_agenda(selectors.review_data(access, meeting))
    added = services.agenda_accept(meeting=meeting, by=request.user, proposed=proposed)
    messages.success(request, f"Added {len(added)} proposed item{'s' if len(added) != 1 else ''} to the agenda.")
    return redirect("plans:meeting", slug=slug, pk=pk)


@require_POST
@login_required
def agenda_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, meeting = _meeting_for_editor(request, slug, pk)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        services.agenda_item_add(meeting=meeting, by=request.user, **form.cleaned_data)
        messages.success(request, "Agenda item added.")
    else:
        messages.error(request, "An agenda item needs a title.")
    return redirect("plans:meeting", slug=slug, pk=pk)


@require_POST
@login_required
def agenda_remove(request: HttpRequest, slug: str, pk: int, item: int) -> HttpResponse:
    access, meeting = _meeting_for_editor(request, slug, pk)
    found = meeting.agenda_items.filter(pk=item).first()
    if found is None:
        raise Http404("No such agenda item.")
    services.agenda_item_remove(item=found, by=request.user)
    messages.success(request, f"“{found}” removed from the agenda.")
    return redirect("plans:meeting", slug=slug, pk=pk)


@require_POST
@login_required
def minutes(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, meeting = _meeting_for_editor(request, slug, pk)
    form = MinutesForm(request.POST, instance=meeting)
    if form.is_valid():
        try:
            services.meeting_record_minutes(meeting=meeting, by=request.user, minutes=form.cleaned_data["minutes"],
                                            internal_notes=form.cleaned_data["internal_notes"])
        except EditConflict as exc:
            form.show_conflict(exc)
            return _meeting_with_errors(request, access, pk, status=409, minutes_form=form)
        messages.success(request, "Minutes saved.")
        return redirect("plans:meeting", slug=slug, pk=pk)
    return _meeting_with_errors(request, access, pk, minutes_form=form)


def _meeting_with_errors(request, access, pk, status: int = 400, **forms) -> HttpResponse:
    """The meeting page again, with the bad (or conflicting) form as typed and its messages
    beside the fields."""
    meeting = selectors.meeting_detail(access, pk)
    context = _context(
        access, meeting=meeting, agenda_form=AgendaItemForm(), minutes_form=MinutesForm(instance=meeting),
        decision_form=DecisionForm(account=access.account), make_action_form=MakeActionForm(account=access.account),
    )
    context.update(forms)
    context["owner_choices"] = list(context["make_action_form"].fields["owner"].choices)[1:]
    return render(request, "plans/meeting.html", context, status=status)


@require_POST
@login_required
def decision_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, meeting = _meeting_for_editor(request, slug, pk)
    form = DecisionForm(request.POST, account=access.account)
    if form.is_valid():
        try:
            decision = services.decision_record(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if decision.action:
                messages.success(request, f"Decision recorded and action created for {decision.action.owner.name}, "
                                          f"due {decision.action.due_on:%d %b %Y}.")
            else:
                messages.success(request, "Decision recorded.")
            return redirect(reverse("plans:meeting", args=[slug, pk]) + "#decisions")
    return _meeting_with_errors(request, access, pk, decision_form=form)


@require_POST
@login_required
def decision_make_action(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = _editor(request, slug)
    decision = selectors.decision_for(access, pk)
    form = MakeActionForm(request.POST, account=access.account)
    if form.is_valid():
        try:
            services.decision_make_action(decision=decision, by=request.user, owner=form.cleaned_data["owner"],
                                          due_on=form.cleaned_data["due_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Action created for {form.cleaned_data['owner'].name}.")
    else:
        messages.error(request, "To make an action, choose an owner and a due date.")
    return redirect("plans:meeting", slug=slug, pk=decision.meeting_id)


def _pdf_stylesheet() -> str:
    """The screen and print styles, read from disk: WeasyPrint fetches nothing over the network."""
    parts = []
    for name in ("css/tandem.css", "css/print.css", "css/pack-pdf.css"):
        path = finders.find(name)
        if path:
            with open(path, encoding="utf-8") as handle:
                parts.append(handle.read())
    return "\n".join(parts)


def _no_fetching(url: str, *args, **kwargs):
    raise ValueError(f"The review pack PDF loads nothing from outside ({url}).")


def _pack_context(request: HttpRequest, slug: str, pk: int) -> dict:
    access = get_account_access(request.user, slug)
    meeting = selectors.meeting_detail(access, pk)
    return _context(access, pack=selectors.review_pack(access, meeting), meeting=meeting)


@login_required
def pack(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return render(request, "plans/pack.html", _pack_context(request, slug, pk))


@login_required
def pack_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The review pack as a PDF. Access is decided first (404/403 as for the page); if the
    PDF cannot be made, the person is sent to the printable page with an explanation."""
    context = _pack_context(request, slug, pk)
    try:
        context["inline_css"] = _pdf_stylesheet()
        html = render_to_string("plans/pack_pdf.html", context, request=request)
        from weasyprint import HTML

        # WeasyPrint warns about every screen-only CSS property it skips; those are expected.
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        pdf = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    except Exception:  # noqa: BLE001 - a missing library or a rendering bug must not become a 500
        log.exception("Review pack PDF failed for meeting %s", pk)
        messages.error(request, "The PDF could not be made just now; print this page instead (Ctrl+P).")
        return redirect("plans:pack", slug=slug, pk=pk)
    meeting = context["meeting"]
    filename = f"review-pack-{slugify(context['account'].name)}-{meeting.held_on:%Y-%m-%d}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

