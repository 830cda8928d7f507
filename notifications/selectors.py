"""Reads for the inbox and the bell."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User

from .models import EmailOptOut, Notification
from .reminders import registered_kinds

INBOX_SIZE = 100


def notification_for_user(user: User, pk: int) -> Notification:
    """One of this person's notifications, or 404: anybody else's is not found."""
    return get_object_or_404(Notification.objects.for_user(user), pk=pk)


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.for_user(user).select_related("account")[:INBOX_SIZE]


def unread_count(user: User) -> int:
    return Notification.objects.for_user(user).unread().count()


def email_preferences(user: User) -> list[tuple[object, bool]]:
    """Each registered kind and whether this person gets it by e-mail."""
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [(kind, kind.key not in off) for kind in registered_kinds()]
