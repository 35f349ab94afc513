"""Helpers for the account tests: sign in through the real login page and the token API."""

from __future__ import annotations

import json

import pytest

from gongzhi.demo.district import DEMO_PASSWORD

LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def page_login(client):
    """``page_login("street", "wrong", ip="10.0.0.1")`` posts the login form; returns the response."""

    def _post(username: str, password: str = DEMO_PASSWORD, *, ip: str = "10.0.0.1", otp: str = "", c=None):
        return (c or client).post(LOGIN_URL, {"username": username, "password": password, "otp": otp},
                                  REMOTE_ADDR=ip)

    return _post


@pytest.fixture
def token_login(client):
    """``token_login("street", "wrong", ip=...)`` calls POST /api/v1/auth/token; returns the response."""

    def _post(username: str, password: str = DEMO_PASSWORD, *, ip: str = "10.0.0.1", otp: str | None = None):
        body = {"username": username, "password": password}
        if otp is not None:
            body["otp"] = otp
        return client.post(TOKEN_URL, json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)

    return _post
