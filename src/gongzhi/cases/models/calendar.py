"""The working calendar: weekends rest, except the days listed here (holidays and adjusted working days)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class DaySource(models.TextChoices):
    OFFICIAL = "official", _("国务院安排")
    LOCAL = "local", _("本区设定")


class CalendarDay(models.Model):
    """A date that departs from the weekly rule: a public holiday on a weekday, or a weekend worked
    in exchange (调休). Published yearly by the State Council; edited by district administrators."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("说明"), max_length=50, blank=True, help_text=_("如：国庆节、春节调休"))
    # Installed from the State Council's arrangement, or set by the district (which stays on top).
    source = models.CharField(_("来源"), max_length=10, choices=DaySource.choices, default=DaySource.LOCAL)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
