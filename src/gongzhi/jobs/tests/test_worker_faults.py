"""A job that needs too much memory or dies fails alone; jobs whose worker died are reaped.

These tests fork for real: ``GONGZHI_JOB_MEMORY_MB`` is set (the test settings turn it off), so
``services.run`` runs each job in a child process under the memory limit, as the worker does.
"""

from __future__ import annotations

import datetime
import io
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from gongzhi.core import isolation
from gongzhi.jobs import kinds, services
from gongzhi.jobs.models import Job, JobStatus
from gongzhi.registry import import_jobs
from tests.support import REPO_ROOT

pytestmark = pytest.mark.django_db


def _hungry(context):
    hoard = []
    while True:  # 64 MB at a time until the limit says no
        hoard.append(bytearray(64 * 1024 * 1024))


def _killed(context):
    os.kill(os.getpid(), signal.SIGKILL)


def _slow(context):
    time.sleep(60)


def _echo(context):
    context.job.message = "完成"
    context.job.result = {"pid": os.getpid()}
    context.write_output("结果.txt", lambda fh: fh.write(context.input_bytes().upper()))


@pytest.fixture(autouse=True)
def limited(settings):
    settings.GONGZHI_JOB_MEMORY_MB = 256
    for code, runner in (("test.hungry", _hungry), ("test.killed", _killed), ("test.slow", _slow),
                         ("test.echo", _echo)):
        kinds.register(kinds.JobKind(code, code, runner))


def _queued(user, kind: str) -> Job:
    job = Job.objects.create(kind=kind, actor=user)
    job.input_name = default_storage.save(f"jobs/{job.pk}/input-in.txt", io.BytesIO(b"abc"))
    job.save(update_fields=["input_name"])
    return job


def test_a_memory_hungry_job_fails_alone_and_the_next_job_still_runs(demo):
    user = demo.users["community"]
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hungry = services.run(_queued(user, "test.hungry").pk)

    assert hungry.status == JobStatus.FAILED and hungry.finished_at
    assert hungry.message == "处理这个文件所需的内存超过了限制（256 MB）：文件过大或内容异常，请检查后重新上传。"
    # The worker (this process) did not grow: the allocations happened in the job's own process.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 64 * 1024

    after = services.run(_queued(user, "test.echo").pk)
    assert (after.status, after.message) == (JobStatus.SUCCEEDED, "完成")
    assert after.result["pid"] != os.getpid()  # it ran in a child process too
    with services.output_stream(after) as fh:
        assert fh.read() == b"ABC"
    assert (after.worker_host, after.worker_pid) == (services.HOST, os.getpid())


def test_a_job_whose_process_is_killed_fails_with_a_clear_message(demo):
    user = demo.users["community"]
    killed = services.run(_queued(user, "test.killed").pk)

    assert killed.status == JobStatus.FAILED
    assert killed.message == "任务进程意外终止（可能超出了内存限制 256 MB）：请检查文件后重新上传。"
    assert services.run(_queued(user, "test.echo").pk).status == JobStatus.SUCCEEDED


def test_a_worker_stopped_while_its_job_runs_kills_the_job_and_says_it_was_interrupted(demo):
    """The task worker's SIGTERM handler raises SystemExit in the middle of ``run``."""
    def stop(signum, frame):
        raise SystemExit(1)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(1)
    try:
        started = time.monotonic()
        job = services.run(_queued(demo.users["community"], "test.slow").pk)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 10
    assert (job.status, job.message) == (JobStatus.FAILED, "处理中断，请重新上传")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_reaper_fails_running_jobs_whose_worker_is_gone_and_the_purge_covers_them(demo):
    user = demo.users["community"]
    now = timezone.now()
    orphan = _queued(user, "test.echo")
    alive = _queued(user, "test.echo")
    elsewhere_stale = _queued(user, "test.echo")
    elsewhere_fresh = _queued(user, "test.echo")
    Job.objects.filter(pk=orphan.pk).update(status=JobStatus.RUNNING, worker_host=services.HOST,
                                            worker_pid=_dead_pid(), started_at=now)
    Job.objects.filter(pk=alive.pk).update(status=JobStatus.RUNNING, worker_host=services.HOST,
                                           worker_pid=os.getpid(), started_at=now)
    Job.objects.filter(pk=elsewhere_stale.pk).update(status=JobStatus.RUNNING, worker_host="other-host",
                                                     worker_pid=1, heartbeat_at=now - datetime.timedelta(hours=1))
    Job.objects.filter(pk=elsewhere_fresh.pk).update(status=JobStatus.RUNNING, worker_host="other-host",
                                                     worker_pid=1, heartbeat_at=now)

    assert services.reap_interrupted() == 2

    for job in (orphan, alive, elsewhere_stale, elsewhere_fresh):
        job.refresh_from_db()
    assert (orphan.status, orphan.message) == (JobStatus.FAILED, "处理中断，请重新上传") and orphan.finished_at
    assert elsewhere_stale.status == JobStatus.FAILED
    assert alive.status == elsewhere_fresh.status == JobStatus.RUNNING

    # The uploaded file of the interrupted job is purged like any finished job's.
    Job.objects.filter(pk=orphan.pk).update(finished_at=now - datetime.timedelta(days=30))
    assert default_storage.exists(orphan.input_name)
    services.purge_files()
    assert not default_storage.exists(orphan.input_name)


def test_confirming_a_check_whose_worker_died_says_it_was_interrupted(demo):
    job = Job.objects.create(kind=import_jobs.KIND, actor=demo.users["community"], status=JobStatus.RUNNING,
                             params={"dry_run": True}, worker_host=services.HOST, worker_pid=_dead_pid())

    assert import_jobs.commit_refusal(job) == "文件检查被中断，没有完成：请重新上传文件。"
    job.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.FAILED, "处理中断，请重新上传")


def test_a_job_process_dies_with_its_worker(tmp_path):
    """A worker killed outright (SIGKILL) leaves no job process behind: the kernel kills it too."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        import os, time, sys
        sys.path.insert(0, {str(REPO_ROOT / "src")!r})
        from gongzhi.core import isolation
        def work():
            open({str(pid_file)!r}, "w").write(str(os.getpid()))
            time.sleep(120)
        isolation.run_in_child(work, memory_mb=256, name="t")
    """)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "gongzhi.settings.test"}
    worker = subprocess.Popen([sys.executable, "-c", "import django; django.setup(); exec(open(0).read())"],
                              stdin=subprocess.PIPE, env=env, text=True)
    worker.stdin.write(script)
    worker.stdin.close()
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    assert isolation.process_exists(child)

    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 10
    while isolation.process_exists(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not isolation.process_exists(child)


def test_the_clock_runs_the_reaper_every_five_minutes(demo):
    from gongzhi.core import schedule
    from gongzhi.jobs.tasks import reap_interrupted_jobs

    entry = schedule.REGISTRY["jobs.reap_interrupted_jobs"]
    assert entry.every == datetime.timedelta(minutes=5) and entry.task is reap_interrupted_jobs
    job = _queued(demo.users["community"], "test.echo")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker_host=services.HOST, worker_pid=_dead_pid())
    assert reap_interrupted_jobs.call() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_the_reaper_runs_as_often_as_a_job_on_another_host_may_go_stale(settings):
    from gongzhi.jobs.apps import reap_interval

    settings.GONGZHI_JOB_STALE_MINUTES = 1  # e.g. the scale-out run (bench/scenarios/scaleout.py)
    assert reap_interval() == datetime.timedelta(minutes=1)
    settings.GONGZHI_JOB_STALE_MINUTES = 15  # the default: every five minutes is often enough
    assert reap_interval() == datetime.timedelta(minutes=5)
