"""The offline queue's server side: each action applied exactly once, replays answered from the
record, conflicts and refusals stored with a clear message, scope enforced."""

from __future__ import annotations

import datetime
import io
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from gongzhi.audit.models import AuditEntry
from gongzhi.cases.models import Case, CaseStatus, Patrol, PatrolVisit
from gongzhi.field import actions
from gongzhi.field.models import ActionStatus, FieldAction

pytestmark = pytest.mark.django_db


def jpeg(colour="red") -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    out.seek(0)
    out.name = "photo.jpg"
    return out


def send(client, kind, payload, *, key=None, photos=(), recorded_at=None):
    key = key or uuid.uuid4().hex
    data = {"key": key, "kind": kind, "payload": json.dumps(payload, ensure_ascii=False),
            "recorded_at": (recorded_at or timezone.now()).isoformat()}
    if photos:
        data["photos"] = list(photos)
    return client.post(reverse("field:sync"), data), key


def patrol_payload(field, **extra):
    now = timezone.now()
    return {"grid": field.grid.code, "companions": "社区民警", "started_at": (now - datetime.timedelta(hours=2)).isoformat(),
            "ended_at": (now - datetime.timedelta(minutes=5)).isoformat(),
            "visits": [{"household": field.household.pk, "door": "", "note": "独居老人，身体好",
                        "at": (now - datetime.timedelta(hours=1)).isoformat()},
                       {"door": "幸福路90号", "head_name": "赵某", "note": "无人在家",
                        "at": (now - datetime.timedelta(minutes=30)).isoformat()}],
            "counts": {"disputes": 1, "fire_hazards": 2}, "summary": "楼道堆物已劝离", **extra}


def test_a_patrol_logged_offline_is_applied_once_and_a_replay_changes_nothing(client, field):
    client.force_login(field.worker)
    response, key = send(client, "patrol", patrol_payload(field))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "applied" and body["replayed"] is False
    patrol = Patrol.objects.get()
    assert patrol.worker == field.worker and patrol.area == field.grid and patrol.ended_at is not None
    assert patrol.fire_hazards == 2 and patrol.summary == "楼道堆物已劝离"
    visits = list(PatrolVisit.objects.order_by("at"))
    assert [v.door for v in visits] == [field.house.address, "幸福路90号"]
    assert visits[0].head_name == "张大伯"
    assert patrol.started_at < visits[0].at < patrol.ended_at  # the offline times are kept
    audits = AuditEntry.objects.count()

    again, _ = send(client, "patrol", patrol_payload(field), key=key)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["result"] == body["result"]
    assert Patrol.objects.count() == 1 and PatrolVisit.objects.count() == 2
    assert AuditEntry.objects.count() == audits
    assert FieldAction.objects.get(key=key).status == ActionStatus.APPLIED


def test_a_case_reported_offline_keeps_its_photo_and_is_filed_once(client, field):
    client.force_login(field.worker)
    before = Case.objects.count()
    payload = {"description": "3栋楼道灭火器过期", "grid": field.grid.code, "address": "阳光小区3栋"}
    response, key = send(client, "case.report", payload, photos=[jpeg()])
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=response.json()["result"]["case"])
    assert case.description == "3栋楼道灭火器过期" and case.area == field.grid and case.photos.count() == 1
    response, _ = send(client, "case.report", payload, key=key, photos=[jpeg("blue")])
    assert response.json()["replayed"] is True
    assert Case.objects.count() == before + 1 and case.photos.count() == 1


def test_a_verification_of_a_case_that_moved_on_is_a_conflict_that_names_the_new_state(client, field):
    client.force_login(field.worker)
    case = field.to_verify
    stale = {"case": case.pk, "version": case.version, "passed": True, "note": "现场已修复"}
    # Meanwhile the community verified it from the office.
    from gongzhi.cases import services

    services.act(actor=field.users["community"], case=case, action="verify", note="电话核实")
    response, key = send(client, "case.verify", stale, photos=[jpeg()])
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == "conflict" and case.number in body["message"] and "已保留" in body["message"]
    assert body["code"] == "conflict" and body["detail"] == body["message"]
    replay, _ = send(client, "case.verify", stale, key=key)
    assert replay.status_code == 409 and replay.json()["message"] == body["message"]
    assert not FieldAction.objects.filter(key=key).exists()  # a conflict writes nothing


def test_a_verification_applies_with_the_version_seen(client, field):
    client.force_login(field.worker)
    case = field.to_verify
    response, _ = send(client, "case.verify", {"case": case.pk, "version": case.version, "passed": False,
                                               "note": "井盖仍松动"}, photos=[jpeg()])
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status != CaseStatus.FEEDBACK and case.rework_count == 1


def test_a_household_visit_updates_the_resident_unless_someone_changed_the_field_meanwhile(client, field):
    client.force_login(field.worker)
    head = field.head
    response, _ = send(client, "household.visit", {"person": head.pk, "employment": "retired",
                                                   "seen": {"employment": head.employment}})
    assert response.status_code == 200, response.content
    head.refresh_from_db()
    assert head.employment == "retired"
    response, _ = send(client, "household.visit", {"person": head.pk, "employment": "employed",
                                                   "seen": {"employment": "unemployed"}})
    assert response.status_code == 409 and "已被他人修改" in response.json()["message"]
    head.refresh_from_db()
    assert head.employment == "retired"


def test_out_of_grid_records_are_refused(client, field):
    client.force_login(field.worker)
    response, _ = send(client, "household.visit", {"person": field.stranger.pk, "employment": "retired"})
    assert response.status_code == 422 and response.json()["status"] == "refused"
    response, _ = send(client, "patrol", patrol_payload(field, grid="34170200100102"))
    assert response.status_code == 422 and "只能巡查" in response.json()["message"]
    assert Patrol.objects.count() == 0


def test_bad_input_gets_a_json_error_with_a_code(client, field):
    client.force_login(field.worker)
    url = reverse("field:sync")
    assert client.post(url, {"kind": "patrol", "payload": "{}"}).json()["code"] == "invalid"  # no key
    response = client.post(url, {"key": "a" * 65, "kind": "patrol", "payload": "{}"})
    assert response.status_code == 422
    response = client.post(url, {"key": "k1", "kind": "patrol", "payload": "not json"})
    assert response.status_code == 422 and response.json()["fields"] == {"payload": "json"}
    response = client.post(url, {"key": "k2", "kind": "nonsense", "payload": "{}"})
    assert response.status_code == 422 and response.json()["fields"] == {"kind": "unknown"}
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"key": "k3", "kind": "patrol", "payload": "{}", "recorded_at": future})
    assert response.status_code == 422 and "日期和时间" in response.json()["message"]
    response = client.post(url, {"key": "k4", "kind": "patrol", "payload": "{}", "recorded_at": "2026-13-40T08:00"})
    assert response.status_code == 422 and response.json()["fields"] == {"recorded_at": "invalid"}
    response, _ = send(client, "patrol", {**patrol_payload(field), "started_at": "2026-02-30T08:00:00"})
    assert response.status_code == 422 and response.json()["fields"] == {"started_at": "invalid"}
    response, _ = send(client, "patrol", {**patrol_payload(field), "visits": "many"})
    assert response.status_code == 422
    response, _ = send(client, "case.report", {"description": ""})
    assert response.status_code == 422 and response.json()["status"] == "refused"
    assert not FieldAction.objects.filter(key__in=["k1", "k2", "k3", "k4"]).exists()


def test_a_photo_that_is_not_a_picture_is_refused_before_anything_is_written(client, field):
    client.force_login(field.worker)
    fake = io.BytesIO(b"MZ\x90\x00 not a picture")
    fake.name = "photo.jpg"
    response, key = send(client, "case.report", {"description": "有照片"}, photos=[fake])
    assert response.status_code == 422 and "photos" in response.json()["fields"]
    assert "照片" in response.json()["message"]
    assert not FieldAction.objects.filter(key=key).exists()


def test_the_endpoints_answer_json_401_and_403_never_a_redirect(client, field):
    for name in ("field:data", "field:sync"):
        response = client.post(reverse(name)) if name == "field:sync" else client.get(reverse(name))
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    client.force_login(field.users["resident"])
    assert client.get(reverse("field:data")).status_code == 403
    assert client.get(reverse("field:shell")).status_code == 403


def test_keys_are_per_user(client, field):
    client.force_login(field.worker)
    send(client, "patrol", patrol_payload(field), key="same-key")
    other = field.users["community"]
    answer = actions.replayed(other, "same-key")
    assert answer is None
