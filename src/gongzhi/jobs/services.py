"""Starting and running background jobs, and handing out their output files."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from typing import IO, Any

from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import record

from . import kinds, progress
from .models import Job, JobStatus

logger = logging.getLogger(__name__)
DIRECTORY = "jobs"


def _safe_name(name: str) -> str:
    """A storage-safe file name keeping its extension (Chinese letters are fine; separators are not)."""
    name = re.sub(r"[\\/\x00-\x1f:*?\"<>|]", "_", name).strip(" .") or "file"
    return name[-120:]


def start(*, kind: str, actor, area=None, params: dict[str, Any] | None = None,
          input_bytes: bytes | None = None, input_file: IO[bytes] | None = None, input_filename: str = "") -> Job:
    """Record a job and queue it for the worker once the caller's transaction commits.

    Its input is ``input_bytes`` or, better for uploads, ``input_file`` (an uploaded file, or any
    binary file object), which is copied to storage in chunks without being read into memory.
    """
    kinds.get(kind)  # fail early on a typo, not in the worker
    if input_bytes is not None and input_file is not None:
        raise ValueError("start takes input_bytes or input_file, not both")
    purge_files(limit=50)
    job = Job.objects.create(kind=kind, actor=actor, area=area, params=params or {})
    if input_bytes is not None or input_file is not None:
        content = ContentFile(input_bytes) if input_file is None else File(input_file)
        content.seek(0)
        job.input_name = default_storage.save(
            f"{DIRECTORY}/{job.pk}/input-{_safe_name(input_filename or 'upload')}", content)
        job.save(update_fields=["input_name"])
    from .tasks import run_job  # the task module imports this one

    transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


class JobContext:
    """What a runner gets: the job, its input, a progress callback, and an output slot."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.progress: Callable[[str, int, int], None] = progress.Reporter(job.pk)

    @property
    def actor(self):
        return self.job.actor

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    def input_bytes(self) -> bytes:
        with self.open_input() as fh:
            return fh.read()

    def open_input(self) -> IO[bytes]:
        """The job's input file, opened for reading (close it, e.g. with ``with``)."""
        if not self.job.input_name or not default_storage.exists(self.job.input_name):
            raise kinds.JobError(_("任务的输入文件已不存在，请重新上传。"))
        return default_storage.open(self.job.input_name, "rb")

    def write_output(self, label: str, write: Callable[[IO[bytes]], None]) -> None:
        """Store the output file: ``write(fh)`` fills a temporary file, which is then saved."""
        with tempfile.TemporaryFile() as fh:
            write(fh)
            fh.seek(0)
            self.job.output_name = default_storage.save(f"{DIRECTORY}/{self.job.pk}/{_safe_name(label)}", File(fh))
        self.job.output_label = label


def run(job_id: int) -> Job | None:
    """Run a queued job (the worker calls this). Running a job twice does nothing the second time."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now())
    job = Job.objects.select_related("actor", "area").filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    context = JobContext(job)
    try:
        kinds.get(job.kind).runner(context)
    except kinds.JobError as error:
        _finish(job, JobStatus.FAILED, str(error))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, _("任务执行出错，请稍后重试或联系系统管理员。"))
    else:
        _finish(job, JobStatus.SUCCEEDED, job.message)
    return job


def _finish(job: Job, status: str, message: str) -> None:
    job.status = status
    job.message = (message or "")[:500]
    job.finished_at = timezone.now()
    if status == JobStatus.SUCCEEDED and job.total:
        job.done = job.total
    job.save()
    progress.forget(job.pk)


def open_output(*, actor, job: Job, request=None) -> IO[bytes]:
    """The job's output file for its owner; every download is audited (exports may hold personal data)."""
    if job.actor_id != actor.pk or job.status != JobStatus.SUCCEEDED or not job.output_name:
        raise FileNotFoundError
    if not default_storage.exists(job.output_name):
        raise FileNotFoundError
    record(actor=actor, action="jobs.download", obj=job, after={"kind": job.kind, "file": job.output_label},
           request=request)
    return default_storage.open(job.output_name, "rb")


def purge_files(*, days: int | None = None, limit: int | None = None) -> int:
    """Delete the input and output files of jobs finished more than ``days`` ago (default
    ``GONGZHI_JOB_FILE_DAYS``); the job rows stay as history. Returns the number of jobs purged.

    Import uploads and export workbooks hold personal data, in plain text in the export when it
    was unmasked, so they are not kept longer than needed. Called by ``./gz manage purge_jobs``
    (daily, from cron) and, a few at a time, whenever a job starts.
    """
    cutoff = timezone.now() - timedelta(days=days or settings.GONGZHI_JOB_FILE_DAYS)
    stale = (Job.objects.filter(finished_at__lt=cutoff).exclude(input_name="", output_name="")
             .order_by("finished_at").only("pk", "input_name", "output_name"))
    purged = 0
    for job in stale[:limit] if limit else stale.iterator():
        for name in (job.input_name, job.output_name):
            if name and default_storage.exists(name):
                default_storage.delete(name)
        Job.objects.filter(pk=job.pk).update(input_name="", output_name="")
        purged += 1
    return purged
