"""Personal API tokens: issue, list and revoke on the profile page and in the API; GET /api/v1/me."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.services import create_api_token
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_token_issue_returns_token_and_expiry(demo, client):
    response = client.post("/api/v1/auth/token", json.dumps({"username": "grid", "password": demo.password}),
                           content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires"}
    assert body["token"].startswith("gz_") and len(body["token"]) > 40
    token = ApiToken.objects.get(user=demo.users["grid"])
    assert token.key_hash == ApiToken.hash_key(body["token"])  # only the hash is stored
    assert body["token"] not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_token_issue_validates_its_input(demo, client):
    response = client.post("/api/v1/auth/token", json.dumps({"username": "grid"}), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("grid", {"username": "grid", "real_name": "吴网格", "roles": ["grid_worker"], "permissions": ["areas.view", "cases.handle", "cases.report", "cases.verify",
                                                                                                  "cases.view", "registry.edit", "registry.view"],
                  "assignments": [{"role": "grid_worker", "area": "34170200100101", "department": None}],
                  "home_area": None}),
        ("dept", {"username": "dept", "real_name": "郑科长", "roles": ["department_staff"],
                  "permissions": ["areas.view", "cases.handle", "console.view", "services.handle"],
                  "assignments": [{"role": "department_staff", "area": None, "department": "CG"}],
                  "home_area": None}),
        ("resident", {"username": "resident", "real_name": "王居民", "roles": ["resident"], "permissions": ["cases.report"],
                      "assignments": [{"role": "resident", "area": "341702001001", "department": None}],
                      "home_area": "34170200100101"}),
    ],
)
def test_me_describes_the_caller(demo, client, api_token, username, expected):
    response = client.get("/api/v1/me", **api_token(username))
    assert response.status_code == 200
    assert response.json() == expected


def test_me_works_with_the_browser_session(demo, login_as):
    assert login_as("street").get("/api/v1/me").json()["roles"] == ["street_staff"]


@pytest.mark.parametrize("header", ["Bearer gz_not-a-real-token", "Bearer ", "Token abc", "Basic Z3JpZDp4"])
def test_bad_or_missing_tokens_get_json_401(demo, client, header):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录，或令牌无效、已过期、已吊销。", "code": "unauthorized"}


def test_expired_tokens_and_inactive_users_are_refused(demo, client):
    token, key = create_api_token(user=demo.users["grid"], name="x")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me", **bearer(key)).status_code == 401

    _token, key2 = create_api_token(user=demo.users["street"], name="y")
    demo.users["street"].is_active = False
    demo.users["street"].save(update_fields=["is_active"])
    assert client.get("/api/v1/me", **bearer(key2)).status_code == 401


def test_profile_creates_lists_and_revokes_tokens(demo, login_as):
    client = login_as("street")
    created = client.post("/accounts/profile/", {"name": "值班脚本"})
    html = created.content.decode()
    token = ApiToken.objects.get(user=demo.users["street"])
    start = html.index('data-testid="new-token">') + len('data-testid="new-token">')
    key = html[start:html.index("</code>", start)]
    assert ApiToken.hash_key(key) == token.key_hash
    assert "值班脚本" in html and f"{token.prefix}…" in html and "有效" in html

    api = Client()
    assert api.get("/api/v1/me", **bearer(key)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    # The key is shown once: the list never shows it again.
    assert key not in client.get("/accounts/profile/").content.decode()

    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert (response.status_code, response.url) == (302, "/accounts/profile/")
    assert "已吊销" in client.get("/accounts/profile/").content.decode()
    assert api.get("/api/v1/me", **bearer(key)).status_code == 401
    assert AuditEntry.objects.filter(action="account.token_revoke", actor=demo.users["street"]).exists()


def test_nobody_revokes_someone_elses_token(demo, login_as):
    token, key = create_api_token(user=demo.users["grid"], name="x")
    client = login_as("admin")
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 200


def test_tokens_are_listed_and_revoked_in_the_api(demo, client):
    first, key = create_api_token(user=demo.users["grid"], name="phone")
    second, _key = create_api_token(user=demo.users["grid"], name="laptop")
    other, _other_key = create_api_token(user=demo.users["street"], name="other")

    listed = client.get("/api/v1/me/tokens", **bearer(key)).json()
    assert [t["name"] for t in listed] == ["laptop", "phone"]
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at",
                              "active"}
    assert all("key" not in t and "key_hash" not in t for t in listed)

    assert client.post(f"/api/v1/me/tokens/{other.pk}/revoke", **bearer(key)).status_code == 404
    revoked = client.post(f"/api/v1/me/tokens/{second.pk}/revoke", **bearer(key))
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False and revoked.json()["revoked_at"]
    # Revoking the very token in use ends it.
    assert client.post(f"/api/v1/me/tokens/{first.pk}/revoke", **bearer(key)).status_code == 200
    assert client.get("/api/v1/me", **bearer(key)).status_code == 401
