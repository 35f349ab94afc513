"""The clock queues each registered periodic task once per interval, whatever the number of clocks."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.core import schedule
from gongzhi.core.models import PeriodicRun

pytestmark = pytest.mark.django_db


class FakeTask:
    def __init__(self):
        self.queued = 0

    def enqueue(self):
        self.queued += 1


@pytest.fixture
def registry(monkeypatch):
    entries = {}
    monkeypatch.setattr(schedule, "REGISTRY", entries)
    return entries


def test_a_task_is_queued_once_per_interval(registry):
    task = FakeTask()
    schedule.periodic("t", task, every=datetime.timedelta(minutes=5))
    now = timezone.now()
    assert schedule.tick(now) == ["t"]
    assert schedule.tick(now + datetime.timedelta(minutes=4)) == []  # a second clock, or the next round
    assert schedule.tick(now + datetime.timedelta(minutes=5)) == ["t"]
    assert task.queued == 2 and PeriodicRun.objects.get(name="t").last_enqueued_at == now + datetime.timedelta(minutes=5)


def test_a_failing_task_does_not_stop_the_others(registry):
    class Broken:
        def enqueue(self):
            raise RuntimeError("queue down")

    good = FakeTask()
    schedule.periodic("broken", Broken(), every=datetime.timedelta(minutes=1))
    schedule.periodic("good", good, every=datetime.timedelta(minutes=1))
    assert schedule.tick() == ["good"] and good.queued == 1


def test_the_apps_register_their_periodic_tasks():
    assert {"cases.sweep_deadlines", "cases.retrain_classifier", "audit.purge_audit_log",
            "jobs.purge_job_files"} <= set(schedule.REGISTRY)


def test_clock_once_queues_and_exits(registry, capsys):
    task = FakeTask()
    schedule.periodic("t", task, every=datetime.timedelta(hours=1))
    call_command("clock", "--once")
    assert task.queued == 1 and "queued t" in capsys.readouterr().out
