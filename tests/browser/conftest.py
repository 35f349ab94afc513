"""Browser tests run against pytest-django's live server (browser fixtures: tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def site(live_server, demo):
    """The live server's base URL, with the demo district and accounts in its database."""
    return live_server.url
