"""Import history: each resident import (who, when, which file, counts) and what it changed.

Per-row changes live in ``ImportRowChange`` rather than in the audit entry: a 100,000-row file
would make one audit entry of many megabytes, while a row per changed person can be listed on
the person's page ("every change with who made it") through an index on ``person``. The audit
entry records the import itself with its counts and file hash. Encrypted fields are recorded by
their last four digits only, so the history never holds a plaintext ID number or phone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    DRY_RUN = "dry_run", _("试运行")
    REJECTED = "rejected", _("未导入（严格模式下有错误行）")
    COMMITTED = "committed", _("已导入")
    INTERRUPTED = "interrupted", _("中断（已写入部分行）")


class ImportBatchQuerySet(AreaScopedQuerySet):
    area_path_field = "area__path"


class ImportBatch(models.Model):
    """One run of the resident importer, dry runs and strict-mode refusals included."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件 SHA-256"), max_length=64, db_index=True)
    area = models.ForeignKey(Area, verbose_name=_("导入区域"), on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(_("试运行"), default=False)
    strict = models.BooleanField(_("严格模式"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    failed = models.PositiveIntegerField(_("失败"), default=0)
    unmatched_addresses = models.PositiveIntegerField(_("未匹配地址"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True,
                              help_text=_("[行号, 列名, 原因] 的列表"))

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员导入批次")
        verbose_name_plural = _("人员导入批次")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed}


class ImportRowChangeQuerySet(AreaScopedQuerySet):
    area_path_field = "person__area__path"


class ImportRowChange(models.Model):
    """The fields one import row changed on an existing person: ``{field: [before, after]}``."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.CASCADE,
                              related_name="changes")
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), on_delete=models.CASCADE,
                               related_name="import_changes")
    row = models.PositiveIntegerField(_("行号"))
    changes = models.JSONField(_("变更"), default=dict)

    objects = ImportRowChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入变更")
        verbose_name_plural = _("导入变更")
        ordering = ["batch", "row"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row}"
