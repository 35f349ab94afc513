"""API keys for Open311 clients (GeoReport v2 requires an ``api_key`` on POST)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.privacy.fields import EncryptedTextField


class Open311Key(models.Model):
    """A client's key; only its SHA-256 is stored, the key is shown once when issued."""

    name = models.CharField(_("客户端名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("签发人"))
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Submission(models.Model):
    """A service request as an Open311 client posted it, queued until the task worker files it as a case.

    The POST checks everything a client can get wrong (key, service code, a point inside a grid,
    description, field sizes) and answers at once with ``token``; filing — numbering, the
    acceptance deadline, the audit entries, the community's notice — runs in the worker
    (``open311_intake.file_pending``). ``tokens/{token}`` answers the ``service_request_id`` once
    filed. ``case`` is set when filed; ``error`` when the case could not be filed (say, the
    category was switched off in between), with ``processed_at`` in both cases.
    """

    token = models.CharField(max_length=40, unique=True, editable=False)
    # No index on the key or the category: nothing looks submissions up by them, and every index
    # is one more page each intake write changes (keys and categories are revoked or switched
    # off, never deleted, so PROTECT's lookup does not arise).
    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="submissions",
                            db_index=False, verbose_name=_("Open311 密钥"))
    category = models.ForeignKey("cases.Category", on_delete=models.PROTECT, related_name="+",
                                 db_index=False, verbose_name=_("小类"))
    description = models.TextField(_("问题描述"))
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("联系电话"), blank=True, default="", sensitive="phone")
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端标识"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="open311_submission", verbose_name=_("事件"))
    error = models.CharField(_("未能立卷的原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Open311 提交")
        verbose_name_plural = _("Open311 提交")
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["received_at", "id"], condition=models.Q(processed_at__isnull=True),
                                name="cases_open311_pending")]

    def __str__(self) -> str:
        return f"{self.token[:8]}… @ {self.received_at:%Y-%m-%d %H:%M:%S}"
