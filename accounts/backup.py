"""Backup and restore of everything Tandem keeps, as one .tar.gz archive.

The archive holds:

- ``database.sqlite3`` (the embedded default): an online copy made with SQLite's backup
  API, one consistent snapshot even while the web server and the worker write;
- or ``database.pgdump`` (PostgreSQL): ``pg_dump``'s custom format, also one snapshot;
- ``broker/``: the embedded broker's folders (queued tasks), when there is no Redis;
- ``manifest.json``: the engine, the time, each app's last migration and every file's
  SHA-256, so that a damaged or foreign archive is refused before anything is touched.

Tandem stores no uploaded files: imported spreadsheets are read and discarded, PDFs and
exports are made on each request (tests/test_backup.py fails if a model grows a file
field). ``dumpdata``/``loaddata`` is no substitute: it cannot load the history tables.

A restore never leaves a half-restored database. SQLite: the new file is copied beside
the old one and renamed over it, one atomic step. PostgreSQL: ``pg_restore --clean
--if-exists --single-transaction`` drops and recreates every table in one transaction,
so an error rolls everything back; restoring into a new schema instead would need the
dump's ``public.`` names rewritten, and into a new database, rights to create and rename
databases that the application's role need not have.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zlib
from contextlib import closing, contextmanager, suppress
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from psycopg2.extensions import make_dsn

FORMAT = 1
MANIFEST = "manifest.json"
BROKER = "broker"
# Tables that `migrate` fills by itself, and beat's copy of the schedule in settings: a
# database holding rows only there has no data of anyone's to lose.
BOOKKEEPING_TABLES = ("django_migrations", "django_content_type", "auth_permission", "django_celery_beat_")
ENGINE_NAMES = {"sqlite": "the embedded SQLite database", "postgresql": "a PostgreSQL database"}


def backup_write(output: str) -> str:
    """Write the archive to ``output`` (a file, a folder, or ``-`` for standard output);
    answer where it went."""
    database = _current_database()
    if output == "-":
        with tempfile.TemporaryDirectory() as work:
            _collect(database, Path(work))
            _pack(Path(work), fileobj=sys.stdout.buffer)
        return "standard output"
    target = Path(output)
    if output.endswith("/") or target.is_dir():
        stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
        target = target / f"tandem-{database.vendor}-{stamp}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its final name and renamed when complete: never a truncated archive
    # under a backup's name. mkstemp makes it readable by its owner only.
    descriptor, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as work, os.fdopen(descriptor, "wb") as file:
            _collect(database, Path(work))
            _pack(Path(work), fileobj=file)
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)
    return str(target)


def backup_restore(archive: str, *, force: bool) -> list[str]:
    """Replace the database (and the embedded broker's folders) with the archive's;
    answer what the person restoring should know."""
    database = _current_database()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        _unpack(archive, work)
        manifest = _checked_manifest(work, database)
        database.check_dump(work / database.dump_name)
        if not force:
            _refuse_if_holding_data()
        connection.close()
        database.load(work / database.dump_name)
        if (work / BROKER).is_dir() and _local_broker_dir():
            _replace_folder(work / BROKER, _local_broker_dir())
    notes = [f"Restored the backup of {manifest['created_at']} into {database.describe()}."]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        notes.append("The backup predates this version of Tandem: run `make migrate` before starting it.")
    return notes


class SqliteDatabase:
    vendor = "sqlite"
    dump_name = "database.sqlite3"

    def __init__(self, path: str):
        self.path = Path(path)

    def describe(self) -> str:
        return str(self.path)

    def dump(self, target: Path) -> dict[str, str]:
        if not self.path.exists():
            raise CommandError(f"There is no database at {self.path} to back up.")
        with closing(sqlite3.connect(self.path, timeout=20)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)  # in one step: one read transaction, one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            return _last_migrations(copy.cursor())

    def check_dump(self, dump: Path) -> None:
        try:
            with closing(sqlite3.connect(dump)) as copy:
                verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        if verdict != "ok":
            raise CommandError(f"The archive's database is damaged ({verdict}); nothing was changed.")

    def load(self, dump: Path) -> None:
        if self.path.exists():
            self._refuse_if_open()
        staged = self.path.with_name(f".{self.path.name}.restoring")
        shutil.copyfile(dump, staged)
        with open(staged, "rb") as file:
            os.fsync(file.fileno())
        # The old database's journal files would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        os.replace(staged, self.path)

    def _refuse_if_open(self) -> None:
        """Leaving WAL mode needs the only connection to the database: it fails while the
        web server, the worker or beat has it open. It also folds the -wal file in."""
        with closing(sqlite3.connect(self.path, timeout=2)) as current:
            try:
                mode = current.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                if exc.sqlite_errorname != "SQLITE_BUSY":
                    return  # an unreadable file is what a restore is for: it is replaced
                mode = "busy"
        if mode != "delete":
            raise CommandError(
                f"{self.path} is in use: stop Tandem (make run, its worker and beat) before restoring. "
                "Nothing was changed."
            )


class PostgresDatabase:
    vendor = "postgresql"
    dump_name = "database.pgdump"
    # Options that Django reads itself; the rest are libpq's, which pg_dump understands too.
    DJANGO_OPTIONS = {"isolation_level", "assume_role", "server_side_binding", "pool"}

    def __init__(self, config: dict):
        self.config = config

    def describe(self) -> str:
        return f"PostgreSQL database {self.config['NAME']!r} on {self.config.get('HOST') or 'localhost'}"

    def dump(self, target: Path) -> dict[str, str]:
        with _reading_database() as cursor:
            migrations = _last_migrations(cursor)
        self._run("pg_dump", "--format=custom", f"--file={target}")
        return migrations

    def check_dump(self, dump: Path) -> None:
        if shutil.which("pg_restore") is None:
            raise self._missing("pg_restore")
        listing = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
        if listing.returncode != 0:
            raise CommandError(f"The archive's dump is damaged ({listing.stderr.strip()}); nothing was changed.")

    def load(self, dump: Path) -> None:
        # --no-owner/--no-privileges: the tables belong to whoever restores them (the
        # application's role), whatever the role that made the backup was called.
        self._run("pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-privileges",
                  str(dump), failed="Nothing was changed: the restore ran in one transaction, which rolled back.")

    def _run(self, tool: str, *args: str, failed: str = "") -> None:
        if shutil.which(tool) is None:
            raise self._missing(tool)
        self._check_versions(tool)
        env = dict(os.environ)
        if self.config.get("PASSWORD"):
            env["PGPASSWORD"] = self.config["PASSWORD"]  # in the environment, never on the command line
        result = subprocess.run([tool, f"--dbname={self._conninfo()}", *args], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise CommandError(f"{tool} failed:\n{result.stderr.strip()}\n{failed}".strip())

    def _check_versions(self, tool: str) -> None:
        """A newer client writes settings an older server refuses (pg_dump 17 sets
        transaction_timeout, unknown to 16), an older one cannot read a newer server:
        only the server's own major version is sure to round-trip."""
        output = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
        client = re.search(r"(\d+)", output)
        with _reading_database():
            server = connection.pg_version // 10000
        if client is None or int(client.group(1)) != server:
            raise CommandError(
                f"{output.strip() or tool} does not match the PostgreSQL {server} server. Install the client of "
                f"the server's major version (Debian: apt-get install postgresql-client-{server}) and try again."
            )

    def _conninfo(self) -> str:
        """Where Django connects, as libpq parameters (the password aside)."""
        options = {key: value for key, value in self.config.get("OPTIONS", {}).items()
                   if key not in self.DJANGO_OPTIONS}
        params = {"dbname": self.config["NAME"], "host": self.config.get("HOST"), "port": self.config.get("PORT"),
                  "user": self.config.get("USER"), **options}
        return make_dsn(**{key: str(value) for key, value in params.items() if value not in (None, "")})

    @staticmethod
    def _missing(tool: str) -> CommandError:
        return CommandError(
            f"{tool} is not installed. Backups of PostgreSQL use pg_dump and pg_restore: install the client of the "
            "server's major version (Debian: apt-get install postgresql-client)."
        )


def _current_database() -> SqliteDatabase | PostgresDatabase:
    config = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return SqliteDatabase(config["NAME"])
    return PostgresDatabase(config)


@contextmanager
def _reading_database():
    """A cursor on the configured database; one that cannot be reached is a clear
    message, not a traceback."""
    try:
        cursor = connection.cursor()
    except DatabaseError as exc:
        raise CommandError(f"Cannot reach the database: {exc}".strip()) from None
    with cursor:
        yield cursor


def _last_migrations(cursor) -> dict[str, str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(cursor.fetchall())  # later rows overwrite earlier ones: each app's last


def _local_broker_dir() -> Path | None:
    """The embedded broker's folder; None when Redis is the broker."""
    return None if settings.REDIS_URL else Path(settings.CELERY_BROKER_DIR)


def _collect(database: SqliteDatabase | PostgresDatabase, work: Path) -> None:
    """Fill ``work`` with what goes into the archive, the manifest last."""
    migrations = database.dump(work / database.dump_name)
    broker = _local_broker_dir()
    if broker and broker.is_dir():
        for path in sorted(broker.rglob("*")):
            copy = work / BROKER / path.relative_to(broker)
            if path.is_dir():
                copy.mkdir(parents=True, exist_ok=True)
            else:
                copy.parent.mkdir(parents=True, exist_ok=True)
                with suppress(FileNotFoundError):  # the worker took that message meanwhile
                    shutil.copy2(path, copy)
    manifest = {
        "format": FORMAT,
        "engine": database.vendor,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "migrations": migrations,
        "files": {path.relative_to(work).as_posix(): _sha256(path) for path in sorted(work.rglob("*"))
                  if path.is_file()},
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def _pack(work: Path, *, fileobj) -> None:
    with tarfile.open(fileobj=fileobj, mode="w|gz") as tar:
        for path in sorted(work.rglob("*")):
            tar.add(path, arcname=path.relative_to(work).as_posix(), recursive=False)


def _unpack(archive: str, work: Path) -> None:
    """Extract the archive, member by member: plain files and folders inside ``work``
    only, whatever the archive says."""
    if archive != "-" and not Path(archive).is_file():
        raise CommandError(f"No backup file at {archive!r}: name one, e.g. make restore FILE=var/backups/….tar.gz")
    source = sys.stdin.buffer if archive == "-" else open(archive, "rb")  # noqa: SIM115 — closed below
    try:
        with source, tarfile.open(fileobj=source, mode="r|gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                    raise CommandError(f"This is not a Tandem backup (it holds {member.name!r}); nothing was changed.")
                target = work.joinpath(*name.parts)
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as content, open(target, "wb") as file:
                    shutil.copyfileobj(content, file)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        name = "The standard input" if archive == "-" else archive
        raise CommandError(f"{name} is not a readable backup archive ({exc}); nothing was changed.") from None


def _checked_manifest(work: Path, database: SqliteDatabase | PostgresDatabase) -> dict:
    try:
        manifest = json.loads((work / MANIFEST).read_text())
        files = manifest["files"]
        engine = manifest["engine"]
    except (OSError, ValueError, KeyError, TypeError):
        raise CommandError("This archive is not a Tandem backup (it has no readable manifest).") from None
    if manifest.get("format") != FORMAT:
        raise CommandError(f"This backup's format ({manifest.get('format')!r}) is not one this Tandem reads.")
    extracted = {path.relative_to(work).as_posix() for path in work.rglob("*") if path.is_file()} - {MANIFEST}
    damaged = sorted(name for name in extracted | set(files)
                     if name not in files or name not in extracted or _sha256(work / name) != files[name])
    if damaged:
        raise CommandError(f"The archive is damaged: {', '.join(damaged)} missing or altered. Nothing was changed.")
    if engine != database.vendor:
        raise CommandError(
            f"This backup holds {ENGINE_NAMES.get(engine, engine)}, but this Tandem uses "
            f"{ENGINE_NAMES[database.vendor]} (DATABASE_URL). Moving between engines is not supported: restore it "
            "with DATABASE_URL set as when it was made. Nothing was changed."
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = [f"{app}.{name}" for app, name in manifest.get("migrations", {}).items() if (app, name) not in known]
    if unknown:
        raise CommandError(
            f"This backup comes from a newer Tandem (its database has migrations this code lacks: "
            f"{', '.join(unknown)}). Restore it with that version. Nothing was changed."
        )
    return manifest


def _refuse_if_holding_data() -> None:
    try:
        with connection.cursor() as cursor:
            holding = [table for table in connection.introspection.table_names(cursor)
                       if not table.startswith(BOOKKEEPING_TABLES) and _has_rows(cursor, table)]
    except DatabaseError as exc:
        raise CommandError(
            f"The current database cannot be read ({str(exc).strip()}). If it is damaged, add --force to replace it. "
            "Nothing was changed."
        ) from None
    if holding:
        raise CommandError(
            f"The database already holds data (in {', '.join(holding[:5])}{', …' if len(holding) > 5 else ''}). "
            "A restore replaces all of it: add --force (make restore FILE=… FORCE=1) if that is what you want. "
            "Nothing was changed."
        )


def _has_rows(cursor, table: str) -> bool:
    cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 — the database's own names
    return cursor.fetchone() is not None


def _replace_folder(source: Path, target: Path) -> None:
    staged = target.with_name(f".{target.name}.restoring")
    retired = target.with_name(f".{target.name}.old")
    for leftover in (staged, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    shutil.copytree(source, staged)
    if target.exists():
        os.replace(target, retired)
    os.replace(staged, target)
    shutil.rmtree(retired, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
