"""The database part of a backup: a consistent snapshot, its check, and putting it back.

* **SQLite** — SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in
  one step under one read transaction: a consistent snapshot while the server writes (WAL lets
  them go on). Restore copies the checked snapshot back into the live file with the same API in
  one step, which SQLite does as one write transaction: a failure midway leaves the old content.
* **PostgreSQL** — ``pg_dump --format=custom`` (one repeatable-read snapshot, compressed).
  Restore turns the dump into SQL (``pg_restore --file=-``) and runs it with ``psql
  --single-transaction`` after dropping and recreating the ``public`` schema in the same
  transaction: a failure anywhere rolls everything back and the old database stays as it was;
  on success nothing of the old schema is left (tables a later migration added included). The
  binaries come from PATH or the newest ``/usr/lib/postgresql/*/bin``.

A backup restores only into the database vendor it was made from (no cross-vendor restore).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connection, connections

from .errors import BackupError

SQLITE_MEMBER = "database/db.sqlite3"
POSTGRES_MEMBER = "database/db.pgdump"
# Inside the restore's single transaction, before the dump's own statements.
_PG_PREAMBLE = "SET lock_timeout = '30s'; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"


def vendor() -> str:
    return connection.vendor


def member_name() -> str:
    if vendor() == "sqlite":
        return SQLITE_MEMBER
    if vendor() == "postgresql":
        return POSTGRES_MEMBER
    raise BackupError(f"不支持的数据库 / unsupported database vendor: {vendor()}")


def server_version() -> str:
    if vendor() == "sqlite":
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def dump(dest: Path) -> None:
    """Write a consistent snapshot of the database to ``dest``."""
    if vendor() == "sqlite":
        _sqlite_dump(dest)
    else:
        _run([pg_binary("pg_dump"), "--format=custom", "--no-password", f"--file={dest}"], "pg_dump")


def check(staged: Path) -> None:
    """Refuse a snapshot the database engine itself cannot read."""
    if vendor() == "sqlite":
        try:
            with sqlite3.connect(f"file:{staged}?mode=ro", uri=True) as db:
                result = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"备份中的数据库文件已损坏 / the database in the backup is damaged: {exc}") from exc
        if result != "ok":
            raise BackupError(f"备份中的数据库文件已损坏 / the database in the backup is damaged: {result}")
    else:
        _run([pg_binary("pg_restore"), "--list", str(staged)], "pg_restore --list", capture=True)


def restore(staged: Path) -> None:
    """Replace the live database's content with ``staged`` (one transaction: all or nothing)."""
    connections.close_all()
    if vendor() == "sqlite":
        _sqlite_restore(staged)
    else:
        _postgres_restore(staged)
    connections.close_all()


# --- SQLite ---------------------------------------------------------------------------------

def sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("内存数据库无法备份 / an in-memory SQLite database cannot be backed up")
    return Path(name).resolve()


def _sqlite_dump(dest: Path) -> None:
    source_path = sqlite_path()
    if not source_path.exists():
        raise BackupError(f"找不到数据库文件 / database file not found: {source_path}")
    source = sqlite3.connect(source_path, timeout=20)
    target = sqlite3.connect(dest)
    try:
        source.execute("PRAGMA busy_timeout = 20000")
        source.backup(target)  # pages=-1: every page in one step, one consistent read
    except sqlite3.Error as exc:
        raise BackupError(f"数据库快照失败 / database snapshot failed: {exc}") from exc
    finally:
        target.close()
        source.close()


def _sqlite_restore(staged: Path) -> None:
    source = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
    target = sqlite3.connect(sqlite_path(), timeout=20)
    try:
        target.execute("PRAGMA busy_timeout = 20000")
        source.backup(target)  # one step: one write transaction on the live file
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(f"数据库恢复失败，原数据未改动 / database restore failed, the old data is unchanged: {exc}") from exc
    finally:
        target.close()
        source.close()


# --- PostgreSQL -----------------------------------------------------------------------------

def pg_binary(name: str) -> str:
    """``name`` (pg_dump, pg_restore, psql) from PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"找不到 {name} / {name} not found on PATH or under /usr/lib/postgresql/*/bin: "
                      "install the PostgreSQL client (apt-get install postgresql-client)")


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database (the password never on a command line)."""
    conf = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {"PGDATABASE": conf.get("NAME"), "PGUSER": conf.get("USER"), "PGPASSWORD": conf.get("PASSWORD"),
             "PGHOST": conf.get("HOST"), "PGPORT": conf.get("PORT")}
    options = conf.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"),
                             ("sslcert", "PGSSLCERT"), ("sslkey", "PGSSLKEY"), ("options", "PGOPTIONS")):
        pairs[variable] = options.get(option)
    env.update({k: str(v) for k, v in pairs.items() if v not in (None, "")})
    return env


def _run(args: list[str], what: str, *, capture: bool = False) -> None:
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-1500:]
        raise BackupError(f"{what} 失败 / {what} failed (exit {result.returncode}): {detail}")


def _postgres_restore(staged: Path) -> None:
    env = _pg_env()
    pg_restore, psql = pg_binary("pg_restore"), pg_binary("psql")
    with tempfile.TemporaryFile() as errors:
        to_sql = subprocess.Popen([pg_restore, "--no-owner", "--no-privileges", "--file=-", str(staged)],
                                  env=env, stdout=subprocess.PIPE, stderr=errors)
        try:
            load = subprocess.run(
                [psql, "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                 "-c", _PG_PREAMBLE, "-f", "-"],
                env=env, stdin=to_sql.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                check=False)
        finally:
            to_sql.stdout.close()
            dump_rc = to_sql.wait()
        errors.seek(0)
        dump_errors = errors.read().decode(errors="replace")
    if dump_rc != 0 or load.returncode != 0:
        detail = (dump_errors + "\n" + load.stderr).strip()[-1500:]
        raise BackupError("数据库恢复失败，事务已回滚，原数据未改动 / database restore failed and was rolled back, "
                          f"the old data is unchanged: {detail}")
