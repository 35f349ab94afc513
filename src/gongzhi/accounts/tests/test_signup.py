"""Resident sign-up: a phone number, a one-time SMS code (5 minutes, 5 tries, 60 s between sends,
daily limits), a password that follows the rules, and an account with the resident role."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection

from gongzhi.accounts import signup
from gongzhi.accounts.models import PhoneCode, RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.audit.models import AuditEntry
from gongzhi.privacy.masking import mask_phone

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
PASSWORD = "Jumin@2026"
SIGNUP_URL = "/accounts/signup/"
CONFIRM_URL = "/accounts/signup/confirm/"
RESEND_URL = "/accounts/signup/resend/"


@pytest.fixture
def sms_log(settings, tmp_path):
    """The console SMS log of this test; ``sms_log.codes()`` lists the codes sent, oldest first."""
    settings.GONGZHI_NOTICE_LOG = tmp_path / "notices.log"

    class Log:
        path = settings.GONGZHI_NOTICE_LOG

        def lines(self) -> list[dict]:
            if not self.path.exists():
                return []
            return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]

        def codes(self) -> list[str]:
            return [re.search(r"\d{6}", line["body"]).group() for line in self.lines()]

    return Log()


def age_codes(seconds: int) -> None:
    """Move every code's clock back, as if ``seconds`` had passed."""
    delta = timedelta(seconds=seconds)
    for code in PhoneCode.objects.all():
        PhoneCode.objects.filter(pk=code.pk).update(created_at=code.created_at - delta,
                                                    expires_at=code.expires_at - delta)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_code_goes_to_the_console_sms_log_and_is_stored_only_hashed(demo, sms_log):
    sent = signup.send_signup_code(phone="+86 139-1234-5678")

    assert sent.phone == PHONE and sent.channel == "console"
    [line] = sms_log.lines()
    assert line["to"] == "139****5678"  # masked: the console stand-in keeps no phone in clear
    [code] = sms_log.codes()
    row = PhoneCode.objects.get()
    assert code not in row.code_hash and PHONE not in row.phone_index
    assert timedelta(minutes=4, seconds=59) < row.expires_at - row.created_at <= timedelta(minutes=5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_phonecode")
        stored = " ".join(str(v) for v in cursor.fetchall()[0])
    assert code not in stored and PHONE not in stored
    for entry in AuditEntry.objects.all():
        text = json.dumps([entry.object_repr, entry.before, entry.after, entry.reason, entry.actor_name],
                          ensure_ascii=False)
        assert code not in text and PHONE not in text


def test_sign_up_creates_a_resident_and_signs_in(demo, client, sms_log):
    response = client.post(SIGNUP_URL, {"phone": PHONE})
    assert response.status_code == 302 and response.url == CONFIRM_URL

    page = client.get(CONFIRM_URL)
    assert "139****5678" in page.content.decode()
    response = client.post(CONFIRM_URL, {"code": sms_log.codes()[-1], "password": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302 and response.url == "/registry/verify/"
    user = User.objects.get(phone_index=User._meta.get_field("phone_index").compute(PHONE))
    assert user.phone == PHONE and user.check_password(PASSWORD)
    assert user.username != PHONE and user.username.startswith("jm")
    assert user.home_area is None
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.role == Role.RESIDENT and assignment.area == demo.district
    assert int(client.session["_auth_user_id"]) == user.pk
    signup_entry = AuditEntry.objects.get(action="account.signup")
    assert signup_entry.actor_id == user.pk and PHONE not in json.dumps(signup_entry.after)


def test_password_rules_apply_and_a_weak_password_keeps_the_code(demo, client, sms_log):
    client.post(SIGNUP_URL, {"phone": PHONE})
    code = sms_log.codes()[-1]

    weak = client.post(CONFIRM_URL, {"code": code, "password": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    assert "密码须包含小写字母、大写字母、数字、符号中的至少 3 类。" in weak.content.decode()
    assert not User.objects.filter(role_assignments__role=Role.RESIDENT).exclude(username__in=["resident", "villager"]).exists()  # the demo residents

    ok = client.post(CONFIRM_URL, {"code": code, "password": PASSWORD, "password2": PASSWORD})
    assert ok.status_code == 302


def test_expired_code_is_refused(demo, sms_log):
    signup.send_signup_code(phone=PHONE)
    age_codes(5 * 60 + 1)

    with pytest.raises(signup.CodeRefused) as refused:
        signup.register_resident(phone=PHONE, code=sms_log.codes()[-1], password=PASSWORD)
    assert refused.value.code == "code_expired"
    assert "验证码已过期" in refused.value.messages[0]


def test_five_wrong_codes_use_the_code_up(demo, sms_log):
    signup.send_signup_code(phone=PHONE)
    code = sms_log.codes()[-1]
    for left in (4, 3, 2, 1):
        with pytest.raises(signup.CodeRefused) as refused:
            signup.check_code(phone=PHONE, code=wrong(code))
        assert refused.value.messages[0] == f"验证码不正确，还可尝试 {left} 次。"
    with pytest.raises(signup.CodeRefused) as fifth:
        signup.check_code(phone=PHONE, code=wrong(code))
    assert fifth.value.code == "code_exhausted"

    # Even the right code no longer works: a new one must be requested.
    with pytest.raises(signup.CodeRefused) as right:
        signup.check_code(phone=PHONE, code=code)
    assert right.value.code == "code_exhausted"
    assert PhoneCode.objects.get().attempts == 5


def test_resend_is_refused_within_60_seconds_and_the_new_code_replaces_the_old(demo, client, sms_log):
    signup.send_signup_code(phone=PHONE)
    with pytest.raises(signup.CodeRefused) as refused:
        signup.send_signup_code(phone=PHONE)
    assert refused.value.code == "too_soon"
    assert len(sms_log.lines()) == 1

    age_codes(61)
    signup.send_signup_code(phone=PHONE)
    old, new = sms_log.codes()
    if old != new:
        with pytest.raises(signup.CodeRefused):
            signup.check_code(phone=PHONE, code=old)
    signup.check_code(phone=PHONE, code=new)


def test_resend_page_shows_the_wait(demo, client, sms_log):
    client.post(SIGNUP_URL, {"phone": PHONE})
    response = client.post(RESEND_URL, follow=True)
    assert re.search(r"验证码已发送，请 \d+ 秒后再重新获取。", response.content.decode())
    assert len(sms_log.lines()) == 1


def test_daily_limits_per_phone_and_per_address(demo, settings, sms_log):
    settings.GONGZHI_SMS_PHONE_DAILY = 2
    settings.GONGZHI_SMS_IP_DAILY = 3
    signup.send_signup_code(phone=PHONE)
    age_codes(61)
    signup.send_signup_code(phone=PHONE)
    age_codes(61)
    with pytest.raises(signup.CodeRefused) as phone_limit:
        signup.send_signup_code(phone=PHONE)
    assert phone_limit.value.code == "phone_daily_limit"

    class Request:
        META = {"REMOTE_ADDR": "10.1.2.3"}

    for n in range(3):
        signup.send_signup_code(phone=f"1371234000{n}", request=Request())
    with pytest.raises(signup.CodeRefused) as ip_limit:
        signup.send_signup_code(phone="13712340009", request=Request())
    assert ip_limit.value.code == "ip_daily_limit"

    # A day later the counters start again.
    age_codes(24 * 3600 + 1)
    signup.send_signup_code(phone=PHONE)


REGISTERED = "13800000008"  # the demo resident's phone
UNREGISTERED = "13800000009"


def _page_answer(client, phone: str) -> tuple[int, str]:
    response = client.post(SIGNUP_URL, {"phone": phone}, follow=True)
    text = re.sub(r"<input[^>]*csrfmiddlewaretoken[^>]*>", "", response.content.decode())
    text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)  # per-session tokens differ anyway
    return response.status_code, text.replace(phone[-4:], "####")


def test_a_registered_number_gets_the_same_page_answer_and_an_sms_instead_of_a_code(demo, sms_log):
    from django.test import Client

    registered = _page_answer(Client(), REGISTERED)
    unregistered = _page_answer(Client(), UNREGISTERED)
    assert registered == unregistered  # nothing on the page tells the two apart
    assert "如果该号码可以注册，验证码已发送至 138****####，5 分钟内有效。" in registered[1]
    assert "已注册" not in registered[1]

    to_registered, to_new = sms_log.lines()
    # The console log masks the number it was sent to (the gateway itself gets it whole).
    assert to_registered["to"] == mask_phone(REGISTERED) and "该手机号已注册共治账号" in to_registered["body"]
    assert not re.search(r"\d{6}", to_registered["body"])  # no code
    assert to_new["to"] == mask_phone(UNREGISTERED) and re.search(r"验证码为 \d{6}", to_new["body"])

    # Confirming with a guessed code fails as for any wrong code; no second account is made.
    client = Client()
    client.post(SIGNUP_URL, {"phone": REGISTERED})
    response = client.post(CONFIRM_URL, {"code": "123456", "password": PASSWORD, "password2": PASSWORD})
    assert "验证码" in response.content.decode() and "已注册" not in response.content.decode()
    assert User.objects.filter(phone_index__isnull=False).count() == User.objects.count()
    assert not User.objects.filter(username__startswith="jm").exists()


def test_registered_numbers_count_towards_the_same_limits(demo, settings, sms_log):
    settings.GONGZHI_SMS_PHONE_DAILY = 1
    settings.GONGZHI_SMS_IP_DAILY = 3

    class Request:
        META = {"REMOTE_ADDR": "10.1.2.4"}

    answers = {}
    for phone in (REGISTERED, UNREGISTERED):
        signup.send_signup_code(phone=phone, request=Request())
        age_codes(61)
        with pytest.raises(signup.CodeRefused) as refused:
            signup.send_signup_code(phone=phone, request=Request())
        answers[phone] = (refused.value.code, refused.value.messages)
    assert answers[REGISTERED] == answers[UNREGISTERED]
    assert answers[REGISTERED][0] == "phone_daily_limit"
    signup.send_signup_code(phone="13800000010", request=Request())
    with pytest.raises(signup.CodeRefused) as ip_limit:
        signup.send_signup_code(phone="13800000011", request=Request())
    assert ip_limit.value.code == "ip_daily_limit"


def test_invalid_phone_is_refused_in_chinese(demo, client, sms_log):
    response = client.post(SIGNUP_URL, {"phone": "12345"})
    assert "请填写 11 位手机号码。" in response.content.decode()


def test_confirm_page_needs_a_phone_first(demo, client):
    assert client.get(CONFIRM_URL).url == SIGNUP_URL


def test_login_page_links_to_sign_up(demo, client):
    assert 'href="/accounts/signup/"' in client.get("/accounts/login/").content.decode()


def test_sms_gateway_is_used_when_registered(demo, settings, sms_log):
    from gongzhi.notices import channels

    sent: list[tuple[str, str]] = []

    class Gateway(channels.SmsGatewayChannel):
        name = "sms-test"

        def send_sms(self, phone, text):
            sent.append((phone, text))
            return "queued"

    channels.register(Gateway())
    settings.GONGZHI_NOTICE_CHANNELS = ["inapp", "sms-test"]
    try:
        result = signup.send_signup_code(phone=PHONE)
    finally:
        channels._REGISTRY.pop("sms-test", None)
    assert result.channel == "sms-test"
    assert sent and sent[0][0] == PHONE and sms_log.lines() == []
