from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from . import selectors, services, tokens
from .access import can_create_accounts, get_account_access
from .concurrency import EditConflict
from .forms import AccountForm, ApiTokenForm, MembershipForm

NEW_KEY = "new_api_key"


def _portfolio_url() -> str | None:
    try:
        return reverse("portfolio:index")
    except NoReverseMatch:
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    portfolio_url = _portfolio_url()
    if request.user.is_portfolio_viewer and portfolio_url:
        return redirect(portfolio_url)
    cards = selectors.my_account_cards(request.user)
    return render(request, "accounts/home.html", {"cards": cards})


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    account = access.account
    context = {
        "access": access,
        "account": account,
        "level_changes": account.level_changes.select_related("changed_by")[:20],
        "people": selectors.account_people(account) if access.can_see_internal else
        selectors.account_people(account).filter(side=access.side),
    }
    return render(request, "accounts/overview.html", context)


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    if not can_create_accounts(request.user):
        raise PermissionDenied
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("level_note")
        account = services.account_create(by=request.user, **data)
        messages.success(request, f"Account “{account}” created.")
        return redirect(account)
    return render(request, "accounts/account_form.html", {"form": form, "creating": True})


@login_required
def account_edit(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_edit_account)
    account = access.account
    form = AccountForm(request.POST or None, instance=account)
    if not access.is_administrator:
        # Account managers edit the details; the address and type are the administrators'.
        for name in ("slug", "kind"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data if name != "level_note"}
        try:
            services.account_update(
                account=account, by=request.user, level_note=form.cleaned_data["level_note"], **data
            )
        except EditConflict as exc:
            form.show_conflict(exc)
        else:
            messages.success(request, "Account details saved.")
            return redirect(account)
    return render(request, "accounts/account_form.html", {"form": form, "account": account, "access": access},
                  status=form.status)


def _save_membership(request: HttpRequest, form: MembershipForm):
    """Save through the service; rules the form cannot see (one champion per side, a
    partner user in one account only) come back as messages on the form."""
    try:
        return services.membership_save(membership=form.instance, by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@login_required
def memberships(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_manage_memberships)
    account = access.account
    form = MembershipForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid() and (membership := _save_membership(request, form)):
        messages.success(request, f"{membership.user} now has access as {membership.get_role_display()}.")
        return redirect("accounts:memberships", slug=account.slug)
    context = {
        "access": access,
        "account": account,
        "form": form,
        "people": selectors.account_people(account),
    }
    return render(request, "accounts/memberships.html", context)


@login_required
def membership_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_manage_memberships)
    membership = get_object_or_404(access.account.memberships, pk=pk)
    form = MembershipForm(request.POST or None, instance=membership, account=access.account)
    if request.method == "POST" and form.is_valid() and _save_membership(request, form):
        messages.success(request, f"{membership.user}'s access changed.")
        return redirect("accounts:memberships", slug=access.account.slug)
    return render(
        request, "accounts/membership_form.html",
        {"access": access, "account": access.account, "form": form, "membership": membership},
    )


@require_POST
@login_required
def membership_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_manage_memberships)
    membership = get_object_or_404(access.account.memberships.select_related("user"), pk=pk)
    services.membership_remove(membership=membership, by=request.user)
    messages.success(request, f"{membership.user} no longer has access to {access.account}.")
    return redirect("accounts:memberships", slug=access.account.slug)


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_account_access(request.user, slug)
    access.require(access.can_see_internal)
    return render(
        request, "accounts/history.html",
        {"access": access, "account": access.account, "entries": selectors.account_history(access.account)},
    )




@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Your personal API tokens: make one (its key is shown this once), see and revoke them.

    After making a token the page redirects (so a reload makes no second token) and shows
    the key from the session, removing it there as it does."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = tokens.token_create(user=request.user, name=form.cleaned_data["name"])
        request.session[NEW_KEY] = key
        messages.success(request, f"Token “{token.name}” made. Copy its key now: it is not shown again.")
        return redirect("api_tokens")
    response = render(request, "accounts/api_tokens.html", {
        "form": form, "new_key": request.session.pop(NEW_KEY, None), "tokens": tokens.tokens_of(request.user),
        "docs_url": reverse("api:docs"),
    })
    response["Cache-Control"] = "no-store"  # the page may hold a key
    return response


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)
    tokens.token_revoke(token=token, by=request.user)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api_tokens")
