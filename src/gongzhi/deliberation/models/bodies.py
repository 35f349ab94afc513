"""Consultation bodies (协商委员会 7+X, 网格议事会, 楼栋理事会, 四位一体) and their members."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy.fields import EncryptedTextField
from gongzhi.registry.models.base import AreaBoundModel

from .choices import BodyKind


class Body(AreaBoundModel):
    kind = models.CharField(_("类别"), max_length=30, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    estate = models.ForeignKey("registry.Estate", verbose_name=_("小区/院落"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("议事机构")
        verbose_name_plural = _("议事机构")
        ordering = ["area", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="delib_body_unique_name")]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    """A person from the registry, or an organisation's contact, sitting on a body. ``topic`` set:
    an interested party ("X") for that topic only."""

    body = models.ForeignKey(Body, verbose_name=_("议事机构"), on_delete=models.CASCADE, related_name="members")
    kind = models.ForeignKey("deliberation.MemberKind", verbose_name=_("成员类别"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", help_text=_("利益相关方（X）不选"))
    topic = models.ForeignKey("deliberation.Topic", verbose_name=_("议题（利益相关方）"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="interested_parties")
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    # An organisation's contact is personal data: encrypted, masked on screen, kept out of the audit text.
    contact_name = EncryptedTextField(_("单位联系人"), blank=True, default="", sensitive="name",
                                      validators=[MaxLengthValidator(50)])
    title = models.CharField(_("职务/身份"), max_length=50, blank=True)
    active = models.BooleanField(_("在任"), default=True)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("议事机构成员")
        verbose_name_plural = _("议事机构成员")
        ordering = ["body", "kind__order", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(person__isnull=False) | models.Q(organisation__isnull=False),
                                   name="delib_member_person_or_org"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def clean(self) -> None:
        if self.person_id is None and self.organisation_id is None:
            raise ValidationError(_("请选择人员或单位。"), code="member_missing")
