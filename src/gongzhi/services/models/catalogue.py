"""The service catalogue (事项清单 / 福利清单) and the admission list (准入清单) it is held to.

A district keeps one admission list of the work a community may be given — 依法履职事项 (its own
duties in law), 协助政府事项 (what it helps the government with) and 负面/禁入事项 (what must not be
pushed down to it) — and the short list of certificates a community may still issue (证明事项清单,
after the 证明事项清理: no "万能章"). A service item is accepted or handled by communities only when
the admission list admits it; a certificate kind issues only while it is on the certificate list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AdmissionPart(models.TextChoices):
    DUTY = "duty", _("依法履职事项")
    ASSIST = "assist", _("协助政府事项")
    BANNED = "banned", _("负面/禁入事项")


# Parts whose items a community may be given; the banned part never.
ADMITTED_PARTS = frozenset({AdmissionPart.DUTY, AdmissionPart.ASSIST})


class AdmissionEntry(models.Model):
    """One entry of the district's admission list (准入清单)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=80)
    part = models.CharField(_("类别"), max_length=10, choices=AdmissionPart.choices)
    legal_basis = models.TextField(_("依据"), blank=True)
    approved_by = models.CharField(_("审核主体"), max_length=100, help_text=_("如“区委社会工作部、区民政局”"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("准入事项")
        verbose_name_plural = _("准入清单")
        ordering = ["part", "sort", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def admits_communities(self) -> bool:
        return self.active and self.part in ADMITTED_PARTS


class CertificateKind(models.Model):
    """A certificate a community may still issue (证明事项清单), with the text it is printed from."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("证明名称"), max_length=80)
    legal_basis = models.TextField(_("设定依据"))
    approved_by = models.CharField(_("审核主体"), max_length=100, help_text=_("增列须经谁审核，如“区司法局”"))
    body = models.TextField(_("证明正文"), help_text=_("可用 {holder}（持证人）、{address}（住址）、{purpose}（用途）占位；出具单位和日期印在落款"))
    valid_days = models.PositiveSmallIntegerField(_("有效期（天）"), default=90)
    on_list = models.BooleanField(_("列入证明事项清单"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("证明种类")
        verbose_name_plural = _("证明事项清单")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class AcceptAt(models.TextChoices):
    COMMUNITY = "community", _("社区（村）受理")
    STREET = "street", _("街道（乡镇）便民服务中心受理")


class ServiceItem(models.Model):
    """One item residents may apply for: who may, with what, through which steps, in how long."""

    code = models.SlugField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=80)
    theme = models.CharField(_("主题"), max_length=30, help_text=_("如“养老服务”“社会救助”"))
    legal_basis = models.TextField(_("设定依据"))
    description = models.TextField(_("办理须知"), blank=True)
    admission = models.ForeignKey(AdmissionEntry, verbose_name=_("准入清单事项"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="items")
    accept_at = models.CharField(_("受理层级"), max_length=10, choices=AcceptAt.choices, default=AcceptAt.COMMUNITY)
    district_wide = models.BooleanField(_("全区通办"), default=False,
                                        help_text=_("区内任一社区（便民服务中心）均可受理，不限申请人户籍或居住地"))
    # Who may apply, as rules the registry can check: [{"rule": "min_age", "value": 80}, …] (eligibility.py).
    conditions = models.JSONField(_("申请条件"), default=list, blank=True)
    conditions_text = models.TextField(_("申请条件（说明）"), blank=True)
    # The form, as data: [{"name", "label", "type": text|number|date|choice|file|person, "required", "choices"}].
    form_fields = models.JSONField(_("申请表字段"), default=list, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    fee = models.CharField(_("收费"), max_length=60, default="不收费")
    certificate_kind = models.ForeignKey(CertificateKind, verbose_name=_("办结出具证明"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="items")
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class HeldBy(models.TextChoices):
    """What the system already holds, so the applicant is never asked for it again (数据多跑腿)."""

    NOTHING = "", _("须提交")
    ID_CARD = "id_card", _("身份信息（人口库）")
    HOUSEHOLD = "household", _("户籍信息（人口库）")
    RESIDENCE = "residence", _("居住信息（人口库）")
    GROUP = "group", _("重点人群登记（人口库）")


class Material(models.Model):
    """One material an item requires."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("材料名称"), max_length=80)
    original = models.BooleanField(_("原件"), default=False)
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=0)
    held_by = models.CharField(_("系统已有"), max_length=12, choices=HeldBy.choices, blank=True, default="")
    required = models.BooleanField(_("必需"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "order"]
        constraints = [models.UniqueConstraint(fields=["item", "order"], name="services_material_order")]

    def __str__(self) -> str:
        return self.name


class StepLevel(models.TextChoices):
    COMMUNITY = "community", _("社区（村）")
    STREET = "street", _("街道（乡镇）")
    DEPARTMENT = "department", _("区职能部门")


class ServiceStep(models.Model):
    """One step of an item's procedure, at a level, with its share of the time limit."""

    item = models.ForeignKey(ServiceItem, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("环节"), max_length=40, help_text=_("如“受理初审”“审核”“审批”"))
    level = models.CharField(_("办理层级"), max_length=12, choices=StepLevel.choices)
    department_code = models.CharField(_("办理部门编码"), max_length=32, blank=True,
                                       help_text=_("区职能部门环节：部门编码，如“mzj”"))
    days = models.PositiveSmallIntegerField(_("环节时限（工作日）"))

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["item", "order"]
        constraints = [models.UniqueConstraint(fields=["item", "order"], name="services_step_order")]

    def __str__(self) -> str:
        return self.name
