"""Restore a backup archive written by `manage.py backup`."""

from django.core.management.base import BaseCommand

from accounts.backup import backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database (and the embedded broker's queued tasks) with a backup's. Refuses an archive "
        "that is damaged or from the other database engine, and a database that already holds data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The backup archive, or - to read it from standard input.")
        parser.add_argument("--force", action="store_true", help="Replace a database that already holds data.")

    def handle(self, *args, archive, force, **options):
        for note in backup_restore(archive, force=force):
            self.stdout.write(self.style.SUCCESS(note))
