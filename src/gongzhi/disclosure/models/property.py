"""The property evaluation (物业考评): a configurable score sheet, the 居委会's quarterly evaluation of
each estate's property company, residents' satisfaction ratings (好差评) and the published result.

The estate, its property company, its 业委会 and its management mode are the registry's
(``registry.Estate``); nothing of them is copied here except the company's name at evaluation time,
so a published result keeps naming the company that was rated."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.scope import PermScopedQuerySet
from gongzhi.cases.models import Rating
from gongzhi.registry.models.on_behalf import OnBehalfRecord

DEFAULT_SHEET_WEIGHT = 70


class ScoreCriterion(models.Model):
    """One line of the score sheet (环境卫生 20 分…); the sheet is the active criteria in order."""

    name = models.CharField(_("考评项目"), max_length=40, unique=True)
    description = models.CharField(_("考评内容"), max_length=200, blank=True)
    max_points = models.PositiveSmallIntegerField(_("满分"), validators=[MinValueValidator(1), MaxValueValidator(100)])
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("物业考评项目")
        verbose_name_plural = _("物业考评项目")
        ordering = ["sort", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(max_points__gte=1, max_points__lte=100),
                                              name="disclosure_criterion_max_points")]

    def __str__(self) -> str:
        return self.name


class PropertySettings(models.Model):
    """The weights of the total (one row): the score sheet's share in percent, satisfaction the rest."""

    sheet_weight = models.PositiveSmallIntegerField(
        _("考评表权重（%）"), default=DEFAULT_SHEET_WEIGHT, validators=[MaxValueValidator(100)],
        help_text=_("总分 = 考评表得分率 × 本权重 + 居民满意度 × （100 − 本权重）"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("物业考评设置")
        verbose_name_plural = _("物业考评设置")
        constraints = [models.CheckConstraint(condition=models.Q(sheet_weight__lte=100),
                                              name="disclosure_settings_weight")]

    @classmethod
    def current(cls) -> "PropertySettings":
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def satisfaction_weight(self) -> int:
        return 100 - self.sheet_weight


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公布")


class EvaluationQuerySet(PermScopedQuerySet):
    scope_perm = "disclosure.publish"
    area_path_field = "estate__area__path"

    def published(self) -> "EvaluationQuerySet":
        return self.filter(status=EvaluationStatus.PUBLISHED)


class PropertyEvaluation(models.Model):
    """The 居委会's evaluation of one estate's property company for one quarter."""

    estate = models.ForeignKey("registry.Estate", verbose_name=_("小区/院落"), on_delete=models.PROTECT,
                               related_name="property_evaluations")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    company = models.ForeignKey("registry.Organisation", verbose_name=_("物业公司"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    company_name = models.CharField(_("物业公司"), max_length=200, blank=True)
    management_mode = models.CharField(_("管理方式"), max_length=20, blank=True)
    comments = models.TextField(_("考评意见"), blank=True, max_length=1000)
    status = models.CharField(_("状态"), max_length=20, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT)
    # Set when published: the figures as they stood then (later ratings or weights do not change them).
    sheet_points = models.DecimalField(_("考评表得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    sheet_max = models.PositiveSmallIntegerField(_("考评表满分"), null=True, blank=True)
    sheet_percent = models.DecimalField(_("考评表得分率"), max_digits=5, decimal_places=1, null=True, blank=True)
    satisfaction = models.DecimalField(_("居民满意度"), max_digits=5, decimal_places=1, null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("参评居民数"), default=0)
    sheet_weight = models.PositiveSmallIntegerField(_("考评表权重（%）"), null=True, blank=True)
    total = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("考评人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("物业季度考评")
        verbose_name_plural = _("物业季度考评")
        ordering = ["-year", "-quarter", "estate"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "year", "quarter"], name="disclosure_evaluation_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4),
                                   name="disclosure_evaluation_quarter_range"),
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.year}Q{self.quarter}"

    @property
    def period_label(self) -> str:
        return _("%(year)d年第%(quarter)d季度") % {"year": self.year, "quarter": self.quarter}


class CriterionScore(models.Model):
    """The points one criterion received in one evaluation (0 … the criterion's maximum then)."""

    evaluation = models.ForeignKey(PropertyEvaluation, verbose_name=_("考评"), on_delete=models.CASCADE,
                                   related_name="scores")
    criterion = models.ForeignKey(ScoreCriterion, verbose_name=_("考评项目"), on_delete=models.PROTECT,
                                  related_name="+")
    criterion_name = models.CharField(_("考评项目"), max_length=40)
    max_points = models.PositiveSmallIntegerField(_("满分"))
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("考评得分")
        verbose_name_plural = _("考评得分")
        ordering = ["evaluation", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="disclosure_score_once"),
            models.CheckConstraint(condition=models.Q(points__gte=0, points__lte=models.F("max_points")),
                                   name="disclosure_score_range"),
        ]


class SatisfactionRating(OnBehalfRecord):
    """A verified resident's rating of their estate's property company for one quarter: one per
    resident (registry person) per estate per quarter, by the database."""

    estate = models.ForeignKey("registry.Estate", verbose_name=_("小区/院落"), on_delete=models.CASCADE,
                               related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    person = models.ForeignKey("registry.Person", verbose_name=_("居民"), on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("评价"), choices=Rating.choices)
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("物业满意度评价")
        verbose_name_plural = _("物业满意度评价")
        constraints = [
            models.UniqueConstraint(fields=["person", "estate", "year", "quarter"], name="disclosure_rating_once"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="disclosure_rating_range"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4),
                                   name="disclosure_rating_quarter_range"),
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.year}Q{self.quarter}"
