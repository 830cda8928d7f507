"""Seed the benchmark scale into the bench database (see ``portfolio.bench_seed``).

It refuses to run anywhere but the bench database (``config.settings.bench``, which
``make bench`` uses), so a thousand generated accounts never land in a real or demo
database. Running it again adds nothing; a larger ``--accounts`` completes the set.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portfolio import services
from portfolio.bench_seed import BenchSeedRefused, seed_bench


class Command(BaseCommand):
    help = "Build the benchmark data (default: 1,000 partner accounts, 40 quarters) with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=1000)
        parser.add_argument("--quarters", type=int, default=40)
        parser.add_argument("--no-recompute", action="store_true",
                            help="Skip computing trends and health (the benchmark times that step itself).")

    def handle(self, *args, accounts, quarters, no_recompute, **options):
        if not getattr(settings, "TANDEM_BENCH", False):
            raise CommandError(
                "seed_bench writes the benchmark scale and runs only against the bench database: "
                "use DJANGO_SETTINGS_MODULE=config.settings.bench (make bench does)."
            )
        if accounts < 1 or quarters < 1:
            raise CommandError("--accounts and --quarters must be at least 1.")
        started = time.perf_counter()

        def progress(done, total):
            if options["verbosity"] > 1 or done == total:
                self.stdout.write(f"  {done}/{total} new accounts")

        try:
            report = seed_bench(accounts=accounts, quarters=quarters, progress=progress)
        except BenchSeedRefused as exc:
            raise CommandError(str(exc)) from None
        seeded = time.perf_counter() - started
        rows = ", ".join(f"{count:,} {name}" for name, count in report.rows.items()) or "nothing new"
        self.stdout.write(f"Seeded {report.created_accounts} new accounts in {seeded:.1f} s ({rows}); "
                          f"{report.total_accounts} bench accounts, {report.quarters} quarters each.")
        if report.created_accounts and not no_recompute:
            started = time.perf_counter()
            count = services.accounts_recompute_all()
            self.stdout.write(f"Trends and health computed for {count} accounts in "
                              f"{time.perf_counter() - started:.1f} s.")
        self.stdout.write(self.style.SUCCESS(f"seed_bench: {seeded:.1f} s"))
