"""Shared fixtures: the demo district, signed-in clients, and per-test reset of process caches."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


# A test that requests none of these (directly or through its fixtures) and has no django_db mark
# cannot reach the database (pytest-django refuses it): it checks the same on either database.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "django_db_setup", "live_server"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the tests that cannot reach the database ``any_database``: ./gz test runs them in its SQLite
    lane only (the PostgreSQL lane would repeat them)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        # ``django_db_blocker`` is every test's (pytest-django's autouse fixtures): only a test that
        # names it unblocks the database itself (the benchmarks' tests).
        fixtureinfo = getattr(item, "_fixtureinfo", None)
        unblocks = fixtureinfo is not None and "django_db_blocker" in fixtureinfo.argnames
        if item.get_closest_marker("django_db") is None and not unblocks and \
                item.get_closest_marker("strict_database") is None and not DATABASE_FIXTURES.intersection(names):
            item.add_marker(pytest.mark.any_database)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The grid index, data keys, Open311 keys and services, and the filter bars' options live per process;
    tests must not see stale ones."""
    from gongzhi.areas import locate
    from gongzhi.cases import open311, open311_intake, open311_keys
    from gongzhi.privacy import crypto
    from django.core.cache import caches

    from gongzhi.registry.forms import forget_choices

    def forget():
        locate.invalidate()
        caches["default"].clear()  # counters (image challenges per address) and cached filter options
        forget_choices()  # a rolled-back rename leaves no signal: cached filter options start anew
        crypto._keys_for.cache_clear()
        open311.forget_services()
        open311_keys.forget_keys()
        open311_intake.forget_filing()

    forget()
    yield
    forget()


@pytest.fixture(scope="session")
def django_db_keepdb(request):
    """A migrated SQLite database of this code state kept from an earlier run is copied into place
    (tests/sqlite_template.py): ``migrate`` then has nothing to do. The copy is removed at the end."""
    from tests import sqlite_template

    if request.config.getvalue("reuse_db"):  # pytest-django's --reuse-db, as before
        yield True
        return
    copied = sqlite_template.enabled(request.config) and sqlite_template.put_in_place()
    yield copied
    if copied:
        from django.db import connections

        connections.close_all()
        sqlite_template.remove(sqlite_template.test_db_name())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_keepdb, django_db_blocker, request):
    """pytest-django's database set-up; a freshly migrated SQLite database is kept as the template."""
    from tests import sqlite_template

    if not django_db_keepdb and sqlite_template.enabled(request.config):
        with django_db_blocker.unblock():
            sqlite_template.keep(sqlite_template.test_db_name())
    yield


def _reinstall_reference_data():
    """Put back the rows the migrations install (the default catalogue, the official holidays).

    Transactional tests (the browser tests' live server) end with a flush, which empties every
    table, migration data included; the tests after them would otherwise find no categories.
    Both installs are idempotent: with the rows present they only read.
    """
    from gongzhi.cases import catalogue_default, holidays
    from gongzhi.cases.models import Category

    catalogue_default.install(Category)
    for year in (2025, 2026):  # what migration 0002 installs
        holidays.install_year(year)


@pytest.fixture
def demo(db):
    """The demo district (3 streets, 12 communities, 120 grids; the town 青山镇 with 2 villages and
    12 villagers' groups) with the demo accounts."""
    from gongzhi.demo import district
    from tests.demo_snapshot import demo_district

    _reinstall_reference_data()
    root, users = demo_district()  # built once per session, then put back row by row
    return SimpleNamespace(district=root, users={u.username: u for u in users}, password=district.DEMO_PASSWORD)


@pytest.fixture
def login_as(client, demo):
    """``login_as("street")`` signs the test client in as a demo account and returns it."""

    def _login(username: str):
        client.force_login(demo.users[username])
        return client

    return _login


@pytest.fixture
def api_token(demo):
    """``api_token("grid")`` issues a personal token for a demo account; returns auth headers."""
    from gongzhi.accounts.services import create_api_token

    def _token(username: str) -> dict:
        _t, key = create_api_token(user=demo.users[username], name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return _token
