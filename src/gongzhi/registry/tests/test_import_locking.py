"""An import check never holds SQLite's write lock, and an import's commit lets other writers in.

On the embedded database one write lock covers the whole file. A real SQLite file is built the way
``./gz demo`` builds it; a large ledger is then checked (``--dry-run``) and imported by
``./gz manage import_residents`` in a subprocess while this process keeps writing to the same file
as a web request would (``BEGIN IMMEDIATE``, an INSERT, COMMIT), timing how long each write waits
for the lock.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from gongzhi.privacy.tests.test_plaintext_at_rest import REPO_ROOT, embedded_demo

from .import_helpers import COMMUNITY, LEDGER_HEADERS, csv_bytes, ledger_rows

# The database is an embedded SQLite file whatever the suite runs on: the PostgreSQL lane leaves it out.
pytestmark = pytest.mark.embedded
ROWS = 30_000
CHECK_WAIT_LIMIT = 0.5  # seconds: a check holds no lock, so a write waits only for another write
# A write waits for the chunks the import commits until its next pause (``_ChunkWriter``: about a
# second of them, plus the chunk that crosses it and the waiting writer's next poll), whatever the
# file's size; before chunked commits it waited for the whole import. So the bound is twice the
# holding time, and half the import's own time (the import would fail it by holding on throughout).
COMMIT_WAIT_SHARE = 0.5


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    demo = embedded_demo(tmp_path_factory)  # the demo the plaintext-at-rest tests grep, built once
    db, env, tmp = demo.db, demo.env, demo.var
    ledger = tmp / "ledger.csv"
    ledger.write_bytes(csv_bytes([LEDGER_HEADERS, *ledger_rows(ROWS)]))
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, at REAL)")
    return db, env, ledger


def _import_while_writing(db, env, ledger, *extra: str) -> tuple[list[float], float, str]:
    """Run the import in a subprocess and write to ``db`` meanwhile: (each write's wait, import seconds, output)."""
    command = [sys.executable, "-m", "gongzhi", "import_residents", str(ledger), "--area", COMMUNITY, *extra]
    probe = sqlite3.connect(db, timeout=60, isolation_level=None)
    waits: list[float] = []
    started = time.monotonic()
    out, err = ledger.with_suffix(".out"), ledger.with_suffix(".err")
    # Output goes to files: the command prints a line per unmatched address, more than a pipe holds.
    with out.open("w") as stdout, err.open("w") as stderr, subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=stdout, stderr=stderr) as process:
        while process.poll() is None:
            asked = time.monotonic()
            probe.execute("BEGIN IMMEDIATE")
            waits.append(time.monotonic() - asked)
            probe.execute("INSERT INTO lock_probe (at) VALUES (?)", (asked,))
            probe.execute("COMMIT")
            time.sleep(0.02)
    took = time.monotonic() - started
    probe.close()
    assert process.returncode == 0, err.read_text()
    return waits, took, out.read_text().splitlines()[-1]


@pytest.mark.slow
def test_a_check_holds_no_write_lock_and_a_commit_lets_other_writers_in(database):
    db, env, ledger = database

    waits, took, output = _import_while_writing(db, env, ledger, "--dry-run")
    assert json.loads(output)["rows"] == ROWS
    assert len(waits) > 20, f"the check took {took:.1f} s: too short to tell"
    assert max(waits) < CHECK_WAIT_LIMIT, f"a write waited {max(waits):.2f} s for a check ({took:.1f} s)"

    waits, took, output = _import_while_writing(db, env, ledger)
    counts = json.loads(output)
    assert counts["created"] > ROWS * 0.9, counts  # the demo's generator made a few of these people already
    assert len(waits) > 20, f"the import took {took:.1f} s: too short to tell"
    # Writes got in all along: none waited longer than the import holds the lock between pauses.
    from gongzhi.registry.importing.engine import _ChunkWriter

    bound = min(2 * _ChunkWriter.HOLD_SECONDS, took * COMMIT_WAIT_SHARE)
    assert max(waits) < bound, f"a write waited {max(waits):.2f} s of {took:.1f} s (bound {bound:.2f} s)"
    with sqlite3.connect(db) as conn:
        (people,) = conn.execute("SELECT COUNT(*) FROM registry_person WHERE area_id IN "
                                 "(SELECT id FROM areas_area WHERE code = ?)", (COMMUNITY,)).fetchone()
    assert people >= counts["created"]
