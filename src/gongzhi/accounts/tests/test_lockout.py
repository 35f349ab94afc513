"""Login guard: 5 failures lock an account for 15 minutes; past 50 failures from one address every
sign-in from it needs an image challenge (test_captcha.py).

The same guard sits behind the login page and POST /api/v1/auth/token, and the two count together.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.models import AccountLock, LoginFailure
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LOCK_MESSAGE = "连续登录失败次数过多，账号已锁定 15 分钟。请稍后再试，或联系管理员解锁。"
IP_MESSAGE = "该网络地址登录失败次数过多，请输入图形验证码后再登录。"
WRONG = "Wrong@pass1"


def expire_lock(username: str) -> None:
    AccountLock.objects.filter(username=username).update(until=timezone.now() - timedelta(seconds=1))


def test_five_bad_passwords_lock_the_account_and_the_right_one_is_then_refused(demo, page_login):
    for _attempt in range(4):
        response = page_login("community", WRONG)
        assert response.status_code == 401
        assert "用户名或密码错误。" in response.content.decode()

    fifth = page_login("community", WRONG)
    assert fifth.status_code == 403
    assert LOCK_MESSAGE in fifth.content.decode()

    sixth = page_login("community")
    assert sixth.status_code == 403
    assert LOCK_MESSAGE in sixth.content.decode()
    assert "_auth_user_id" not in sixth.wsgi_request.session
    lock = AccountLock.objects.get(username="community")
    assert timedelta(minutes=14) < lock.until - timezone.now() <= timedelta(minutes=15)


def test_lock_ends_after_its_period(demo, page_login):
    for _attempt in range(5):
        page_login("community", WRONG)
    assert page_login("community").status_code == 403

    expire_lock("community")

    # The failures that caused the lock do not count again: one typo is just a typo.
    assert page_login("community", WRONG).status_code == 401
    response = page_login("community")
    assert response.status_code == 302
    assert response.url == "/console/"


def test_lock_and_refusals_are_audited(demo, page_login):
    for _attempt in range(5):
        page_login("grid", WRONG)
    page_login("grid")

    actions = list(AuditEntry.objects.filter(actor_name="grid").order_by("seq").values_list("action", "success"))
    assert actions == [("login.failure", False)] * 5 + [("account.lock", False), ("login.refused", False)]


def test_token_api_locks_like_the_page(demo, token_login):
    for _attempt in range(4):
        response = token_login("street", WRONG)
        assert response.status_code == 401
        assert response.json() == {"detail": "用户名或密码错误。", "code": "invalid_credentials"}

    assert token_login("street", WRONG).status_code == 403
    response = token_login("street")
    assert response.status_code == 403
    assert response.json() == {"detail": LOCK_MESSAGE, "code": "locked"}

    expire_lock("street")
    response = token_login("street")
    assert response.status_code == 200
    assert response.json()["token"].startswith("gz_")


def test_page_and_api_failures_count_together(demo, page_login, token_login):
    page_login("street", WRONG)
    token_login("street", WRONG)
    page_login("street", WRONG)
    token_login("street", WRONG)
    assert AccountLock.objects.count() == 0

    assert page_login("street", WRONG).status_code == 403
    assert token_login("street").json()["code"] == "locked"
    assert page_login("street").status_code == 403


def test_username_case_does_not_give_extra_attempts(demo, page_login):
    for name in ["Street", "STREET", "street", "sTreet", "streeT"]:
        page_login(name, WRONG)
    assert page_login("street").status_code == 403


def test_success_forgives_earlier_typos(demo, page_login):
    for _attempt in range(4):
        page_login("street", WRONG)
    assert page_login("street").status_code == 302
    for _attempt in range(4):
        assert page_login("street", WRONG).status_code == 401
    assert not AccountLock.objects.exists()


def test_one_clerks_typos_do_not_lock_out_the_shared_office_address(demo, client, page_login):
    office = "192.0.2.10"
    for _attempt in range(5):
        page_login("community", WRONG, ip=office)
    assert page_login("community", ip=office).status_code == 403

    colleague = page_login("grid", ip=office, c=Client())
    assert colleague.status_code == 302
    assert colleague.url == "/m/"


def test_fifty_failures_across_accounts_throttle_the_address(demo, page_login, token_login):
    attacker = "198.51.100.7"
    # 10 accounts x 5 guesses: every account ends up locked, and the address keeps all 50.
    for n in range(10):
        for _attempt in range(5):
            if n % 2:
                token_login(f"user{n}", WRONG, ip=attacker)
            else:
                page_login(f"user{n}", WRONG, ip=attacker)
    assert LoginFailure.objects.filter(ip=attacker).count() == 50

    refused = page_login("district", ip=attacker)
    assert refused.status_code == 403
    assert IP_MESSAGE in refused.content.decode()
    assert 'data-testid="captcha"' in refused.content.decode()
    assert token_login("district", ip=attacker).json() == {"detail": IP_MESSAGE, "code": "captcha_required"}
    assert AuditEntry.objects.filter(action="login.refused", reason="captcha_required").exists()

    # The same account from another address is fine: only the address is throttled.
    assert page_login("district", ip="203.0.113.5", c=Client()).status_code == 302


def test_fortynine_failures_do_not_throttle_the_address(demo, page_login):
    office = "192.0.2.20"
    for n in range(49):
        page_login(f"typo{n}", WRONG, ip=office)
    assert page_login("community", ip=office).status_code == 302


def test_unlock_command_lifts_the_lock_and_is_audited(demo, page_login, capsys):
    for _attempt in range(5):
        page_login("street", WRONG)
    assert page_login("street").status_code == 403

    call_command("unlock", "street")

    assert "unlocked street" in capsys.readouterr().out
    assert not AccountLock.objects.exists()
    entry = AuditEntry.objects.get(action="account.unlock")
    assert (entry.actor_id, entry.actor_name, entry.object_id, entry.after) == (
        None, "command-line", "street", {"was_locked": True})
    assert page_login("street").status_code == 302


def test_unlock_command_refuses_unknown_users(demo):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("unlock", "nobody")


def test_system_admin_unlocks_on_the_account_page(demo, client, page_login):
    for _attempt in range(5):
        page_login("grid", WRONG)
    target = demo.users["grid"]
    client.force_login(demo.users["admin"])

    detail = client.get(f"/accounts/users/{target.pk}/")
    assert 'data-testid="locked"' in detail.content.decode()
    assert f'action="/accounts/users/{target.pk}/unlock/"' in detail.content.decode()

    response = client.post(f"/accounts/users/{target.pk}/unlock/")
    assert response.status_code == 302
    assert response.url == f"/accounts/users/{target.pk}/"
    assert not AccountLock.objects.exists()
    entry = AuditEntry.objects.get(action="account.unlock")
    assert entry.actor_id == demo.users["admin"].pk and entry.object_id == "grid"
    assert "已解除账号 grid 的登录锁定。" in client.get(response.url).content.decode()
    assert page_login("grid", c=Client()).status_code == 302


@pytest.mark.parametrize("username", ["auditor", "district", "street", "community", "grid", "dept", "resident"])
def test_only_the_system_admin_may_unlock(demo, client, page_login, username):
    for _attempt in range(5):
        page_login("grid", WRONG)
    client.force_login(demo.users[username])

    response = client.post(f"/accounts/users/{demo.users['grid'].pk}/unlock/")

    assert response.status_code == 403
    assert AccountLock.objects.filter(username="grid").exists()


def test_unlock_needs_post(demo, client):
    client.force_login(demo.users["admin"])
    assert client.get(f"/accounts/users/{demo.users['grid'].pk}/unlock/").status_code == 405


def test_unlock_command_on_an_unlocked_account_says_so(demo, capsys):
    call_command("unlock", "street")
    assert "当前未被锁定" in capsys.readouterr().out
    assert AuditEntry.objects.get(action="account.unlock").after == {"was_locked": False}


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/areas/341702001/", "/areas/341702001/"),
    ("https://evil.example/", "/console/"),
    ("//evil.example/", "/console/"),
])
def test_sign_in_follows_only_local_next_urls(demo, client, next_url, expected):
    response = client.post(f"/accounts/login/?next={next_url}", {"username": "street", "password": demo.password},
                           REMOTE_ADDR="10.0.0.1")
    assert (response.status_code, response.url) == (302, expected)


def test_management_password_page_is_the_accounts_one(demo, login_as):
    response = login_as("admin").get("/manage/password_change/")
    assert (response.status_code, response.url) == (302, "/accounts/password/")
