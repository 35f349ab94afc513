"""Notices: inbox rows, unread count in the header, external channels through the worker."""

import json

import pytest
from django.test import override_settings

from gongzhi.notices import channels
from gongzhi.notices.models import Delivery, Notice
from gongzhi.notices.services import mark_read, send_notice
from gongzhi.notices.tasks import deliver_notices

pytestmark = pytest.mark.django_db


def test_send_creates_one_inbox_notice_per_recipient(demo):
    send_notice(recipients=[demo.users["grid"], demo.users["community"]], title="台风预警", body="请检查独居老人")
    assert Notice.objects.filter(title="台风预警").count() == 2
    assert Notice.objects.get(recipient=demo.users["grid"]).read_at is None


def test_header_shows_unread_count_and_inbox_marks_read(demo, login_as):
    send_notice(recipients=[demo.users["grid"]], title="第一条", link="/m/")
    send_notice(recipients=[demo.users["grid"]], title="第二条")
    client = login_as("grid")
    page = client.get("/m/").content.decode()
    assert 'data-testid="unread-count">2<' in page
    notice = Notice.objects.get(title="第一条")
    response = client.post(f"/notices/{notice.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert 'data-testid="unread-count">1<' in client.get("/m/").content.decode()
    client.post("/notices/read-all/")
    assert "unread-count" not in client.get("/m/").content.decode()


def test_inbox_lists_own_notices_only_and_filters_unread(demo, login_as):
    send_notice(recipients=[demo.users["grid"]], title="给网格员")
    send_notice(recipients=[demo.users["street"]], title="给街道")
    client = login_as("grid")
    page = client.get("/notices/").content.decode()
    assert "给网格员" in page and "给街道" not in page
    mark_read(user=demo.users["grid"])
    assert "给网格员" not in client.get("/notices/?unread=1").content.decode()


def test_cannot_open_someone_elses_notice(demo, login_as):
    (notice,) = send_notice(recipients=[demo.users["street"]], title="街道内部")
    assert login_as("grid").post(f"/notices/{notice.pk}/open/").status_code == 404
    assert Notice.objects.get(pk=notice.pk).read_at is None


def test_open_ignores_offsite_links(demo, login_as):
    (notice,) = send_notice(recipients=[demo.users["grid"]], title="外链", link="https://evil.example/")
    response = login_as("grid").post(f"/notices/{notice.pk}/open/")
    assert response["Location"] == "/notices/"


def test_empty_inbox_says_so(demo, login_as):
    assert "暂无通知" in login_as("resident").get("/notices/").content.decode()


def test_console_channel_writes_a_line_per_notice_once(demo, tmp_path):
    log = tmp_path / "notices.log"
    with override_settings(GONGZHI_NOTICE_CHANNELS=["inapp", "console"], GONGZHI_NOTICE_LOG=log):
        notices = send_notice(recipients=[demo.users["resident"]], title="停水通知", body="明日 9:00-12:00 停水")
        ids = [n.pk for n in notices]
        deliver_notices.call(ids)
        deliver_notices.call(ids)  # safe to run twice
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines == [{**lines[0], "to": "resident", "title": "停水通知", "body": "明日 9:00-12:00 停水"}]
    assert Delivery.objects.filter(notice_id__in=ids, channel="console", status="sent").count() == 1


class FailingGateway:
    name = "sms"

    def deliver(self, notice):
        raise ConnectionError("gateway down")


def test_a_failing_gateway_is_recorded_and_does_not_stop_delivery(demo, tmp_path):
    channels.register(FailingGateway())
    try:
        with override_settings(GONGZHI_NOTICE_CHANNELS=["sms", "console"], GONGZHI_NOTICE_LOG=tmp_path / "n.log"):
            notices = send_notice(recipients=[demo.users["grid"]], title="测试")
            deliver_notices.call([n.pk for n in notices])
    finally:
        channels._REGISTRY.pop("sms", None)
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"sms": "failed", "console": "sent"}

