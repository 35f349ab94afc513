"""What the offline grid worker sent: one row per action, keyed by the idempotency key the
browser gave it, so that a replay of the same request is answered from here and changes nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    APPLIED = "applied", _("已同步")
    CONFLICT = "conflict", _("有冲突")
    REFUSED = "refused", _("未通过校验")


class FieldAction(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(_("幂等键"), max_length=64)
    kind = models.CharField(_("类型"), max_length=40)
    status = models.CharField(_("结果"), max_length=10, choices=ActionStatus.choices)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    result = models.JSONField(_("结果数据"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("离线记录时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("离线同步记录")
        verbose_name_plural = _("离线同步记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="field_action_user_key")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class CacheKey(models.Model):
    """The per-user secret the browser's offline cache key is derived from. Logout replaces it, so a
    key that left with a logout is never handed out again."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("离线缓存密钥")
        verbose_name_plural = _("离线缓存密钥")
