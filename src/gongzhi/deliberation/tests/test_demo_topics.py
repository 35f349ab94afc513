"""The demo's consultation data: a complete 7+X committee, smaller bodies, three topics; idempotent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.django_db


def test_build_topics_is_complete_and_idempotent(demo, client):
    from gongzhi.deliberation import bodies
    from gongzhi.deliberation.demo_topics import build_topics
    from gongzhi.deliberation.models import Body, Topic
    from gongzhi.registry import demo as registry_demo

    registry_demo.build(demo.district, residents=600)
    ctx = SimpleNamespace(root=demo.district, residents=600, write=lambda line: None)
    build_topics(ctx)
    counts = (Body.objects.count(), Topic.objects.count(), Topic.objects.get(status="discussing").meetings.count())
    build_topics(ctx)
    assert (Body.objects.count(), Topic.objects.count(),
            Topic.objects.get(status="discussing").meetings.count()) == counts
    committee = Body.objects.get(kind="committee")
    assert bodies.missing_kinds(committee) == []
    assert Body.objects.filter(kind="grid_council").exists() and Body.objects.filter(kind="property_council").exists()
    assert set(Topic.objects.values_list("status", flat=True)) == {"discussing", "refused", "proposed"}
    meeting = Topic.objects.get(status="discussing").meetings.get()
    assert meeting.status == "held" and meeting.minutes and meeting.opinion and 0 < meeting.present < meeting.expected
    client.force_login(demo.users["resident"])
    page = client.get(f"/deliberation/topics/{meeting.topic_id}/").content.decode()
    assert meeting.opinion[:10] in page and "该发言已被屏蔽：含他人个人信息" in page and "周书记" not in page
    client.force_login(demo.users["community"])
    assert client.get(f"/deliberation/bodies/{committee.pk}/").status_code == 200
    assert client.get(f"/deliberation/meetings/{meeting.pk}/").status_code == 200
