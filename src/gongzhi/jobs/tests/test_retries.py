"""A job whose kind may run again (``JobKind.retry``) is queued again once when its worker stops or dies."""

from __future__ import annotations

import signal
import time

import pytest
from django_tasks import default_task_backend

from gongzhi.jobs import kinds, services
from gongzhi.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _slow(context):
    time.sleep(60)


@pytest.fixture
def queue_only(settings):
    settings.GONGZHI_JOB_MEMORY_MB = 256  # in a child process, as the worker runs jobs
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    kinds.register(kinds.JobKind("test.slow_again", "test.slow_again", _slow, retry=lambda job: True))
    yield default_task_backend
    default_task_backend.clear()


def _stopped_while_running(job: Job, capture) -> Job:
    """Run ``job`` in a worker stopped (SIGTERM: SystemExit) a second later."""
    def stop(signum, frame):
        raise SystemExit(1)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(1)
    try:
        with capture(execute=True):
            return services.run(job.pk)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_job_whose_worker_is_stopped_is_queued_again_once_then_fails(demo, queue_only,
                                                                       django_capture_on_commit_callbacks):
    job = Job.objects.create(kind="test.slow_again", actor=demo.users["community"])

    _stopped_while_running(job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.result, job.worker_pid) == (JobStatus.QUEUED, {"retries": 1}, None)
    assert [(r.task.name, r.args) for r in queue_only.results] == [("run_job", [job.pk])]

    _stopped_while_running(job, django_capture_on_commit_callbacks)  # the retry is stopped too: no third run
    job.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.FAILED, "处理中断，请重新上传")
    assert job.result == {"retries": 1, "interrupted": True}
    assert len(queue_only.results) == 1
