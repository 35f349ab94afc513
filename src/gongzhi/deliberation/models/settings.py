"""Per-district settings of consultation: the day of the month of the 协商议事日."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.scope import AreaScopedQuerySet

DEFAULT_MEETING_DAY = 15  # 铜陵's monthly 协商议事日; a district sets its own on the catalogue page
NOTICE_DAYS = 3  # a meeting's notice goes out at least this many days ahead (a warning below)


class SettingsQuerySet(AreaScopedQuerySet):
    area_path_field = "district__path"


class DeliberationSettings(models.Model):
    """One row per district (absent: the defaults above)."""

    objects = SettingsQuerySet.as_manager()

    district = models.OneToOneField("areas.Area", verbose_name=_("区县"), on_delete=models.CASCADE,
                                    related_name="+")
    meeting_day = models.PositiveSmallIntegerField(
        _("每月协商议事日"), default=DEFAULT_MEETING_DAY, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月几号（1–28）"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("协商议事设置")
        verbose_name_plural = _("协商议事设置")

    def __str__(self) -> str:
        return f"#{self.district_id}"
