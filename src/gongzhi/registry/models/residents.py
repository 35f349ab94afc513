"""Resident accounts bound to registry persons (实名核验), and failed self-verification attempts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import AreaBoundModel
from .people import Person


class VerificationMethod(models.TextChoices):
    SELF = "self", _("自助核验")
    COUNTER = "counter", _("窗口核验")


class ResidentLink(AreaBoundModel):
    """One account ↔ one person. ``area`` is the person's area when bound: it scopes the link for
    staff (who may see and undo bindings in their area) like any other registry record."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE,
                                related_name="resident_link")
    person = models.OneToOneField(Person, verbose_name=_("人员"), on_delete=models.CASCADE,
                                  related_name="account_link")
    method = models.CharField(_("核验方式"), max_length=20, choices=VerificationMethod.choices)
    verified_at = models.DateTimeField(_("核验时间"), default=timezone.now)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核验人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    help_text=_("窗口核验的工作人员；自助核验为空"))

    class Meta:
        verbose_name = _("居民账号绑定")
        verbose_name_plural = _("居民账号绑定")
        ordering = ["-verified_at", "-pk"]

    def __str__(self) -> str:
        # No name, phone or ID number: this text is what the audit log keeps.
        return f"#{self.user_id} → #{self.person_id}"


class VerificationFailure(models.Model):
    """One failed self-verification (name and ID number did not match). Counted per account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("实名核验失败记录")
        verbose_name_plural = _("实名核验失败记录")
        indexes = [models.Index(fields=["user", "at"], name="registry_verifyfail_user_at")]
