"""Shared fixtures: the demo district, signed-in clients, and per-test reset of process caches."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """The grid index and the data-key cache live per process; tests must not see stale ones."""
    from gongzhi.areas import locate
    from gongzhi.privacy import crypto

    locate.invalidate()
    crypto._keys_for.cache_clear()
    yield
    locate.invalidate()
    crypto._keys_for.cache_clear()


@pytest.fixture
def demo(db):
    """The demo district (3 streets, 12 communities, 120 grids) with the demo accounts."""
    from gongzhi.demo import district

    root = district.build_areas()
    users = district.build_accounts(root)
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
