"""CSRF: forms and session-authenticated API writes need the token; bearer-token API calls do not."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.services import create_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_login_without_the_token_gets_the_chinese_403_page(demo, csrf_client):
    response = csrf_client.post("/accounts/login/", {"username": "street", "password": demo.password})
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html and "表单已失效（安全校验未通过）。请刷新页面后重新提交。" in html
    assert "_auth_user_id" not in csrf_client.session


def test_login_with_the_token_works(demo, csrf_client):
    csrf_client.get("/accounts/login/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post("/accounts/login/", {"username": "street", "password": demo.password,
                                                     "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_logout_and_profile_forms_need_the_token(demo, csrf_client):
    csrf_client.force_login(demo.users["street"])
    assert csrf_client.post("/accounts/logout/").status_code == 403
    assert csrf_client.post("/accounts/profile/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()
    assert csrf_client.get("/console/").status_code == 200


def test_session_api_write_without_the_token_is_refused(demo, csrf_client):
    token, _key = create_api_token(user=demo.users["street"], name="x")
    csrf_client.force_login(demo.users["street"])

    response = csrf_client.post(f"/api/v1/me/tokens/{token.pk}/revoke")

    assert response.status_code == 403
    assert response.json() == {"detail": "安全校验（CSRF）未通过，请刷新页面后重试。", "code": "csrf_failed"}
    token.refresh_from_db()
    assert token.revoked_at is None
    # Reads need no token.
    assert csrf_client.get("/api/v1/me").status_code == 200


def test_session_api_write_with_the_token_works(demo, csrf_client):
    token, _key = create_api_token(user=demo.users["street"], name="x")
    csrf_client.force_login(demo.users["street"])
    csrf_client.get("/accounts/profile/")  # sets the CSRF cookie, as a page would
    csrf = csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(f"/api/v1/me/tokens/{token.pk}/revoke", HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 200
    assert response.json()["active"] is False


def test_bearer_token_writes_need_no_csrf_token(demo, csrf_client):
    token, key = create_api_token(user=demo.users["grid"], name="x")
    other, _other_key = create_api_token(user=demo.users["grid"], name="y")

    response = csrf_client.post(f"/api/v1/me/tokens/{other.pk}/revoke", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200

    # Even alongside a browser session cookie, the bearer token decides.
    csrf_client.force_login(demo.users["grid"])
    assert csrf_client.post(f"/api/v1/me/tokens/{token.pk}/revoke",
                            HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_wrong_bearer_token_without_session_is_401_not_a_csrf_error(demo, csrf_client):
    response = csrf_client.post("/api/v1/me/tokens/1/revoke", HTTP_AUTHORIZATION="Bearer gz_wrong")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_token_issue_needs_no_csrf_token(demo, csrf_client):
    response = csrf_client.post("/api/v1/auth/token", json.dumps({"username": "grid", "password": demo.password}),
                                content_type="application/json")
    assert response.status_code == 200
