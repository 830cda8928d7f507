"""Seed the demo: people, partner accounts and every app's demo data.

It lives in the portfolio app because that is the one app allowed to know all others.
Running it twice duplicates nothing.
"""

from django.core.management.base import BaseCommand

from accounts import demo as accounts_demo
from dashboards import demo as dashboards_demo
from notifications.tasks import send_due_reminders
from plans import demo as plans_demo
from portfolio import services as portfolio_services
from scorecards import demo as scorecards_demo
from surveys import demo as surveys_demo


class Command(BaseCommand):
    help = "Create (or complete) the Tandem demo. Safe to run again."

    def handle(self, *args, **options):
        accounts = accounts_demo.seed_accounts()
        results = dashboards_demo.seed_results(accounts.values())
        self.stdout.write(f"Dashboards: {results} new quarterly results.")
        scorecards = scorecards_demo.seed_scorecards(accounts)
        plans = plans_demo.seed_plans(accounts)
        self.stdout.write(f"Plans: {plans} new What-Who-When plans.")
        surveys = surveys_demo.seed_surveys(accounts)
        self.stdout.write(f"Surveys: {surveys} new closed survey rounds.")
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(accounts)} partner accounts, {scorecards} new champion scorecards."
        ))
        # Trends and health now, so the first page view has them; afterwards the worker
        # keeps them fresh (after each save, and nightly).
        recomputed = portfolio_services.accounts_recompute_all()
        self.stdout.write(f"Trends and health computed for {recomputed} accounts.")
        self._send_reminders()
        self.stdout.write("")
        self.stdout.write(f"Sign in at http://127.0.0.1:8000/login/ with password “{accounts_demo.DEMO_PASSWORD}” as:")
        for spec in accounts_demo.DEMO_USERS:
            self.stdout.write(f"  {spec.username:<6} {spec.description}")

    def _send_reminders(self):
        """The reminders for the quarter that just ended go to the worker, as beat's daily
        run would send them (their e-mails appear in the worker's console). Claims make
        this idempotent: seeding again sends nothing new."""
        try:
            send_due_reminders.delay()
        except Exception as exc:  # noqa: BLE001 — no broker: send them here instead
            self.stdout.write(f"Could not reach the task queue ({exc}); sending the reminders directly.")
            sent = send_due_reminders.apply().get()
            self.stdout.write(f"Reminders: {sent} sent.")
        else:
            self.stdout.write("Reminders for the quarter that just ended are queued for the worker.")
