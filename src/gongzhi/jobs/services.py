"""Starting and running background jobs, and handing out their output files."""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import tempfile
from collections.abc import Callable
from typing import IO, Any

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.audit.services import record

from gongzhi.core import isolation
from gongzhi.core.files import is_disk_full, save_whole
from gongzhi.privacy import sealed

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
    binary file object), which is copied to storage in chunks without being read into memory. The
    job's row and its input are written together or not at all: should storing the input fail (a
    full disk), no job is left queued without it, and no partial file is left behind.
    """
    kinds.get(kind)  # fail early on a typo, not in the worker
    if input_bytes is not None and input_file is not None:
        raise ValueError("start takes input_bytes or input_file, not both")
    purge_files(limit=50)
    with transaction.atomic():
        job = Job.objects.create(kind=kind, actor=actor, area=area, params=params or {})
        if input_bytes is not None or input_file is not None:
            source = io.BytesIO(input_bytes) if input_file is None else input_file
            source.seek(0)
            job.input_name = _save_sealed(f"{DIRECTORY}/{job.pk}/input-{_safe_name(input_filename or 'upload')}",
                                          lambda fh: sealed.seal(source, fh, label=_label(job, "input")))
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
        """The job's input file, opened for reading and seekable (close it, e.g. with ``with``).

        Its plaintext is held in memory up to ``OPENED_IN_MEMORY_BYTES``, then in an unnamed
        temporary file (gone when closed); the stored file stays sealed.
        """
        if not self.job.input_name or not default_storage.exists(self.job.input_name):
            raise kinds.JobError(_("任务的输入文件已不存在，请重新上传。"))
        with default_storage.open(self.job.input_name, "rb") as stored:
            if not sealed.is_sealed(stored):  # stored before files were sealed (purged within days)
                return default_storage.open(self.job.input_name, "rb")
            plain = tempfile.SpooledTemporaryFile(max_size=OPENED_IN_MEMORY_BYTES)
            try:
                for block in sealed.unsealed(stored, label=_label(self.job, "input")):
                    plain.write(block)
            except sealed.SealError:
                plain.close()
                logger.error("job %s: its input file %s cannot be opened", self.job.pk, self.job.input_name)
                raise kinds.JobError(_("任务的输入文件无法读取（已损坏），请重新上传。")) from None
        plain.seek(0)
        return plain

    def write_output(self, label: str, write: Callable[[IO[bytes]], None]) -> None:
        """Store the output file, sealed: ``write(fh)`` writes it to a stream that is not seekable
        (openpyxl and csv write to such streams as they are)."""
        def sealed_write(fh: IO[bytes]) -> None:
            with sealed.SealingWriter(fh, label=_label(self.job, "output")) as writer:
                write(writer)

        self._drop_leftovers()
        self.job.output_name = _save_sealed(f"{DIRECTORY}/{self.job.pk}/{_safe_name(label)}", sealed_write)
        self.job.output_label = label


    def _drop_leftovers(self) -> None:
        """Delete what an interrupted earlier run of this job left in its directory (an output it
        saved before it was killed, a partial file): a retried job ends with one output file."""
        directory = f"{DIRECTORY}/{self.job.pk}"
        if not default_storage.exists(directory):
            return
        for name in default_storage.listdir(directory)[1]:
            path = f"{directory}/{name}"
            if path != self.job.input_name:
                default_storage.delete(path)


OPENED_IN_MEMORY_BYTES = 16 * 1024 * 1024


def _label(job: Job, role: str) -> str:
    """What a job's file is sealed to: this job's input or output, nothing else."""
    return f"jobs:{job.pk}:{role}"


def _save_sealed(name: str, write: Callable[[IO[bytes]], Any]) -> str:
    """Save under ``name`` (or a free variant) what ``write(fh)`` seals into a temporary file.

    Job files hold personal data (a ledger's ID numbers and phones, an unmasked export): they are
    sealed at rest under the data key (``privacy.sealed``) and opened only for the job and its owner.
    The file appears under its name only once it is complete (``core.files.save_whole``): a worker
    killed while saving, or a full disk, leaves no partial file that looks like a finished one.
    """
    with tempfile.TemporaryFile() as fh:
        write(fh)
        fh.seek(0)
        return save_whole(name, fh)


def run(job_id: int) -> Job | None:
    """Run a queued job (the worker calls this). Running a job twice does nothing the second time.

    With ``GONGZHI_JOB_MEMORY_MB`` set (the default), the runner works in a forked child process
    whose address space may grow by at most that much: a file that needs more (or crashes the
    reader) fails its own job, and the worker carries on with the next one. The worker records its
    host and pid on the job and refreshes a heartbeat while the child runs, for ``reap_interrupted``.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, worker_host=HOST, worker_pid=os.getpid(),
        heartbeat_at=now if _isolated() else None)
    job = Job.objects.select_related("actor", "area").filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    retries = (job.result or {}).get("retries")  # a retried job's runner sets its result anew: kept
    if _isolated():
        outcome = isolation.run_in_child(
            lambda: (*_execute(job), {name: getattr(job, name) for name in OUTCOME_FIELDS}),
            memory_mb=settings.GONGZHI_JOB_MEMORY_MB, on_beat=lambda: _heartbeat(job), name=f"job {job.pk}")
        _apply_outcome(job, outcome, retries=retries)
    else:
        _finish(job, *_execute(job), retries=retries)
    return job


HOST = socket.gethostname()[:255]
OUTCOME_FIELDS = ("stage", "done", "total", "message", "result", "output_name", "output_label")


def _isolated() -> bool:
    return settings.GONGZHI_JOB_MEMORY_MB > 0 and isolation.can_fork()


def _execute(job: Job) -> tuple[str, str]:
    """Run ``job``'s runner; return its final (status, message). The runner fills the job's fields."""
    context = JobContext(job)
    try:
        kinds.get(job.kind).runner(context)
    except kinds.JobError as error:
        return JobStatus.FAILED, str(error)
    except MemoryError:
        logger.warning("job %s (%s) ran out of memory", job.pk, job.kind)
        return JobStatus.FAILED, memory_message()
    except OSError as error:
        if not is_disk_full(error):
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            return JobStatus.FAILED, _("任务执行出错，请稍后重试或联系系统管理员。")
        logger.error("job %s (%s): no room to write its file (%s)", job.pk, job.kind, error)
        return JobStatus.FAILED, disk_full_message()
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return JobStatus.FAILED, _("任务执行出错，请稍后重试或联系系统管理员。")
    return JobStatus.SUCCEEDED, job.message


def disk_full_message() -> str:
    return _("服务器磁盘空间不足，文件没有写完，未保存任何结果：请联系系统管理员清理空间后重试。")


def memory_message() -> str:
    return _("处理这个文件所需的内存超过了限制（%(limit)s MB）：文件过大或内容异常，请检查后重新上传。") % {
        "limit": settings.GONGZHI_JOB_MEMORY_MB}


def _apply_outcome(job: Job, outcome: isolation.Outcome, *, retries: int | None = None) -> None:
    """The child's result (or what its end means) onto the job's row, written by the worker."""
    if outcome.kind == isolation.FINISHED:
        status, message, fields = outcome.value
        for name, value in fields.items():
            setattr(job, name, value)
        _finish(job, status, message, retries=retries)
    elif outcome.kind == isolation.INTERRUPTED:  # the worker is stopping: the next worker runs it again
        message = _tidy(job)
        if not (_retried(job) and _requeue(job)):
            _finish(job, JobStatus.FAILED, message or interrupted_message(), interrupted=True, retries=retries)
    elif outcome.kind == isolation.FAILED and str(outcome.value).startswith("MemoryError"):
        _tidy(job)
        _finish(job, JobStatus.FAILED, memory_message())
    else:  # the child died: killed by the kernel, aborted by a native allocation failure, …
        logger.error("job %s (%s): its process ended abnormally (%s)", job.pk, job.kind, outcome.value)
        _tidy(job)
        _finish(job, JobStatus.FAILED, _("任务进程意外终止（可能超出了内存限制 %(limit)s MB）：请检查文件后重新上传。")
                % {"limit": settings.GONGZHI_JOB_MEMORY_MB})


def _tidy(job: Job):
    """Let ``job``'s kind tidy what a run that ended without finishing left; its message, if any."""
    try:
        kind = kinds.get(job.kind)
    except LookupError:
        return None
    if kind.interrupted is None:
        return None
    try:
        return kind.interrupted(job)
    except Exception:  # tidying must not keep the job from being marked
        logger.exception("job %s (%s): tidying after an interrupted run failed", job.pk, job.kind)
        return None


def _heartbeat(job: Job) -> None:
    try:
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
    except DatabaseError:  # SQLite busy with the job's own long write: the next beat will do
        logger.info("job %s: heartbeat skipped (database busy)", job.pk)


def interrupted_message() -> str:
    return _("处理中断，请重新上传")


def _finish(job: Job, status: str, message: str, *, interrupted: bool = False, retries: int | None = None) -> None:
    job.status = status
    if retries:
        job.result = {**(job.result or {}), "retries": retries}
    job.message = (message or "")[:500]
    job.finished_at = timezone.now()
    if status == JobStatus.SUCCEEDED and job.total:
        job.done = job.total
    if interrupted:
        job.result = {**(job.result or {}), "interrupted": True}
    job.save()
    progress.forget(job.pk)


MAX_RETRIES = 1  # times an interrupted job of a kind that allows it is queued again


def reap_interrupted() -> int:
    """Fail the running jobs whose worker is gone, saying "处理中断，请重新上传"; returns how many.

    A job whose kind says running it again has the same effect (``JobKind.retry``) is queued
    again instead, once (``MAX_RETRIES``); interrupted a second time, it fails like the others.

    A job on this host is gone when its worker's pid no longer exists; a job on another host when its
    heartbeat is older than ``GONGZHI_JOB_STALE_MINUTES``. Their helper processes die with the worker
    (they are started with a parent-death signal). ``finished_at`` is set, so ``purge_files`` later
    deletes their files. Called when the worker starts (``./gz manage reap_jobs``), by the clock
    every few minutes, and when someone confirms a check that is still shown as running.
    """
    stale = timezone.now() - timedelta(minutes=settings.GONGZHI_JOB_STALE_MINUTES)
    reaped = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING):
        if is_interrupted(job, stale=stale) and _mark_interrupted(job):
            reaped += 1
    return reaped


def is_interrupted(job: Job, *, stale=None) -> bool:
    """Whether ``job`` is shown as running while no worker runs it."""
    if job.status != JobStatus.RUNNING or job.worker_pid is None:
        return False
    if job.worker_host == HOST:
        return not isolation.process_exists(job.worker_pid)
    stale = stale or timezone.now() - timedelta(minutes=settings.GONGZHI_JOB_STALE_MINUTES)
    return job.heartbeat_at is not None and job.heartbeat_at < stale


def _retried(job: Job) -> bool:
    try:
        kind = kinds.get(job.kind)
    except LookupError:
        return False
    return (kind.retry is not None and (job.result or {}).get("retries", 0) < MAX_RETRIES
            and bool(kind.retry(job)))


def _requeue(job: Job) -> bool:
    """Queue the interrupted ``job`` (still shown as running on its worker) to run again; counted
    in its result's ``retries``. Returns whether it was (not when another reaper was first)."""
    result = {**(job.result or {}), "retries": (job.result or {}).get("retries", 0) + 1}
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker_pid=job.worker_pid).update(
            status=JobStatus.QUEUED, message="", result=result, started_at=None, worker_pid=None,
            worker_host="", heartbeat_at=None)
        if updated:
            from .tasks import run_job

            transaction.on_commit(lambda: run_job.enqueue(job.pk))
    if updated:
        logger.warning("job %s (%s): interrupted on %s (pid %s); queued again",
                       job.pk, job.kind, job.worker_host, job.worker_pid)
        progress.forget(job.pk)
        job.refresh_from_db()
    return bool(updated)


def _mark_interrupted(job: Job) -> bool:
    now = timezone.now()
    message = _tidy(job)
    if _retried(job):
        return _requeue(job)
    message = str(message or interrupted_message())[:500]
    result = {**(job.result or {}), "interrupted": True}
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker_pid=job.worker_pid).update(
        status=JobStatus.FAILED, message=message, finished_at=now, result=result)
    if updated:
        logger.warning("job %s (%s): its worker (%s pid %s) is gone; marked as interrupted",
                       job.pk, job.kind, job.worker_host, job.worker_pid)
        job.status, job.message, job.finished_at, job.result = JobStatus.FAILED, message, now, result
        progress.forget(job.pk)
    return bool(updated)


def open_output(*, actor, job: Job, request=None) -> IO[bytes]:
    """The job's output file for its owner; every download is audited (exports may hold personal data)."""
    if job.actor_id != actor.pk or job.status != JobStatus.SUCCEEDED or not job.output_name:
        raise FileNotFoundError
    if not default_storage.exists(job.output_name):
        raise FileNotFoundError
    record(actor=actor, action="jobs.download", obj=job, after={"kind": job.kind, "file": job.output_label},
           request=request)
    return output_stream(job)


def output_stream(job: Job) -> IO[bytes]:
    """The plaintext of ``job``'s stored output, unchecked and unaudited: ``open_output`` is the way
    for users; this is for it and for tests."""
    stored = default_storage.open(job.output_name, "rb")
    if not sealed.is_sealed(stored):  # stored before files were sealed (purged within days)
        return stored
    return sealed.UnsealingReader(stored, label=_label(job, "output"))


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
    if limit is None:
        sweep_partial_files()
    return purged


PARTIAL_AGE = timedelta(hours=1)


def sweep_partial_files() -> int:
    """Delete the partial files (``core.files.save_whole``) that a process killed while saving a
    job's file left under ``jobs/``, once they are an hour old; returns how many."""
    cutoff = timezone.now() - PARTIAL_AGE
    swept = 0
    try:
        directories, _files = default_storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return 0
    for directory in directories:
        _subdirectories, names = default_storage.listdir(f"{DIRECTORY}/{directory}")
        for name in names:
            path = f"{DIRECTORY}/{directory}/{name}"
            if name.startswith(".partial-") and default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                swept += 1
    return swept
