"""Background jobs started from a page: an import, an export, a report — with progress and a result.

A ``Job`` row records who started what, in which area, and how it ended (status, counts, the
output file). Live progress is not written to this row while the job runs: an import writes its
rows in one long transaction, and on SQLite no other connection can write meanwhile, so progress
goes to the ``jobs`` cache (a file cache shared by the web and worker processes, or Redis) and the
row is updated only when the job starts and when it ends. See ``progress.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)


class JobQuerySet(AreaScopedQuerySet):
    area_path_field = "area__path"

    def of(self, user) -> "JobQuerySet":
        """The jobs ``user`` started: a job's page, progress and file belong to whoever started it."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(actor=user)


class Job(models.Model):
    kind = models.CharField(_("类型"), max_length=50, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.CASCADE,
                              related_name="jobs")
    area = models.ForeignKey(Area, verbose_name=_("区域"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    params = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(_("阶段"), max_length=50, blank=True)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    input_name = models.CharField(_("输入文件"), max_length=255, blank=True)
    output_name = models.CharField(_("输出文件"), max_length=255, blank=True)
    output_label = models.CharField(_("下载文件名"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Who runs it: the worker process (host and pid) and, while it runs in a child process, the
    # worker's last sign of life; the reaper fails a running job whose worker is gone.
    worker_host = models.CharField(_("执行主机"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("执行进程"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["actor", "kind", "-created_at"], name="jobs_actor_kind_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def stage_label(self):
        from .kinds import stage_label

        return stage_label(self.kind, self.stage)

    @property
    def kind_label(self):
        from .kinds import label

        return label(self.kind)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
