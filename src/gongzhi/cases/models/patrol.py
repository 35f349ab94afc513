"""Patrol logs (网格员巡查走访): who walked which grid when, whom they visited and what they found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import PermScopedQuerySet


class PatrolQuerySet(PermScopedQuerySet):
    scope_perm = "cases.view"  # the grid's staff, not its residents


class Patrol(models.Model):
    """One patrol of a grid. Findings become cases in one step (``Case.patrol``)."""

    area = models.ForeignKey(Area, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("网格员"), on_delete=models.PROTECT,
                               related_name="patrols")
    companions = models.CharField(_("同行人员"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    summary = models.TextField(_("巡查情况"), blank=True)
    disputes = models.PositiveSmallIntegerField(_("矛盾纠纷"), default=0)
    demands = models.PositiveSmallIntegerField(_("群众诉求"), default=0)
    suggestions = models.PositiveSmallIntegerField(_("意见建议"), default=0)
    public_order = models.PositiveSmallIntegerField(_("治安隐患"), default=0)
    fire_hazards = models.PositiveSmallIntegerField(_("消防隐患"), default=0)
    environment = models.PositiveSmallIntegerField(_("环境问题"), default=0)

    objects = PatrolQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡查走访记录")
        verbose_name_plural = _("巡查走访记录")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.area.name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class PatrolVisit(models.Model):
    """A household visited during a patrol (door number and head of household, as the paper log has)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="visits", verbose_name=_("巡查"))
    household = models.ForeignKey("registry.Household", verbose_name=_("户"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    door = models.CharField(_("门牌"), max_length=100)
    head_name = models.CharField(_("户主"), max_length=50, blank=True)
    note = models.CharField(_("走访情况"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("走访户")
        verbose_name_plural = _("走访户")
        ordering = ["at", "pk"]
