"""Back up the database (and the embedded broker's queued tasks) into one archive."""

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.backup import backup_write


class Command(BaseCommand):
    help = "Write a backup archive (.tar.gz) of the database and the embedded broker; safe while Tandem runs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(settings.DATA_DIR / "backups") + "/",
            help="A file, a folder to name one in (default: DATA_DIR/backups/), or - for standard output.",
        )

    def handle(self, *args, output, **options):
        # With the archive on standard output, what is said to the person goes to stderr.
        say = self.stderr if output == "-" else self.stdout
        where = backup_write(output)
        say.write(self.style.SUCCESS(f"Backup written to {where}."))
