"""Past the address throttle the login page and the token API ask for an image challenge
(图形验证码, drawn by accounts.captcha) instead of refusing a whole office; accounts still lock."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from gongzhi.accounts import captcha
from gongzhi.accounts.models import AccountLock, LoginCaptcha, LoginFailure

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.20"
WRONG = "Wrong@pass1"


@pytest.fixture
def throttled_office(demo, settings):
    """50 failures with made-up usernames from one office address, as in the report."""
    for n in range(settings.GONGZHI_IP_THROTTLE_FAILURES):
        LoginFailure.objects.create(username=f"nobody{n}", ip=OFFICE)
    return OFFICE


def known_answer(key: str, answer: str = "ABCDE") -> str:
    """Give the challenge ``key`` an answer the test knows (a person reads it off the image)."""
    LoginCaptcha.objects.filter(key=key).update(answer_hash=captcha._hash(key, answer))
    return answer


def page_key(response) -> str:
    return re.search(r'name="captcha_key" value="([^"]+)"', response.content.decode()).group(1)


def post_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra},
                       REMOTE_ADDR=OFFICE)


def test_the_challenge_is_a_png_drawn_here_and_only_its_hash_is_stored():
    challenge = captcha.new_challenge()
    image = Image.open(io.BytesIO(challenge.png))
    assert image.format == "PNG" and image.size == (captcha.WIDTH, captcha.HEIGHT)
    assert len(image.convert("L").getcolors(256)) > 20  # drawn text and noise, not a blank
    assert challenge.data_uri.startswith("data:image/png;base64,")
    row = LoginCaptcha.objects.get(key=challenge.key)
    assert len(row.answer_hash) == 64


def test_a_challenge_serves_one_try_and_ignores_case_and_spaces():
    challenge = captcha.new_challenge()
    known_answer(challenge.key, "ABCDE")
    assert captcha.verify(challenge.key, " ab cde ")
    assert not captcha.verify(challenge.key, "ABCDE")  # used up
    wrong = captcha.new_challenge()
    known_answer(wrong.key, "ABCDE")
    assert not captcha.verify(wrong.key, "ABCDX")
    assert not captcha.verify(wrong.key, "ABCDE")  # a wrong try used it up too


def test_past_the_threshold_the_right_password_and_captcha_get_in(throttled_office, client):
    page = client.get("/accounts/login/", REMOTE_ADDR=OFFICE)
    html = page.content.decode()
    assert 'data-testid="captcha"' in html and 'alt="图形验证码图片' in html and "看不清？换一张" in html

    without = post_login(client, "community", "Demo@12345")
    assert without.status_code == 403
    assert "请输入图形验证码" in without.content.decode()

    wrong = post_login(client, "community", "Demo@12345", captcha_key=page_key(without), captcha="ZZZZZ")
    assert wrong.status_code == 403 and "图形验证码错误或已过期" in wrong.content.decode()

    key = page_key(wrong)
    response = post_login(client, "community", "Demo@12345", captcha_key=key, captcha=known_answer(key))
    assert response.status_code == 302 and response.url == "/console/"


def test_an_address_below_the_threshold_sees_no_captcha(demo, client):
    assert 'data-testid="captcha"' not in client.get("/accounts/login/", REMOTE_ADDR=OFFICE).content.decode()


def test_the_per_account_lock_stays_behind_the_captcha(throttled_office, client):
    for _attempt in range(5):
        page = client.get("/accounts/login/", REMOTE_ADDR=OFFICE)
        key = page_key(page)
        post_login(client, "grid", WRONG, captcha_key=key, captcha=known_answer(key))
    assert AccountLock.objects.filter(username="grid").exists()
    key = page_key(client.get("/accounts/login/", REMOTE_ADDR=OFFICE))
    locked = post_login(client, "grid", "Demo@12345", captcha_key=key, captcha=known_answer(key))
    assert locked.status_code == 403 and "账号已锁定" in locked.content.decode()


def token(client, body):
    return client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json", REMOTE_ADDR=OFFICE)


def test_the_token_api_answers_captcha_required_then_accepts_a_solved_challenge(throttled_office, client):
    body = {"username": "grid", "password": "Demo@12345"}
    refused = token(client, body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "captcha_required"

    challenge = client.post("/api/v1/auth/captcha", REMOTE_ADDR=OFFICE)
    assert challenge.status_code == 200
    data = challenge.json()
    assert set(data) == {"id", "image", "expires"}
    png = base64.b64decode(data["image"].removeprefix("data:image/png;base64,"))
    assert Image.open(io.BytesIO(png)).format == "PNG"

    wrong = token(client, {**body, "captcha_id": data["id"], "captcha": "ZZZZZ"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "captcha_required"

    fresh = client.post("/api/v1/auth/captcha", REMOTE_ADDR=OFFICE).json()
    issued = token(client, {**body, "captcha_id": fresh["id"], "captcha": known_answer(fresh["id"])})
    assert issued.status_code == 200 and issued.json()["token"].startswith("gz_")


def test_another_address_needs_no_captcha(throttled_office):
    response = Client().post("/api/v1/auth/token", json.dumps({"username": "grid", "password": "Demo@12345"}),
                             content_type="application/json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200


def test_one_address_gets_a_bounded_number_of_challenges(db, client, monkeypatch):
    """Before: anyone could ask for challenges without end, each a database write and an image."""
    from gongzhi.accounts.models import LoginCaptcha

    monkeypatch.setattr(captcha, "PER_ADDRESS", 5)
    for _n in range(captcha.PER_ADDRESS):
        assert client.post("/api/v1/auth/captcha", REMOTE_ADDR="198.51.100.7").status_code == 200
    refused = client.post("/api/v1/auth/captcha", REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert "5 分钟" in refused.json()["detail"]
    assert LoginCaptcha.objects.count() == captcha.PER_ADDRESS
    assert client.post("/api/v1/auth/captcha", REMOTE_ADDR="198.51.100.8").status_code == 200  # another address
