"""pages-at-scale: the registry pages a district account opens, at 1,000,000 people, against hello-world.

The data (1,000,000 demo residents, quick: 30,000) is built once by the demo generator and KEPT
between runs: on SQLite in ``var/bench/pages-at-scale-<people>-v<DATA_VERSION>.sqlite3``, on
PostgreSQL (when ``GONGZHI_DATABASE_URL`` is set) in a database ``gongzhi_bench_pages_<people>_v<N>``
on the same server. Each run migrates the kept database (new indexes and tables are added to the
existing rows), refreshes the statistics summaries as the worker does after an import, then
measures, as the demo ``district`` account through Django's test client (the whole middleware
stack, server time without the network):

* ``hello``: the hello-world JSON view of ``./gz bench intake`` (``core.bench_views``);
* ``search_initials``: the person list searched by pinyin initials (``?q=wjm``);
* ``search_name``: the person list searched by part of a name (``?q=<two characters>``);
* ``statistics``: ``/registry/statistics/``;
* ``first_page``: the person list;
* ``last_page``: the person list's last page (the "last" link);
* ``tag_filter``: the person list filtered by one special group.

Each page is requested once to warm up, then ``REPEATS`` times; the median is kept.
``ratios.vs_hello_world`` is the worst page's hello time / page time (the direction of the intake
scenario's ratio: 1 is as fast as hello-world, 0.1 is ten times slower; the target is >= 0.1).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

# Bump when the generated rows change (not for schema changes: migrations are applied to kept data).
DATA_VERSION = 1
FULL_PEOPLE = 1_000_000
QUICK_PEOPLE = 30_000
REPEATS = 5


def _progress(message: str) -> None:
    print(f"pages-at-scale: {message}", flush=True)


def _build(people: int) -> dict:
    from gongzhi.demo import district
    from gongzhi.registry import demo

    root = district.build_areas()
    district.build_accounts(root)
    started = time.perf_counter()
    built = demo.build(root, residents=people, progress=_progress)
    assert built and built["persons"] == people, built
    return {"build_seconds": round(time.perf_counter() - started, 1)}


@contextlib.contextmanager
def _kept_sqlite(people: int) -> Iterator[dict]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    directory = Path(settings.VAR_DIR) / "bench"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"pages-at-scale-{people}-v{DATA_VERSION}.sqlite3"
    original = connection.settings_dict["NAME"]
    info: dict = {"database": "sqlite", "kept": str(path)}
    connection.close()
    try:
        if not path.exists():
            building = path.with_name(path.name + ".building")
            for leftover in directory.glob(building.name + "*"):
                leftover.unlink()
            connection.settings_dict["NAME"] = str(building)
            call_command("migrate", verbosity=0, interactive=False)
            info.update(_build(people))
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.close()
            for suffix in ("-wal", "-shm"):
                Path(str(building) + suffix).unlink(missing_ok=True)
            building.rename(path)
        connection.settings_dict["NAME"] = str(path)
        call_command("migrate", verbosity=0, interactive=False)
        yield info
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
