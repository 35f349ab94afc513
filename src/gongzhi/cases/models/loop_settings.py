"""What a district decides about its own case loop (beyond the catalogue and the calendar)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoopSettings(models.Model):
    """One row per district that departs from the defaults (no row: the defaults).

    ``close_after_verify``: GB/T 30428 keeps 核查 (on site, by the grid worker or a supervisor) and
    结案 (by the command centre) as two steps; a district may choose to close automatically once a
    case is verified.
    """

    district_code = models.CharField(_("区县代码"), max_length=6, unique=True)
    close_after_verify = models.BooleanField(_("核查通过后自动结案"), default=False,
                                             help_text=_("不勾选时，核查通过后由指挥中心结案"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事件办理设置")
        verbose_name_plural = _("事件办理设置")

    def __str__(self) -> str:
        return self.district_code

    @classmethod
    def closes_after_verify(cls, district_code: str) -> bool:
        return cls.objects.filter(district_code=district_code, close_after_verify=True).exists()
