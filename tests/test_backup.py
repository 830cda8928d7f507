"""`make backup` / `make restore`: the demo, backed up, wiped and restored, is the same
row for row — history tables and PostgreSQL's sequences included — and a restore
refuses, without touching anything, what it must not restore.

Each test runs `manage.py` in subprocesses on a database of its own: a SQLite file in a
temporary folder (both CI legs), and on the PostgreSQL leg two databases named after
DATABASE_URL's (`<name>_backup_src`, `<name>_backup_dst`). The demo is seeded once per
database (about 15 s on SQLite, 25 s on PostgreSQL): the module takes about 40 s of CPU
on the SQLite leg and 75 s on the PostgreSQL leg, most of it in seed_demo and in starting
manage.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = urlparse(DATABASE_URL).scheme in ("postgres", "postgresql", "pgsql")

pytestmark = pytest.mark.slow


def _environment(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The embedded default in ``data_dir`` (the filesystem broker, no Redis), on
    ``database_url`` when given."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL") and not k.startswith(("DJANGO_", "CELERY_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", "TANDEM_DATA_DIR": str(data_dir)})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _manage(env: dict, *args: str, ok: bool = True, **streams) -> subprocess.CompletedProcess:
    """``manage.py *args``; its output captured unless ``streams`` say where it goes."""
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, text=True, timeout=240, **streams)
    if ok:
        assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _refused(env: dict, *args: str) -> str:
    """Run a restore that must be refused: non-zero, a message, no traceback."""
    result = _manage(env, "restore", *args, ok=False)
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "CommandError" in result.stderr
    return result.stderr


def _sqlite_rows(path: Path) -> dict[str, list]:
    """Every row of every table, sqlite_sequence (the next ids) included."""
    with closing(sqlite3.connect(path)) as connection:  # closed at once: an open one makes a restore wait
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: sorted(map(repr, connection.execute(f'SELECT * FROM "{table}"'))) for table in tables}


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _repacked(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with ``change(files)`` applied to its files (a dict of name to bytes)."""
    with tarfile.open(archive, "r:gz") as tar:
        files = {member.name: tar.extractfile(member).read() for member in tar if member.isfile()}
    change(files)
    with tarfile.open(target, "w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return target


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory):
    """The demo on the embedded default, as `make run` leaves it, and its backup."""
    data_dir = tmp_path_factory.mktemp("backup-sqlite")
    env = _environment(data_dir)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    _manage(env, "backup")
    (archive,) = (data_dir / "backups").glob("tandem-sqlite-*.tar.gz")
    return env, data_dir, archive


def test_no_model_keeps_files_a_backup_would_miss():
    """The archive holds the database and the broker's folder: a model with a file field
    would keep what it stores outside both, and accounts/backup.py would need to learn it."""
    fields = [f"{model._meta.label}.{field.name}" for model in apps.get_models() for field in model._meta.fields
              if isinstance(field, models.FileField)]
    assert fields == []


def test_the_demo_restored_after_its_database_is_deleted_has_every_row_and_queued_task(sqlite_demo):
    env, data_dir, archive = sqlite_demo
    database = data_dir / "tandem.sqlite3"
    before = _sqlite_rows(database)
    queued = _files(data_dir / "broker")
    # What dumpdata/loaddata could not bring back: the history tables.
    assert len(before["accounts_historicaluser"]) > 10 and len(before["dashboards_historicalmetricresult"]) > 100
    assert any(name.endswith(".msg") for name in queued)  # the demo's reminders, waiting for the worker

    for path in data_dir.glob("tandem.sqlite3*"):
        path.unlink()
    shutil.rmtree(data_dir / "broker")
    result = _manage(env, "restore", str(archive))

    assert "Restored the backup of" in result.stdout
    assert _sqlite_rows(database) == before
    assert _files(data_dir / "broker") == queued


def test_a_restore_refuses_a_database_that_holds_data_unless_forced(sqlite_demo):
    env, data_dir, archive = sqlite_demo
    database = data_dir / "tandem.sqlite3"
    unchanged = _digest(database)

    message = _refused(env, str(archive))

    assert "already holds data" in message and "--force" in message
    assert _digest(database) == unchanged


def test_a_forced_restore_through_pipes_replaces_the_data(sqlite_demo, tmp_path):
    """Through pipes, as with docker compose: backup to standard output, restore from standard input."""
    env, data_dir, archive = sqlite_demo
    database = data_dir / "tandem.sqlite3"
    before = _sqlite_rows(database)
    piped = tmp_path / "piped.tar.gz"
    with piped.open("wb") as output:
        _manage(env, "backup", "--output", "-", stdout=output)
    _manage(env, "shell", "-c", "from accounts.models import User; User.objects.create_user('eve', 'eve@example.com')")

    with piped.open("rb") as archive_input:
        assert "Restored the backup of" in _manage(env, "restore", "-", "--force", stdin=archive_input).stdout

    assert _sqlite_rows(database) == before  # eve is gone again


def test_a_restore_refuses_while_tandem_has_the_database_open(sqlite_demo):
    env, data_dir, archive = sqlite_demo
    database = data_dir / "tandem.sqlite3"
    before = _sqlite_rows(database)
    running = sqlite3.connect(database)  # as the web server, the worker or beat would
    try:
        running.execute("PRAGMA journal_mode=WAL")
        message = _refused(env, str(archive), "--force")
    finally:
        running.close()
    assert "in use" in message and "stop Tandem" in message
    assert _sqlite_rows(database) == before


def test_a_restore_refuses_a_damaged_archive_and_changes_nothing(sqlite_demo, tmp_path):
    env, data_dir, archive = sqlite_demo
    database = data_dir / "tandem.sqlite3"
    unchanged = _digest(database)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    altered = _repacked(archive, tmp_path / "altered.tar.gz",
                        lambda files: files.update({"database.sqlite3": files["database.sqlite3"][:-1] + b"!"}))
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("a shopping list")

    assert "not a readable backup archive" in _refused(env, str(truncated), "--force")
    assert "damaged: database.sqlite3" in _refused(env, str(altered), "--force")
    assert "not a readable backup archive" in _refused(env, str(not_an_archive), "--force")
    assert "No backup file" in _refused(env, str(tmp_path / "missing.tar.gz"))
    assert _digest(database) == unchanged


def test_a_restore_refuses_a_postgresql_backup_on_sqlite_and_one_from_a_newer_tandem(sqlite_demo, tmp_path):
    env, data_dir, archive = sqlite_demo
    unchanged = _digest(data_dir / "tandem.sqlite3")

    def as_if_from_postgresql(files):
        dump = files.pop("database.sqlite3")
        manifest = json.loads(files["manifest.json"])
        del manifest["files"]["database.sqlite3"]
        manifest["files"]["database.pgdump"] = hashlib.sha256(dump).hexdigest()
        manifest["engine"] = "postgresql"
        files.update({"database.pgdump": dump, "manifest.json": json.dumps(manifest).encode()})

    def as_if_from_a_newer_tandem(files):
        manifest = json.loads(files["manifest.json"])
        manifest["migrations"]["accounts"] = "9999_not_written_yet"
        files["manifest.json"] = json.dumps(manifest).encode()

    message = _refused(env, str(_repacked(archive, tmp_path / "postgresql.tar.gz", as_if_from_postgresql)), "--force")
    assert "a PostgreSQL database" in message and "the embedded SQLite database" in message
    message = _refused(env, str(_repacked(archive, tmp_path / "newer.tar.gz", as_if_from_a_newer_tandem)), "--force")
    assert "newer Tandem" in message and "accounts.9999_not_written_yet" in message
    assert _digest(data_dir / "tandem.sqlite3") == unchanged


# PostgreSQL: only on the leg where DATABASE_URL names one.

def _postgres_url(suffix: str) -> str:
    parsed = urlparse(DATABASE_URL)
    return urlunparse(parsed._replace(path=f"{parsed.path.rstrip('/')}_{suffix}"))


def _postgres_admin(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(urlunparse(urlparse(DATABASE_URL)._replace(path="/postgres")))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def _postgres_rows(url: str) -> tuple[dict[str, list], dict[str, int]]:
    """Every row of every table, and where every sequence stands."""
    import psycopg2

    with closing(psycopg2.connect(url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [name for (name,) in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            rows[table] = sorted(map(repr, cursor.fetchall()))
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        sequences = dict(cursor.fetchall())
    return rows, sequences


@pytest.fixture
def postgres_databases():
    if not ON_POSTGRES:
        pytest.skip("DATABASE_URL does not name a PostgreSQL database")
    if shutil.which("pg_dump") is None and not os.environ.get("CI"):
        pytest.skip("pg_dump is not installed")
    names = [urlparse(_postgres_url(suffix)).path.lstrip("/") for suffix in ("backup_src", "backup_dst")]
    for name in names:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}"')
        _postgres_admin(f'CREATE DATABASE "{name}"')
    yield _postgres_url("backup_src"), _postgres_url("backup_dst")
    for name in names:
        _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_demo_restored_into_a_new_database_has_every_row_and_its_sequences(
        postgres_databases, sqlite_demo, tmp_path):
    source_url, target_url = postgres_databases
    source = _environment(tmp_path / "source", source_url)
    _manage(source, "migrate", "--noinput")
    _manage(source, "seed_demo")
    rows, sequences = _postgres_rows(source_url)
    assert len(rows["accounts_historicaluser"]) > 10 and len(rows["dashboards_historicalmetricresult"]) > 100
    archive = tmp_path / "tandem.tar.gz"
    _manage(source, "backup", "--output", str(archive))

    # A new database as docker compose's one-off migration leaves it: tables, no data.
    target = _environment(tmp_path / "target", target_url)
    _manage(target, "migrate", "--noinput")
    message = _refused(target, str(sqlite_demo[2]))
    assert "the embedded SQLite database" in message and "a PostgreSQL database" in message
    _manage(target, "restore", str(archive))

    assert _postgres_rows(target_url) == (rows, sequences)
    assert "already holds data" in _refused(target, str(archive))
    # The sequences were restored too: a new account and its history row get fresh ids.
    created = _manage(target, "shell", "-c", (
        "from accounts.models import PartnerAccount\n"
        "account = PartnerAccount.objects.create(name='Restored Ltd', slug='restored-ltd', kind='customer')\n"
        "print(account.pk, account.history.get().history_id)"
    ))
    account_id, history_id = map(int, created.stdout.splitlines()[-1].split())
    assert account_id == sequences["accounts_partneraccount_id_seq"] + 1
    assert history_id == sequences["accounts_historicalpartneraccount_history_id_seq"] + 1
