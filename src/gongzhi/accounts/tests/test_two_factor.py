"""TOTP two-factor: set-up with a QR code, sign-in with the code, the requirement for privileged roles."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts.models import AccountLock, LoginFailure
from gongzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    # django-otp slows down guesses per device (1 s, 2 s, 4 s…); these tests need no waiting.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def wrong(good: str) -> str:
    return f"{(int(good) + 1) % 1_000_000:06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def test_setup_page_shows_a_qr_code_and_the_secret(demo, login_as):
    client = login_as("street")
    response = client.get("/accounts/two-factor/")
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=demo.users["street"], confirmed=False)
    assert response.status_code == 200
    assert 'src="data:image/svg+xml' in html
    typed = re.search(r'data-testid="totp-secret">([^<]+)</code>', html).group(1)
    # Before: the device's hex key (40 characters), which no authenticator app accepts. Now base32,
    # in groups of four, decoding to the device's key: a code made from it is accepted.
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})*", typed) and typed.replace(" ", "") != device.key.upper()
    secret = base64.b32decode(typed.replace(" ", ""))
    assert secret == device.bin_key
    assert device.verify_token(f"{totp(secret, step=device.step, digits=device.digits):0{device.digits}d}")


def test_residents_are_not_offered_tokens_or_two_factor_set_up(demo, login_as):
    """Before: a resident's 个人中心 offered API tokens and two-factor set-up meant for staff."""
    resident = login_as("resident")
    html = resident.get("/accounts/profile/").content.decode()
    assert 'data-testid="token-panel"' not in html and "/accounts/two-factor/" not in html
    assert resident.post("/accounts/profile/", {"name": "我的脚本"}).status_code == 403
    staff = login_as("street").get("/accounts/profile/").content.decode()
    assert 'data-testid="token-panel"' in staff and "/accounts/two-factor/" in staff


def test_confirming_a_valid_code_enables_two_factor(demo, login_as):
    client = login_as("street")
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=demo.users["street"])

    refused = client.post("/accounts/two-factor/", {"token": wrong(code(device))})
    assert refused.status_code == 200
    assert "验证码错误或已过期。" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    response = client.post("/accounts/two-factor/", {"token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="account.2fa_enable", actor=demo.users["street"]).exists()
    assert "已开启" in client.get("/accounts/profile/").content.decode()


def test_after_set_up_sign_in_needs_the_code(demo, page_login):
    device = confirmed_device(demo.users["street"])

    missing = page_login("street", c=Client())
    assert missing.status_code == 401
    assert "动态验证码错误或已过期。" in missing.content.decode()

    bad = page_login("street", otp=wrong(code(device)), c=Client())
    assert bad.status_code == 401
    assert LoginFailure.objects.filter(username="street", cleared=False).count() == 2
    assert AuditEntry.objects.filter(action="login.otp_failure", actor_name="street").count() == 2

    client = Client()
    good = page_login("street", otp=code(device), c=client)
    assert good.status_code == 302
    assert good.url == "/console/"
    assert client.get("/console/").status_code == 200
    assert not LoginFailure.objects.filter(username="street", cleared=False).exists()


def test_wrong_codes_lock_the_account_even_with_the_right_password(demo, page_login):
    device = confirmed_device(demo.users["district"])
    for _attempt in range(4):
        assert page_login("district", otp="000000").status_code == 401
    locked = page_login("district", otp="000000")
    assert locked.status_code == 403
    assert "账号已锁定" in locked.content.decode()
    assert AccountLock.objects.filter(username="district").exists()
    assert page_login("district", otp=code(device)).status_code == 403


def test_code_cannot_be_replayed(demo, page_login):
    device = confirmed_device(demo.users["street"])
    used = code(device)
    assert page_login("street", otp=used, c=Client()).status_code == 302
    assert page_login("street", otp=used, c=Client()).status_code == 401


PAGES = ["/", "/console/", "/areas/", "/areas/map/", "/accounts/profile/", "/accounts/password/", "/notices/"]


@pytest.mark.parametrize("username", ["street", "district", "admin", "auditor"])
def test_required_two_factor_redirects_every_page_until_set_up(demo, login_as, settings, username):
    settings.GONGZHI_REQUIRE_2FA = True
    client = login_as(username)
    for path in PAGES:
        response = client.get(path)
        assert (response.status_code, response.url) == (302, "/accounts/two-factor/"), path
    page = client.get("/accounts/two-factor/")
    assert "您的角色须开启两步验证后才能继续使用。" in page.content.decode()
    refused = client.get("/api/v1/me")
    assert refused.status_code == 403 and refused.json()["code"] == "two_factor_setup_required"

    device = TOTPDevice.objects.get(user=demo.users[username])
    assert client.post("/accounts/two-factor/", {"token": code(device)}).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_required_two_factor_leaves_other_roles_alone(demo, login_as, settings):
    settings.GONGZHI_REQUIRE_2FA = True
    assert login_as("community").get("/console/").status_code == 200


def test_two_factor_is_not_required_when_switched_off(demo, login_as, settings):
    settings.GONGZHI_REQUIRE_2FA = False
    assert login_as("street").get("/console/").status_code == 200


def test_sign_in_with_required_two_factor_leads_to_set_up(demo, client, page_login, settings):
    settings.GONGZHI_REQUIRE_2FA = True
    response = page_login("street")
    assert response.status_code == 302
    assert client.get(response.url).url == "/accounts/two-factor/"


def test_session_confirmed_elsewhere_must_verify_here(demo, settings):
    """A device confirmed in another session: this older session must enter a code too."""
    settings.GONGZHI_REQUIRE_2FA = True
    device = confirmed_device(demo.users["street"])
    client = Client()
    client.force_login(demo.users["street"])
    assert client.get("/console/").url == "/accounts/two-factor/"
    assert "请输入验证器中显示的 6 位数字。" in client.get("/accounts/two-factor/").content.decode()
    assert client.post("/accounts/two-factor/", {"token": code(device)}).status_code == 302
    assert client.get("/console/").status_code == 200


def test_guessing_codes_in_a_half_signed_in_session_locks_and_ends_it(demo, settings):
    settings.GONGZHI_REQUIRE_2FA = True
    confirmed_device(demo.users["street"])
    client = Client()
    client.force_login(demo.users["street"])
    for _attempt in range(4):
        assert client.post("/accounts/two-factor/", {"token": "000000"}).status_code == 200
    response = client.post("/accounts/two-factor/", {"token": "000000"})
    assert (response.status_code, response.url) == (302, "/accounts/login/")
    assert AccountLock.objects.filter(username="street").exists()
    assert client.get("/console/").status_code == 302


def post_token(client, body: dict):
    return client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")


def test_token_api_needs_the_code_once_set_up(demo, client):
    device = confirmed_device(demo.users["street"])
    body = {"username": "street", "password": demo.password}

    missing = post_token(client, body)
    assert missing.status_code == 401
    assert missing.json()["code"] == "otp_required"
    assert post_token(client, {**body, "otp": wrong(code(device))}).json()["code"] == "otp_required"
    assert LoginFailure.objects.filter(username="street", cleared=False).count() == 2

    response = post_token(client, {**body, "otp": code(device)})
    assert response.status_code == 200
    key = response.json()["token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()["username"] == "street"


def test_token_api_refuses_roles_that_must_set_up_two_factor_first(demo, client, settings):
    settings.GONGZHI_REQUIRE_2FA = True
    response = post_token(client, {"username": "street", "password": demo.password})
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_setup_required"
    assert post_token(client, {"username": "community", "password": demo.password}).status_code == 200


def test_admin_resets_a_lost_device_and_the_user_sets_up_again(demo, login_as):
    confirmed_device(demo.users["street"])
    client = login_as("admin")
    response = client.post(
        "/manage/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [demo.users["street"].pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=demo.users["street"]).exists()
    entry = AuditEntry.objects.filter(action="account.2fa_reset").get()
    assert entry.actor_name == "admin" and entry.after == {"devices_removed": 1}


def test_only_account_managers_may_reset_two_factor(demo):
    from django.core.exceptions import PermissionDenied

    from gongzhi.accounts.services import reset_two_factor

    confirmed_device(demo.users["street"])
    with pytest.raises(PermissionDenied):
        reset_two_factor(actor=demo.users["district"], user=demo.users["street"])
    assert TOTPDevice.objects.filter(user=demo.users["street"]).exists()
