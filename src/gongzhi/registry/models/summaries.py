"""Population figures per area, kept by the worker so the statistics page reads one row."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet


class AreaPopulationQuerySet(AreaScopedQuerySet):
    area_path_field = "area__path"


class AreaPopulation(models.Model):
    """The statistics page's figures for the current residents of ``area`` and its subtree.

    One row per area that holds residents (and per ancestor), rebuilt from the person table by
    ``registry.summaries.refresh`` (periodically and after an import); ``figures`` is what
    ``selectors.area_statistics`` returns, computed at ``computed_at`` (ages count from that day).
    """

    area = models.OneToOneField(Area, verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+")
    figures = models.JSONField(_("统计数据"))
    computed_at = models.DateTimeField(_("统计时间"))

    objects = AreaPopulationQuerySet.as_manager()

    class Meta:
        verbose_name = _("人口统计汇总")
        verbose_name_plural = _("人口统计汇总")
