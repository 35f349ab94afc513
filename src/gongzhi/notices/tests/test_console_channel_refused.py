"""The console channel keeps phones and sign-up codes in a file: masked phones, refused in production."""

import json

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from gongzhi.notices import sms
from gongzhi.notices.channels import active_channels
from gongzhi.notices.services import send_notice
from gongzhi.notices.tasks import deliver_notices

REFUSED = {"GONGZHI_NOTICE_CHANNELS": ["inapp", "console"], "GONGZHI_CONSOLE_NOTICES": False}


def test_production_says_the_console_channel_is_refused_unless_enabled():
    with override_settings(**REFUSED):
        errors = [e for e in run_checks() if e.id == "notices.E001"]
        assert len(errors) == 1 and "GONGZHI_CONSOLE_NOTICES" in errors[0].hint
        assert [c.name for c in active_channels()] == []
    with override_settings(GONGZHI_NOTICE_CHANNELS=["inapp", "console"], GONGZHI_CONSOLE_NOTICES=True):
        assert not [e for e in run_checks() if e.id == "notices.E001"]
        assert [c.name for c in active_channels()] == ["console"]


def test_production_sends_no_sign_up_code_to_the_log(tmp_path):
    log = tmp_path / "notices.log"
    with override_settings(**REFUSED, GONGZHI_NOTICE_LOG=log), pytest.raises(sms.NoSmsGateway):
        sms.send_text("13912345678", "验证码 123456")
    assert not log.exists()


def test_the_console_log_masks_phones(demo, tmp_path):
    log = tmp_path / "notices.log"
    with override_settings(GONGZHI_NOTICE_CHANNELS=["inapp", "console"], GONGZHI_NOTICE_LOG=log):
        sms.send_text("13912345678", "您的注册验证码为 123456")
        notices = send_notice(recipients=[demo.users["resident"]], title="回访", body="请回电 13912340000")
        deliver_notices.call([n.pk for n in notices])
    text = log.read_text(encoding="utf-8")
    assert "13912345678" not in text and "13912340000" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[0]["to"] == "139****5678" and "123456" in lines[0]["body"]  # the demo reads its code here
    assert lines[1]["body"] == "请回电 139****0000"
