"""The small-powers list (小微权力清单): a district-wide catalogue of the powers a community or village
exercises, each with its legal basis, responsible body, time limit and ordered procedure steps, and the
log of each exercise of a power (its subject person kept private)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.scope import PermScopedQuerySet


class AppliesTo(models.TextChoices):
    """Which community-level bodies a power belongs to: 居委会 (社区), 村委会 (村) or both."""

    BOTH = "both", _("社区和村")
    NEIGHBOURHOOD = "neighbourhood", _("社区")
    VILLAGE = "village", _("村")


class PowerItem(models.Model):
    """One power of the catalogue (e.g. 低保初审), configured by the district (``disclosure.configure``)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("权力事项"), max_length=60)
    applies_to = models.CharField(_("适用"), max_length=20, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    legal_basis = models.TextField(_("法律政策依据"))
    responsible = models.CharField(_("责任主体"), max_length=100, help_text=_("如“村（居）民委员会”“村党组织”"))
    time_limit = models.CharField(_("办理时限"), max_length=60, help_text=_("如“10个工作日”"))
    description = models.TextField(_("事项说明"), blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("小微权力事项")
        verbose_name_plural = _("小微权力事项")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class PowerStep(models.Model):
    """One step of a power's procedure, in order (drawn as one box of the flow chart)."""

    item = models.ForeignKey(PowerItem, verbose_name=_("权力事项"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    title = models.CharField(_("步骤"), max_length=60)
    actor = models.CharField(_("承办"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("办理步骤")
        verbose_name_plural = _("办理步骤")
        ordering = ["item", "order"]
        constraints = [models.UniqueConstraint(fields=["item", "order"], name="disclosure_powerstep_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class ExerciseOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("办理中")
    APPROVED = "approved", _("通过")
    REJECTED = "rejected", _("不予通过")
    RETURNED = "returned", _("退回补正")
    COMPLETED = "completed", _("已办结")


class PowerExerciseQuerySet(PermScopedQuerySet):
    """Staff of the community (and above) who hold ``disclosure.publish`` see its exercises."""

    scope_perm = "disclosure.publish"
    area_path_field = "area__path"


class PowerExercise(models.Model):
    """One exercise of a power by a community (a 低保 first review…). ``subject`` (the person concerned)
    is for scoped staff only; the public sees the item, date, step, outcome and the public summary."""

    item = models.ForeignKey(PowerItem, verbose_name=_("权力事项"), on_delete=models.PROTECT, related_name="exercises")
    area = models.ForeignKey("areas.Area", verbose_name=_("社区/村"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("日期"))
    step = models.ForeignKey(PowerStep, verbose_name=_("办理到"), on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("结果"), max_length=20, choices=ExerciseOutcome.choices)
    public_summary = models.TextField(_("公开摘要"), max_length=500,
                                      help_text=_("公开显示，不得包含姓名、身份证号、电话、住址等个人信息"))
    subject = models.ForeignKey("registry.Person", verbose_name=_("当事人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = PowerExerciseQuerySet.as_manager()

    class Meta:
        verbose_name = _("小微权力运行记录")
        verbose_name_plural = _("小微权力运行记录")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["area", "-date"], name="disclosure_exercise_area_date")]

    def __str__(self) -> str:
        # No person in it: this text is what the audit log keeps.
        return f"{self.item} {self.date:%Y-%m-%d}"
