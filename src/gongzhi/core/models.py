"""Platform-wide bookkeeping: when each periodic task was last queued (see ``core.schedule``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    name = models.CharField(_("任务"), max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(_("最近排队时间"))

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at:%Y-%m-%d %H:%M}"
