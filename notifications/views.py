from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/inbox.html", {"notifications": selectors.inbox(request.user)})


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_for_user(request.user, pk)
    services.notification_mark_read(notification=notification)
    if request.POST.get("open") and notification.link:
        # The link goes through the account's access rules like any other visit.
        return redirect(notification.link)
    return redirect("notifications:inbox")


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notifications:inbox")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.email_preferences_set(user=request.user, emailed_kinds=set(request.POST.getlist("email")))
        messages.success(request, "Your e-mail preferences are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {
        "kinds": selectors.email_preferences(request.user), "has_email": bool(request.user.email),
    })
