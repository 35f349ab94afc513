"""Certificates a community issues (only kinds on the certificate list), each with a serial number
that anyone can verify by scanning its QR code — validity, kind, issuer, date and a masked holder
name, nothing more — and the register of every certificate issued (for the annual 证明清理 review)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import PermScopedQuerySet
from gongzhi.privacy.fields import EncryptedTextField

from .catalogue import CertificateKind


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")


class CertificateQuerySet(PermScopedQuerySet):
    """Certificates of the communities where the user may issue them (``services.certify``)."""

    area_path_field = "issuer__path"
    scope_perm = "services.certify"


class Certificate(models.Model):
    """One issued certificate. Its text is frozen at issue and kept encrypted (it names the holder and
    where they live); the verification page shows only the masked name kept beside it."""

    serial = models.CharField(_("证明编号"), max_length=24, unique=True, editable=False)
    kind = models.ForeignKey(CertificateKind, verbose_name=_("证明种类"), on_delete=models.PROTECT,
                             related_name="certificates")
    holder = models.ForeignKey("registry.Person", verbose_name=_("持证人"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="certificates")
    holder_name = EncryptedTextField(_("持证人姓名"), sensitive="name")
    holder_masked = models.CharField(_("持证人（脱敏）"), max_length=60, editable=False)
    purpose = models.CharField(_("用途"), max_length=100)
    text = EncryptedTextField(_("证明正文"), sensitive="address")
    issuer = models.ForeignKey(Area, verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField(_("出具单位名称"), max_length=120)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("出具时间"), db_index=True)
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=10, choices=CertificateStatus.choices,
                              default=CertificateStatus.VALID)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("证明")
        verbose_name_plural = _("证明登记簿")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["issuer", "-issued_at"], name="services_cert_issuer_issued")]

    def __str__(self) -> str:
        return self.serial
