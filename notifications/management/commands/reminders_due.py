"""Show the reminders that are due, without sending anything."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from notifications.reminders import kind_label
from notifications.services import reminders_due


class Command(BaseCommand):
    help = "List the reminders due today (or on --date), without sending them."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to ask about, as YYYY-MM-DD (default: today).")
        parser.add_argument("--include-sent", action="store_true", help="Also list reminders already sent.")

    def handle(self, *args, date=None, include_sent=False, **options):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date must look like 2026-04-02, not {date!r}.") from exc
        due = reminders_due(today, include_sent=include_sent)
        users = User.objects.in_bulk({r.user_id for r in due})
        if not due:
            self.stdout.write(f"No reminders due on {today}.")
            return
        self.stdout.write(f"{len(due)} reminder{'s' if len(due) != 1 else ''} due on {today}:")
        for reminder in sorted(due, key=lambda r: (r.kind, r.subject_key, r.user_id)):
            user = users.get(reminder.user_id)
            self.stdout.write(
                f"  {kind_label(reminder.kind)} [{reminder.period}] → {user.username if user else reminder.user_id}"
                f" <{user.email if user else ''}>: {reminder.title} ({reminder.link})"
            )
