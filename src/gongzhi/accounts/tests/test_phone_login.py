"""Residents sign in with their mobile number; a typed number never reaches the lockout table or
the audit log in clear."""

from __future__ import annotations

import pytest

from gongzhi.accounts.models import LoginFailure
from gongzhi.accounts.services import login_name
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_resident_signs_in_with_their_phone(demo, client):
    response = client.post("/accounts/login/", {"username": "138 0000 0008", "password": demo.password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(demo.users["resident"].pk)


def test_usernames_still_work_and_a_numeric_username_wins_over_a_phone(demo):
    assert login_name("resident") == "resident"
    assert login_name("13800000008") == "resident"
    demo.users["grid"].username = "13800000008"
    demo.users["grid"].save(update_fields=["username"])
    assert login_name("13800000008") == "13800000008"


def test_a_wrong_password_for_a_phone_counts_against_the_account_without_storing_the_number(demo, client):
    client.post("/accounts/login/", {"username": "13800000008", "password": "wrong-password"})
    assert LoginFailure.objects.filter(username="resident").count() == 1
    client.post("/accounts/login/", {"username": "13912345678", "password": "wrong-password"})
    stored = list(LoginFailure.objects.values_list("username", flat=True))
    assert all("13912345678" not in name and "13800000008" not in name for name in stored)
    assert any(name.startswith("tel:") for name in stored)
    names = list(AuditEntry.objects.filter(action="login.failure").values_list("actor_name", flat=True))
    assert names and all("1391234" not in name and "1380000" not in name for name in names)


def test_a_nul_byte_in_the_username_is_refused_cleanly(demo, client):
    """PostgreSQL cannot hold NUL in text (found by schemathesis): the API parser refuses it, and the
    login page refuses it too (core.nul_guard)."""
    response = client.post("/api/v1/auth/token", {"username": "13800000008\x00", "password": "wrong-password"},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "nul_character"
    assert "\x00" not in "".join(LoginFailure.objects.values_list("username", flat=True))
    page = client.post("/accounts/login/", {"username": "13800000008\x00", "password": "wrong-password"})
    assert page.status_code == 400 and not LoginFailure.objects.exists()
    assert "提交的内容含有不允许的空字符" in page.content.decode()
