"""pages-at-scale: every staff list, search, statistics and board page a district opens, at 1,000,000
people and 1,000,000 cases, against hello-world.

The data is built once and KEPT between runs: on SQLite in
``var/bench/pages-at-scale-<people>-v<DATA_VERSION>.sqlite3``, on PostgreSQL (when
``GONGZHI_DATABASE_URL`` is set) in a database ``gongzhi_bench_pages_<people>_v<N>`` on the same
server — copied row for row from the kept SQLite build of the same size when there is one
(``sqlite_to_postgres``: identical data, ``built_from`` and ``copy_seconds`` in the figures). The people (1,000,000 demo residents, quick: 30,000) come from the demo generator; the
case history (as many cases as people, five years of them, with their timelines) and the audit
log (1.5 entries a case) are a step of their own version (``case_history.CASES_VERSION``), added
to kept people without rebuilding them. Each run migrates the kept database (new indexes and
tables are added to the existing rows), refreshes the statistics summaries as the worker does
after an import, then measures through Django's test client (the whole middleware stack, server
time without the network), each page as the demo account that works it:

* ``hello``: the hello-world JSON view of ``./gz bench intake`` (``core.bench_views``);
* the person list (``district``): searched by pinyin initials, a name prefix, contained text and
  ID last four digits; the first, last and next-to-last pages; a special group; the statistics;
* the house list and a house's page, the estate list;
* the case queue: the district's open tab (deadline order), every case newest first with its last
  and next-to-last pages, the finished tab; the street's and the community's open tabs; the
  department inbox (``dept``); the supervision board; the case statistics;
* the audit log (``auditor``): first, last and next-to-last pages, filtered by an action prefix.

Each page is requested once to warm up, then all pages and hello-world are requested in turn,
``REPEATS`` rounds; each one's median is kept.
``ratios.vs_hello_world`` is the WORST page's ratio of all measured: hello time / page time (the
direction of the intake scenario's ratio: 1 is as fast as hello-world, 0.1 is ten times slower;
the target is >= 0.1 for every page); ``figures`` hold each page's time, SQL time and ratio.
``ratios.vs_hello_world_issue11`` is the worst of issue 11's registry pages (``ISSUE_PAGES``).
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

# Bump when the generated rows change (not for schema changes: migrations are applied to kept data).
DATA_VERSION = 1
FULL_PEOPLE = 1_000_000
QUICK_PEOPLE = 30_000
REPEATS = 7
# The pages issue 11 measured and set the target for (the last page was ``?page=20000``; the page
# before it is the same list paged backwards).
ISSUE_PAGES = ("search_initials", "statistics", "first_page", "last_page", "before_last_page", "tag_filter")
REPO = Path(__file__).resolve().parents[2]
# The case statistics computed afresh (its body is cached a minute): reported, not in the ratios.
UNCACHED_STATS = "case_stats_uncached"


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


def shown_path(path: Path) -> str:
    """``path`` as the results file names it: relative to the repository when inside it (a result
    committed from one checkout must not name another's directories)."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def kept_sqlite_path(people: int, directory: Path | None = None) -> Path:
    """Where the SQLite build of ``people`` is kept: ``directory`` or ``var/bench``."""
    from django.conf import settings

    directory = directory or Path(settings.VAR_DIR) / "bench"
    return directory / f"pages-at-scale-{people}-v{DATA_VERSION}.sqlite3"


@contextlib.contextmanager
def _kept_sqlite(people: int, directory: Path | None = None, schema: Path | None = None) -> Iterator[dict]:
    """The kept data in a SQLite file; a new one starts from ``schema`` when given (a migrated, empty
    database: the test suite's template) instead of migrating from nothing."""
    import sqlite3

    from django.core.management import call_command
    from django.db import connection

    path = kept_sqlite_path(people, directory)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    original = connection.settings_dict["NAME"]
    info: dict = {"database": "sqlite", "kept": shown_path(path)}
    connection.close()
    try:
        if not path.exists():
            building = path.with_name(path.name + ".building")
            for leftover in directory.glob(building.name + "*"):
                leftover.unlink()
            connection.settings_dict["NAME"] = str(building)
            if schema is not None:
                with contextlib.closing(sqlite3.connect(schema)) as origin, \
                        contextlib.closing(sqlite3.connect(building)) as copy:
                    origin.backup(copy)
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


@contextlib.contextmanager
def _kept_postgres(people: int, directory: Path | None = None, template: str = "template1") -> Iterator[dict]:
    """The kept data in its own database on the server of ``GONGZHI_DATABASE_URL``: copied row for
    row from the kept SQLite build of the same size and version when there is one (``directory``
    as for SQLite; ``sqlite_to_postgres``), built by the demo generator otherwise. A new database
    is made from ``template`` (the test suite's: its migrated, empty test database)."""
    from django.core.management import call_command
    from django.db import connection

    from . import sqlite_to_postgres

    original = connection.settings_dict["NAME"]
    name = f"gongzhi_bench_pages_{people}_v{DATA_VERSION}"
    info: dict = {"database": "postgresql", "kept": name}

    def databases() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database")
            return {row[0] for row in cursor.fetchall()}

    try:
        if name not in databases():
            building = name + "_building"
            with connection.cursor() as cursor:
                if building in databases():
                    cursor.execute(f'DROP DATABASE "{building}"')
                cursor.execute(f'CREATE DATABASE "{building}" TEMPLATE "{template}"')
            connection.close()
            connection.settings_dict["NAME"] = building
            source = kept_sqlite_path(people, directory)
            if source.exists():
                _progress(f"copying the kept SQLite build {source} into {name}")
                info["built_from"] = shown_path(source)
                info.update(sqlite_to_postgres.copy(source))
                sqlite_to_postgres.record_origin({key: info[key] for key in sqlite_to_postgres.ORIGIN_KEYS})
            else:
                call_command("migrate", verbosity=0, interactive=False)
                info.update(_build(people))
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
            connection.close()
            connection.settings_dict["NAME"] = original
            with connection.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        connection.close()
        connection.settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False)
        # How the kept data was built (a copy of the SQLite build, and its time), in every run's figures.
        info.update({key: value for key, value in sqlite_to_postgres.origin().items() if key not in info})
        yield info
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def kept_database(people: int, directory: Path | None = None):
    from django.db import connection

    if connection.vendor == "postgresql":
        return _kept_postgres(people, directory)
    return _kept_sqlite(people, directory)


def _timed_ms(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _link(html: str, name: str) -> str:
    import re

    found = re.search(rf'<a href="(\?[^"]*)" data-testid="page-{name}">', html)
    assert found, f"no {name} link"
    return found.group(1).replace("&amp;", "&")


def _has_rows(html: str) -> None:
    assert 'data-testid="person-table"' in html, "no person found"


def _last_pages(client, pages: dict, name: str) -> None:
    """Add the last page of the list ``name`` (its "last" link) and the page before it."""
    user, url, check = pages[name]
    path = url.split("?")[0]
    first = client(user).get(url).content.decode()
    last_url = path + _link(first, "last")
    pages[f"{name}_last"] = (user, last_url, check)
    last = client(user).get(last_url).content.decode()
    pages[f"{name}_before_last"] = (user, path + _link(last, "previous"), check)


def _marker(testid: str):
    def check(html: str) -> None:
        assert f'data-testid="{testid}"' in html, f"no {testid}"
    return check


def _nothing(html: str) -> None:
    return None


def measure(repeats: int = REPEATS) -> tuple[dict[str, float], dict[str, float]]:
    """Median server time (ms) of each page for its demo account, and its SQL time (ms)."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from gongzhi.accounts.models import User
    from gongzhi.core import bench_views
    from gongzhi.registry.models import House

    clients: dict[str, Client] = {}

    def client(username: str) -> Client:
        if username not in clients:
            clients[username] = Client(HTTP_HOST="localhost")
            clients[username].force_login(User.objects.get(username=username))
        return clients[username]

    with override_settings(ROOT_URLCONF="bench.scenarios.pages_urls"):
        persons = reverse("registry:person_list")
        first = client("district").get(persons).content.decode()
        house = House.objects.order_by("pk").values_list("pk", "address").first() or (0, "")
        contains = house[1][2:6]  # four characters from inside an address: the trigram indexes
        queue = reverse("cases:queue")
        audit = reverse("audit:log")
        pages = {
            "hello": ("district", "/" + bench_views.PATH, _nothing),
            "search_initials": ("district", f"{persons}?q=wjm", _has_rows),
            "search_name_prefix": ("district", f"{persons}?q=王建", _has_rows),
            "search_contains": ("district", f"{persons}?q={contains}", _has_rows),
            "search_id_last4": ("district", f"{persons}?q=0012", _nothing),
            "statistics": ("district", reverse("registry:statistics"), _nothing),
            "first_page": ("district", persons, _has_rows),
            "last_page": ("district", persons + _link(first, "last"), _has_rows),
            "tag_filter": ("district", f"{persons}?tag=disabled", _has_rows),
            "house_list": ("district", reverse("registry:house_list"), _nothing),
            "house_detail": ("district", reverse("registry:house_detail", args=[house[0]]), _nothing),
            "estate_list": ("district", reverse("registry:estate_list"), _nothing),
            "case_queue": ("district", queue, _marker("queue-tabs")),
            "case_queue_all": ("district", f"{queue}?queue=all&order=reported", _marker("queue-tabs")),
            "case_queue_closed": ("district", f"{queue}?queue=closed", _marker("queue-tabs")),
            "case_queue_street": ("street", queue, _marker("queue-tabs")),
            "case_queue_community": ("community", queue, _marker("queue-tabs")),
            "case_inbox_department": ("dept", reverse("cases:inbox"), _nothing),
            "supervision": ("district", reverse("cases:supervision"), _nothing),
            "case_stats": ("district", reverse("cases:stats"), _nothing),
            "audit_log": ("auditor", audit, _marker("audit-action-filter")),
            "audit_log_filtered": ("auditor", f"{audit}?action=cases.", _marker("audit-action-filter")),
        }
        last = client("district").get(pages["last_page"][1]).content.decode()
        pages["before_last_page"] = ("district", persons + _link(last, "previous"), _has_rows)
        _last_pages(client, pages, "case_queue_all")
        _last_pages(client, pages, "audit_log")
        for user, url, check in pages.values():  # warm: the first request of a shape pays for planning and caches
            response = client(user).get(url)
            assert response.status_code == 200, (url, response.status_code)
            check(response.content.decode())
        # Round-robin, so that a page and the hello-world baseline see the same load on a shared machine.
        samples: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(repeats):
            for name, (user, url, _check) in pages.items():
                samples[name].append(_timed_ms(client(user), url))
        # The statistics page keeps its body for a minute (GONGZHI_STATS_CACHE_SECONDS): what its first
        # view in a minute costs is a figure of its own, outside the ratios.
        with override_settings(GONGZHI_STATS_CACHE_SECONDS=0):
            user, url, _check = pages["case_stats"]
            samples[UNCACHED_STATS] = [_timed_ms(client(user), url) for _ in range(3)]
        # One more request of each page with its SQL timed: how much of the page is the database.
        database_ms = {}
        for name, (user, url, _check) in pages.items():
            with CaptureQueriesContext(connection) as queries:
                client(user).get(url)
            database_ms[name] = sum(float(query["time"]) for query in queries.captured_queries) * 1000
        connection.close()
    return {name: statistics.median(values) for name, values in samples.items()}, database_ms


def result_name(figures: dict) -> str:
    """``pages-at-scale`` on SQLite, ``pages-at-scale-postgresql`` on PostgreSQL."""
    return "pages-at-scale" if figures.get("database") == "sqlite" else f"pages-at-scale-{figures['database']}"


def run(*, quick: bool, people: int | None = None, directory: Path | None = None,
        repeats: int = REPEATS) -> tuple[dict, dict]:
    """``people`` overrides the size, ``directory`` where SQLite data is kept and ``repeats`` the rounds
    (the test suite)."""
    from django.db import connection

    from gongzhi.registry import summaries

    from . import case_history

    people = people or (QUICK_PEOPLE if quick else FULL_PEOPLE)
    with kept_database(people, directory) as info:
        info.update(case_history.ensure(people))
        started = time.perf_counter()
        stored = summaries.refresh()
        refresh_seconds = time.perf_counter() - started
        vendor = connection.vendor
        timings, database_ms = measure(repeats)
    hello = timings.pop("hello")
    ratios = {name: hello / ms for name, ms in timings.items() if name != UNCACHED_STATS}
    worst = min(ratios, key=ratios.get)
    worst_issue11 = min(ISSUE_PAGES, key=ratios.get)
    figures = {
        "database": vendor, "people": people, "repeats": repeats, "hello_ms": round(hello, 2),
        **{f"{name}_ms": round(ms, 1) for name, ms in timings.items()},
        **{f"{name}_sql_ms": round(ms, 1) for name, ms in database_ms.items() if name != "hello"},
        **{f"{name}_ratio": round(ratio, 3) for name, ratio in ratios.items()},
        "worst_page": worst, "worst_issue11_page": worst_issue11, "summary_areas": stored,
        "summary_refresh_seconds": round(refresh_seconds, 1),
        **{key: value for key, value in info.items() if key != "database"},
    }
    return {"vs_hello_world": round(ratios[worst], 3), "vs_hello_world_issue11": round(ratios[worst_issue11], 3)}, figures
