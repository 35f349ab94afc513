"""The case catalogue (大类/小类 with time limits and keywords) and routing rules (who handles what, where)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Department
from gongzhi.areas.models import Area
from gongzhi.areas.scope import PermScopedQuerySet


class RoutingRuleQuerySet(PermScopedQuerySet):
    scope_perm = "cases.configure"


class HandlingLevel(models.TextChoices):
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    DEPARTMENT = "department", _("职能部门")


class LimitUnit(models.TextChoices):
    """How a limit is counted. 工作日 counts working days on the calendar: N working days is N times
    the working day's hours of working time (``GONGZHI_WORKING_HOURS``, 7.5 h by default), which ends
    at the same time of day on the Nth working day — the exact rule at period edges is in ``worktime``."""

    WORKING = "working", _("工作时")
    WORKDAY = "workday", _("工作日")
    CALENDAR = "calendar", _("自然时")


class CategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def minor(self):
        """The 小类 cases are filed under (their 大类 groups them)."""
        return self.filter(parent__isnull=False)


class Category(models.Model):
    """A 大类 (no parent) or a 小类 (under one 大类). Cases are filed under a 小类, whose limits apply.

    Limits: ``accept_hours`` from report to 立案 (按时立案), ``dispatch_hours`` from 立案 to dispatch or
    handing over, ``response_hours`` from dispatch to the department's 报到 — in working or calendar
    hours (``limit_unit``); ``handling_hours`` from dispatch (or from handing to a grid or community)
    to the handler's feedback, in ``handling_unit`` (working hours, working days or calendar hours);
    ``urgent_hours`` replaces it (calendar hours) for cases more urgent than 一般.
    """

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey("self", verbose_name=_("大类"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    default_level = models.CharField(_("默认处置层级"), max_length=12, choices=HandlingLevel.choices,
                                     default=HandlingLevel.COMMUNITY)
    departments = models.ManyToManyField(Department, verbose_name=_("责任部门"), blank=True, related_name="categories")
    accept_hours = models.DecimalField(_("立案时限（小时）"), max_digits=6, decimal_places=1, default=1)
    response_hours = models.DecimalField(_("报到时限（小时）"), max_digits=6, decimal_places=1, default=2)
    dispatch_hours = models.DecimalField(_("派遣时限（小时）"), max_digits=6, decimal_places=1, default=1,
                                         help_text=_("从立案到派遣或交办"))
    handling_hours = models.DecimalField(_("处置时限"), max_digits=7, decimal_places=1, default=24,
                                         help_text=_("单位见“处置时限单位”"))
    handling_unit = models.CharField(_("处置时限单位"), max_length=10, choices=LimitUnit.choices,
                                     default=LimitUnit.WORKING)
    urgent_hours = models.DecimalField(_("紧急处置时限（小时）"), max_digits=6, decimal_places=1, null=True, blank=True,
                                       help_text=_("紧急程度高于“一般”的事件用此时限（自然小时）；留空则同一般"))
    limit_unit = models.CharField(_("立案、派遣、报到时限单位"), max_length=10, default=LimitUnit.WORKING,
                                  choices=[(LimitUnit.WORKING, _("工作时")), (LimitUnit.CALENDAR, _("自然时"))])
    community_whistle = models.BooleanField(_("社区可直接吹哨"), default=False,
                                            help_text=_("社区工作人员可直接派遣服务本社区的责任部门（社区吹哨、部门报到）"))
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("用空格或逗号分隔，用于自动分类"))
    sensitive = models.BooleanField(_("敏感"), default=False,
                                    help_text=_("如邻里纠纷：不在公开接口（Open311）中列出"))
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveIntegerField(_("排序"), default=0)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def is_major(self) -> bool:
        return self.parent_id is None

    @property
    def family_id(self) -> int:
        """The 大类 this category belongs to (itself for a 大类): duplicates are looked for within it."""
        return self.parent_id or self.pk

    def keyword_list(self) -> list[str]:
        return [word for word in self.keywords.replace("，", ",").replace(",", " ").split() if word]

    def clean(self) -> None:
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("只有两级：小类的上级必须是大类。")})
        if self.parent_id and not self.code.startswith(self.parent.code):
            raise ValidationError({"code": _("小类编码须以所属大类编码开头。")})
        for name in ("accept_hours", "dispatch_hours", "response_hours", "handling_hours", "urgent_hours"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValidationError({name: _("时限必须大于 0。")})


class RoutingRule(models.Model):
    """Which department handles a category in an area — or along a corridor inside it.

    A road or a river often belongs to another body than the street around it (the most common
    complaint against civic reporting tools is cases routed to the wrong body), so a rule may
    carry a polygon: it applies only to cases located inside it, and wins over rules without one.
    Otherwise the rule of the deepest area wins, a 小类's rule over its 大类's. With no rule the
    category's responsible departments that serve the area apply, and failing those the case
    stays with the street command centre to dispatch by hand.
    """

    name = models.CharField(_("名称"), max_length=100, help_text=_("如：秋浦河河道、G318 国道"))
    category = models.ForeignKey(Category, verbose_name=_("事件类别"), on_delete=models.CASCADE,
                                 related_name="routing_rules")
    area = models.ForeignKey(Area, verbose_name=_("适用区域"), on_delete=models.CASCADE, related_name="+")
    geometry = models.JSONField(_("范围（GeoJSON，可选）"), null=True, blank=True)
    department = models.ForeignKey(Department, verbose_name=_("主办部门"), on_delete=models.CASCADE,
                                   related_name="routing_rules")
    assist = models.ManyToManyField(Department, verbose_name=_("协办部门"), blank=True, related_name="+")
    active = models.BooleanField(_("启用"), default=True)

    objects = RoutingRuleQuerySet.as_manager()  # district administrators see the rules of their area

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        ordering = ["category__code", "area__path"]

    def __str__(self) -> str:
        return f"{self.name}：{self.category} → {self.department}"

    def clean(self) -> None:
        if self.geometry is not None:
            from shapely.geometry import shape

            try:
                geom = shape(self.geometry)
            except (KeyError, TypeError, ValueError, AttributeError):
                raise ValidationError({"geometry": _("范围不是有效的 GeoJSON 几何。")}) from None
            if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
                raise ValidationError({"geometry": _("范围须为有效的面（Polygon 或 MultiPolygon）。")})
