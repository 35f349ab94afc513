"""Shared fixtures: the demo district, signed-in clients, and per-test reset of process caches."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


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
