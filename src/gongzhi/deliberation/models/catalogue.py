"""What may and may not be consulted (六议六不议), and the member kinds of the consultation bodies."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import BodyKind, CatalogueKind


class CatalogueItem(models.Model):
    """One line of the 城乡社区协商事项目录: a matter that may (六议) or may not (六不议) be consulted."""

    kind = models.CharField(_("类别"), max_length=10, choices=CatalogueKind.choices)
    text = models.CharField(_("事项"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("协商事项目录条目")
        verbose_name_plural = _("协商事项目录")
        ordering = ["kind", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class MemberKind(models.Model):
    """A fixed kind of member of a body (the "7" of 7+X; the four of 四位一体)."""

    body_kind = models.CharField(_("议事机构类别"), max_length=30, choices=BodyKind.choices)
    name = models.CharField(_("成员类别"), max_length=50)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("议事机构成员类别")
        verbose_name_plural = _("议事机构成员类别")
        ordering = ["body_kind", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["body_kind", "name"], name="delib_memberkind_unique")]

    def __str__(self) -> str:
        return self.name
