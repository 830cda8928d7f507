"""``python -m bench.seed --accounts N --quarters Q``: build the benchmark data (``bench.data``)
in the bench database, then compute trends and health as the nightly job does.

It refuses to run anywhere but the bench database (``config.settings.bench``, its default
settings, which ``make bench`` uses), so a thousand generated accounts never land in a
real or demo database. Running it again adds nothing; a larger ``--accounts`` completes
the set. It is a script of the benchmark rather than a management command so that no app
has to know the benchmark exists.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def main(argv: list[str]) -> None:
    """Seed as the command line ``argv`` asks; Django is set up already. Exits with a
    message when the settings or the database are not the bench's."""
    from django.conf import settings

    from portfolio.services import accounts_recompute_all

    from .data import BenchSeedRefused, seed_bench

    parser = argparse.ArgumentParser(
        prog="python -m bench.seed",
        description="Build the benchmark data (default: 1,000 partner accounts, 40 quarters) with bulk inserts.",
    )
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--no-recompute", action="store_true",
                        help="Skip computing trends and health (the benchmark times that step itself).")
    parser.add_argument("--verbose", action="store_true", help="Report progress after every batch of accounts.")
    options = parser.parse_args(argv)
    if not getattr(settings, "TANDEM_BENCH", False):
        sys.exit("python -m bench.seed writes the benchmark scale and runs only against the bench database: "
                 "use DJANGO_SETTINGS_MODULE=config.settings.bench (make bench does).")
    if options.accounts < 1 or options.quarters < 1:
        parser.error("--accounts and --quarters must be at least 1.")
    started = time.perf_counter()

    def progress(done, total):
        if options.verbose or done == total:
            print(f"  {done}/{total} new accounts", flush=True)

    try:
        report = seed_bench(accounts=options.accounts, quarters=options.quarters, progress=progress)
    except BenchSeedRefused as exc:
        sys.exit(str(exc))
    seeded = time.perf_counter() - started
    rows = ", ".join(f"{count:,} {name}" for name, count in report.rows.items()) or "nothing new"
    print(f"Seeded {report.created_accounts} new accounts in {seeded:.1f} s ({rows}); "
          f"{report.total_accounts} bench accounts, {report.quarters} quarters each.")
    if report.created_accounts and not options.no_recompute:
        started = time.perf_counter()
        count = accounts_recompute_all()
        print(f"Trends and health computed for {count} accounts in {time.perf_counter() - started:.1f} s.")
    print(f"bench.seed: {seeded:.1f} s")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    main(sys.argv[1:])
