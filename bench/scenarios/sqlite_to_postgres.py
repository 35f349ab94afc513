"""Copy a kept ``pages-at-scale`` SQLite database into an empty PostgreSQL database, row for row.

Building 1,000,000 people through the demo generator on PostgreSQL does not finish in useful
time on a small machine; the kept SQLite build holds the same data, so ``_kept_postgres`` copies
it when it exists (same ``people``, same ``DATA_VERSION``):

1. The PostgreSQL database (``connection``) is migrated to the SQLite database's migration state
   (its ``django_migrations``), so both have the same tables and columns; later migrations are
   applied to the copied rows by the scenario's usual ``migrate``.
2. Every table of every installed model (many-to-many tables included) and the case-history step
   marker (``case_history.STEP_TABLE``) present in both is emptied (migrations seed some: the
   content types, permissions, the case catalogue) and filled with the SQLite rows, streamed in
   chunks of ``CHUNK`` rows (memory stays bounded), each one ``COPY … FROM STDIN``. Foreign keys and ordinary triggers are off for the load
   (``session_replication_role = replica``; the audit log's append-only trigger refuses UPDATEs
   only, and a COPY inserts), secondary indexes are dropped before a table's load and created
   again after it (one sort instead of a million index insertions: the trigram indexes above
   all). The SQLite file is opened read-only.
3. Values are converted where SQLite stores them differently: booleans (0/1), datetimes (text in
   UTC: the session's TimeZone is UTC for the load), dates, JSON (text), decimals, UUIDs (32 hex
   digits), IP addresses are read by PostgreSQL's own text input; durations (microseconds) are
   converted here. Encrypted columns are copied as stored, so they decrypt with the same key.
4. Every sequence is set past the highest id (Django's ``sqlsequencereset``), then
   ``VACUUM ANALYZE``.

SQLite-only tables (the full-text indexes ``registry_*_fts*``) are not copied: PostgreSQL
searches through its trigram indexes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

# Rows read from SQLite and sent in one COPY: 100,000 case rows held ≈ 250 MB in Python.
CHUNK = 20_000
PROGRESS_ROWS = 100_000
# Where a copied database records how it was built (read into each run's figures).
ORIGIN_TABLE = "bench_data_origin"
ORIGIN_KEYS = ("built_from", "copy_seconds", "copied_rows", "copied_tables")


def _progress(message: str) -> None:
    print(f"pages-at-scale: {message}", flush=True)


def open_sqlite(path: Path) -> sqlite3.Connection:
    """The kept file, read-only (it is only read, never changed), in one read transaction: every
    table is copied as of the same moment, even if a run on SQLite writes to the file meanwhile."""
    source = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, isolation_level=None)
    source.execute("PRAGMA query_only = 1")
    source.execute("BEGIN")
    source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts at the first read
    return source


def migrate_to(source: sqlite3.Connection) -> list[tuple[str, str]]:
    """Migrate ``connection`` (empty) to the migrations recorded in ``source``; the targets."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    applied = {tuple(row) for row in source.execute("SELECT app, name FROM django_migrations")} & set(graph.nodes)
    # Per app, the applied migrations no other applied migration of that app follows.
    targets = sorted(node for node in applied
                     if not any(child.key in applied and child.key[0] == node[0]
                                for child in graph.node_map[node].children))
    executor.migrate(targets)
    return targets


def tables() -> list[str]:
    """The tables to copy: every installed model's (many-to-many included) and the step marker."""
    from django.apps import apps

    from .case_history import STEP_TABLE

    names = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy and model._meta.db_table not in names:
            names.append(model._meta.db_table)
    return sorted(names) + [STEP_TABLE]


def _sqlite_columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]


def _postgres_columns(cursor, table: str) -> list[tuple[str, str, bool, bool]]:
    """(name, data type, nullable, has a default) of each column, in table order."""
    cursor.execute("SELECT column_name, data_type, is_nullable = 'YES', column_default IS NOT NULL "
                   "OR is_identity = 'YES' FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position", [table])
    return cursor.fetchall()


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``table`` that back no constraint."""
    cursor.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                   "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                   "WHERE t.relname = %s AND t.relnamespace = current_schema()::regnamespace "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                   "ORDER BY i.relname", [table])
    return cursor.fetchall()


def _duration(value):
    return dt.timedelta(microseconds=value) if isinstance(value, int) else value


# PostgreSQL types whose SQLite values its text input does not read as they are.
CONVERTERS: dict[str, Callable] = {"interval": _duration}


def _load(source: sqlite3.Connection, cursor, table: str, columns: list[str], converters: dict[int, Callable],
          chunk: int, progress: Callable[[str], None]) -> int:
    names = ", ".join(f'"{column}"' for column in columns)
    rows = source.execute(f'SELECT {names} FROM "{table}"')
    copied, started = 0, time.perf_counter()
    while True:
        batch = rows.fetchmany(chunk)
        if not batch:
            break
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            if converters:
                for row in batch:
                    row = list(row)
                    for index, convert in converters.items():
                        row[index] = convert(row[index])
                    copy.write_row(row)
            else:
                for row in batch:
                    copy.write_row(row)
        before, copied = copied, copied + len(batch)
        if copied // PROGRESS_ROWS > before // PROGRESS_ROWS:
            progress(f"copy {table}: {copied:,} rows ({time.perf_counter() - started:.0f} s)")
    return copied


def copy(path: Path, *, chunk: int = CHUNK, progress: Callable[[str], None] = _progress) -> dict:
    """Copy the SQLite database at ``path`` into ``connection``'s empty PostgreSQL database."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    from . import case_history

    assert connection.vendor == "postgresql", connection.vendor
    started = time.perf_counter()
    source = open_sqlite(path)
    try:
        targets = migrate_to(source)
        progress(f"copy: migrated to the kept database's {len(targets)} app states "
                 f"({time.perf_counter() - started:.0f} s)")
        case_history.create_step_table()
        present = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        existing = set(connection.introspection.table_names())
        names = [name for name in tables() if name in present and name in existing]
        counts: dict[str, int] = {}
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET TimeZone = 'UTC'")
            cursor.execute(f"TRUNCATE {', '.join(names)}")
            for table in names:
                if source.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is None:
                    counts[table] = 0  # emptied above; nothing to load
                    continue
                wanted = _postgres_columns(cursor, table)
                have = set(_sqlite_columns(source, table))
                missing = [name for name, _type, nullable, default in wanted
                           if name not in have and not nullable and not default]
                assert not missing, f"{table}: no SQLite column for {missing}"
                columns = [(name, data_type) for name, data_type, _n, _d in wanted if name in have]
                converters = {index: CONVERTERS[data_type] for index, (_name, data_type) in enumerate(columns)
                              if data_type in CONVERTERS}
                indexes = _secondary_indexes(cursor, table)
                for name, _definition in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
                table_started = time.perf_counter()
                counts[table] = _load(source, cursor, table, [name for name, _type in columns], converters,
                                      chunk, progress)
                for _name, definition in indexes:
                    cursor.execute(definition)
                if counts[table] >= PROGRESS_ROWS:
                    progress(f"copy {table}: {counts[table]:,} rows and {len(indexes)} indexes "
                             f"in {time.perf_counter() - table_started:.0f} s")
            cursor.execute("SET session_replication_role = origin")
            models = [model for model in apps.get_models(include_auto_created=True)
                      if model._meta.db_table in counts]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
            copied_seconds = time.perf_counter() - started
            progress(f"copy: {sum(counts.values()):,} rows of {len(counts)} tables in {copied_seconds:.0f} s; "
                     "VACUUM ANALYZE")
            cursor.execute("VACUUM ANALYZE")
    finally:
        source.rollback()
        source.close()
        connection.close()  # the session settings of the load end with it
    return {"copy_seconds": round(time.perf_counter() - started, 1), "copied_rows": sum(counts.values()),
            "copied_tables": len(counts)}


def record_origin(values: dict) -> None:
    """Keep ``values`` (how this database was built) in the database itself."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {ORIGIN_TABLE} (name varchar(40) PRIMARY KEY, value text)")
        cursor.execute(f"DELETE FROM {ORIGIN_TABLE} WHERE name = 'build'")
        cursor.execute(f"INSERT INTO {ORIGIN_TABLE} (name, value) VALUES ('build', %s)", [json.dumps(values)])


def origin() -> dict:
    """What ``record_origin`` kept; empty for a database built otherwise."""
    from django.db import connection

    if ORIGIN_TABLE not in connection.introspection.table_names():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {ORIGIN_TABLE} WHERE name = 'build'")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else {}
