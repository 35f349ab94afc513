"""Background jobs: start → run (the immediate task backend) → progress, result, download."""

from __future__ import annotations

import json

import pytest
from django.core.cache import caches
from django.urls import reverse

from gongzhi.audit.models import AuditEntry
from gongzhi.jobs import kinds, progress, services
from gongzhi.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _write_upper(context):
    data = context.input_bytes()
    total = len(data)
    for done in range(1, total + 1):
        context.progress("work", done, total)
    context.job.total = total
    context.job.message = "完成"
    context.job.result = {"length": total}
    context.write_output("结果.txt", lambda fh: fh.write(data.upper()))


def _refuse(context):
    raise kinds.JobError("文件不合格")


def _crash(context):
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def test_kinds():
    kinds.register(kinds.JobKind("test.upper", "大写", _write_upper, stages={"work": "处理"}))
    kinds.register(kinds.JobKind("test.refuse", "拒绝", _refuse))
    kinds.register(kinds.JobKind("test.crash", "崩溃", _crash))


def _start(user, kind, django_capture_on_commit_callbacks, data=b"abc"):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start(kind=kind, actor=user, input_bytes=data, input_filename="in.txt")
    job.refresh_from_db()
    return job


def test_a_job_runs_to_its_output_and_only_its_owner_downloads_it(demo, client, django_capture_on_commit_callbacks):
    job = _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {"length": 3} and job.output_label == "结果.txt"

    client.force_login(demo.users["community"])
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert "下载" in page.content.decode()
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"ABC"
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="jobs.download", object_id=str(job.pk)).count() == 1

    client.force_login(demo.users["street"])
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:progress", args=[job.pk])).status_code == 404


def test_a_refused_job_shows_its_reason_and_a_crash_a_generic_message(demo, django_capture_on_commit_callbacks):
    refused = _start(demo.users["community"], "test.refuse", django_capture_on_commit_callbacks)
    assert (refused.status, refused.message) == (JobStatus.FAILED, "文件不合格")
    crashed = _start(demo.users["community"], "test.crash", django_capture_on_commit_callbacks)
    assert crashed.status == JobStatus.FAILED
    assert "boom" not in crashed.message and "任务执行出错" in crashed.message


def test_running_a_job_twice_does_nothing_the_second_time(demo, django_capture_on_commit_callbacks):
    job = _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks)
    finished_at = job.finished_at
    services.run(job.pk)
    job.refresh_from_db()
    assert job.finished_at == finished_at


def test_an_unknown_kind_is_refused_when_started(demo):
    with pytest.raises(LookupError):
        services.start(kind="test.nope", actor=demo.users["community"])
    assert not Job.objects.exists()


def test_progress_of_a_running_job_comes_from_the_cache(demo, client):
    job = Job.objects.create(kind="test.upper", actor=demo.users["community"], status=JobStatus.RUNNING)
    progress.publish(job.pk, "work", 40, 200)
    client.force_login(demo.users["community"])
    data = json.loads(client.get(reverse("jobs:progress", args=[job.pk])).content)
    assert (data["status"], data["stage"], data["done"], data["total"], data["percent"]) == ("running", "work", 40, 200, 20)
    fragment = client.get(reverse("jobs:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert "处理" in fragment.content.decode() and "HX-Refresh" not in fragment
    assert 'hx-trigger="every 1s"' in fragment.content.decode()

    Job.objects.filter(pk=job.pk).update(status=JobStatus.SUCCEEDED)
    fragment = client.get(reverse("jobs:progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true" and "every 1s" not in fragment.content.decode()


def test_the_reporter_publishes_stage_changes_and_completion_but_throttles_the_rest():
    caches[progress.CACHE_ALIAS].clear()
    reporter = progress.Reporter(987654, interval=3600)
    reporter("validate", 1, 100)
    reporter("validate", 50, 100)
    assert caches[progress.CACHE_ALIAS].get("gongzhi:job:987654")["done"] == 1
    reporter("validate", 100, 100)
    assert caches[progress.CACHE_ALIAS].get("gongzhi:job:987654")["done"] == 100
    reporter("write", 3, 10)
    assert caches[progress.CACHE_ALIAS].get("gongzhi:job:987654")["stage"] == "write"


def test_my_jobs_lists_only_mine(demo, client, django_capture_on_commit_callbacks):
    _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks)
    client.force_login(demo.users["community"])
    assert "大写" in client.get(reverse("jobs:list")).content.decode()
    client.force_login(demo.users["street"])
    assert "您还没有发起过后台任务" in client.get(reverse("jobs:list")).content.decode()


def test_old_job_files_are_purged_and_the_job_row_stays(demo, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.utils import timezone

    old = _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks)
    recent = _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks)
    names = (old.input_name, old.output_name)
    assert all(default_storage.exists(n) for n in names)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    call_command("purge_jobs")
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.input_name, old.output_name) == ("", "")
    assert not any(default_storage.exists(n) for n in names)
    assert recent.output_name and default_storage.exists(recent.output_name)
    assert old.status == JobStatus.SUCCEEDED


def test_an_uploaded_input_file_is_copied_to_storage_in_chunks(demo, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("名单.txt", "text/plain", 0, None)
    content = b"line of text\n" * 300_000  # 3.9 MB on disk, copied 64 KB at a time
    upload.write(content)
    upload.size = upload.tell()

    class Counting:
        """The upload, counting the largest single read the storage asks of it."""

        largest = 0

        def __init__(self, inner):
            self.inner, self.size, self.name = inner, inner.size, inner.name

        def read(self, n=-1):
            data = self.inner.read(n)
            Counting.largest = max(Counting.largest, len(data))
            return data

        def seek(self, *args):
            return self.inner.seek(*args)

        def tell(self):
            return self.inner.tell()

    with django_capture_on_commit_callbacks(execute=True):
        job = services.start(kind="test.upper", actor=demo.users["community"], input_file=Counting(upload),
                             input_filename=upload.name)
    job.refresh_from_db()
    upload.close()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"length": len(content)}
    assert 0 < Counting.largest <= 1024 * 1024  # never the whole file at once
    with pytest.raises(ValueError):
        services.start(kind="test.upper", actor=demo.users["community"], input_bytes=b"x", input_file=upload)


def test_job_files_are_sealed_at_rest_and_open_only_as_their_own_job(demo, client, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    secret = "341702200211252264 张三 13912340000\n".encode() * 5000
    job = _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks, data=secret)
    assert job.status == JobStatus.SUCCEEDED, job.message
    for name in (job.input_name, job.output_name):
        with default_storage.open(name, "rb") as fh:
            stored = fh.read()
        assert b"13912340000" not in stored and b"341702200211252264" not in stored
        assert "张三".encode() not in stored and stored.startswith(b"GZSEAL1\n")

    client.force_login(demo.users["community"])
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert b"".join(response.streaming_content) == secret.upper()
    # A job's file moved under another job (a swapped file on disk) does not open there.
    other = _start(demo.users["community"], "test.upper", django_capture_on_commit_callbacks, data=b"x")
    with default_storage.open(job.input_name, "rb") as source, default_storage.open(other.input_name, "wb") as target:
        target.write(source.read())
    with pytest.raises(kinds.JobError, match="已损坏"):
        services.JobContext(other).input_bytes()
