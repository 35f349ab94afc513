"""The trained state of the case classifier (word counts per category), retrained from staff decisions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassifierState(models.Model):
    """One row per training run; the newest is used. ``model`` holds what ``classifier.Model`` needs."""

    trained_at = models.DateTimeField(_("训练时间"))
    cases = models.PositiveIntegerField(_("训练样本数"))
    model = models.JSONField(_("模型"))

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-trained_at", "-pk"]
