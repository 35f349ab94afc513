"""The follow-up and 四议两公开 demo: built through the services, idempotent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gongzhi.deliberation import demo_follow
from gongzhi.deliberation.models import FourTwoStep, ProcessStatus, Task, TaskStatus, Topic, TopicStatus, VillageProcess

pytestmark = pytest.mark.django_db


def test_demo_builds_once(demo):
    lines = []
    ctx = SimpleNamespace(root=demo.district, residents=0, write=lines.append)
    for _twice in range(2):
        demo_follow.build_follow_up(ctx)
        demo_follow.build_villages(ctx)
    implementing = Topic.objects.get(title=demo_follow.IMPLEMENTING_TITLE)
    assert implementing.status == TopicStatus.IMPLEMENTING
    assert sorted(Task.objects.filter(topic=implementing).values_list("status", flat=True)) == [
        TaskStatus.ACTIVE, TaskStatus.DONE]
    assert Topic.objects.get(title=demo_follow.DONE_TITLE).status == TopicStatus.DONE
    completed = VillageProcess.objects.get(title=demo_follow.COMPLETED_TITLE)
    assert completed.status == ProcessStatus.COMPLETED
    stopped = VillageProcess.objects.get(title=demo_follow.STOPPED_TITLE)
    assert stopped.step == FourTwoStep.REVIEW and stopped.status == ProcessStatus.OPEN
    failed = stopped.records.get(step=FourTwoStep.REVIEW)
    assert not failed.passed and "14/30" in failed.shortfall
    assert len(lines) == 2


def test_demo_on_the_registry_demo(demo):
    """With the registry's residents: the demo resident (verified) rates the finished topic, and the
    villages' 应到 come from the registry where it counts enough party members."""
    from gongzhi.deliberation.models import Evaluation, StepRecord
    from gongzhi.registry import demo as registry_demo

    registry_demo.build(demo.district, residents=500)
    ctx = SimpleNamespace(root=demo.district, residents=500, write=lambda line: None)
    demo_follow.build_follow_up(ctx)
    demo_follow.build_villages(ctx)
    done = Topic.objects.get(title=demo_follow.DONE_TITLE)
    assert Evaluation.objects.get(topic=done).user == demo.users["resident"]
    failed = StepRecord.objects.get(process__title=demo_follow.STOPPED_TITLE, step=FourTwoStep.REVIEW)
    assert not failed.passed and failed.present * 2 < failed.expected


def test_demo_pages_render(demo, client):
    from django.urls import reverse

    ctx = SimpleNamespace(root=demo.district, residents=0, write=lambda line: None)
    demo_follow.build_follow_up(ctx)
    demo_follow.build_villages(ctx)
    client.force_login(demo.users["village"])
    for process in VillageProcess.objects.all():
        page = client.get(reverse("deliberation:village_process", args=[process.pk])).content.decode()
        assert process.title in page
        assert ("step-form" in page) == (process.status == ProcessStatus.OPEN)
    client.force_login(demo.users["resident"])
    for topic in Topic.objects.all():
        page = client.get(reverse("deliberation:topic_tasks", args=[topic.pk])).content.decode()
        assert "幸福社区居委会" in page and demo.users["community"].real_name not in page
    client.logout()
    page = client.get(reverse("deliberation:village_public", args=["341702101201"])).content.decode()
    assert demo_follow.COMPLETED_TITLE in page and "已完成" in page and "14/30" in page
