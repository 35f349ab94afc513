"""Append-only, hash-chained audit log (等保 2.0 安全审计; 网络安全法 art. 21: kept ≥ 6 months).

Each entry stores the SHA-256 of its own canonical content together with the previous entry's
hash, so changing, inserting or deleting a row breaks the chain at that row
(``./gz manage verify_audit`` finds it). Rows are never updated; only the retention purge
deletes the oldest ones, and it records a checkpoint so the chain still verifies.
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditLogError(Exception):
    """An attempt to change or delete audit entries outside the retention purge."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuses bulk writes: entries are appended by ``services.record`` (which links them into
    the chain) and removed only by ``services.purge_expired``."""

    def update(self, **kwargs):
        raise AuditLogError("audit entries are append-only")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogError("audit entries are append-only")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditLogError("append audit entries with gongzhi.audit.services.record()")

    def delete(self):
        raise AuditLogError("audit entries cannot be deleted (retention purge only)")

    delete.queryset_only = True
    delete.alters_data = True


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    # DO_NOTHING without a database constraint: removing a user must never rewrite the log
    # (SET_NULL would change hashed content); actor_name keeps the entry attributable.
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True, db_index=True)
    role = models.CharField(_("角色"), max_length=32, blank=True)
    area_code = models.CharField(_("区域代码"), max_length=14, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    success = models.BooleanField(_("成功"), default=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("变更后"), null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.CharField(_("事由"), max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        # A record's history (a house's or a person's changes on its page): 1.5 million entries were
        # read for each house page without it.
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="audit_object_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.actor_name}"

    @property
    def action_label(self) -> str:
        """The action's Chinese name (``labels.ACTIONS``); the code stays in ``action``."""
        from .labels import action_label

        return action_label(self.action)

    @property
    def operator_label(self) -> str:
        """The account's real name with its account name, or the program's Chinese name."""
        from .labels import operator_label

        actor = self.actor if self.actor_id and "actor" in self._state.fields_cache else None
        return operator_label(action=self.action, actor_name=self.actor_name, actor=actor)

    @property
    def role_label(self) -> str:
        """The role's display name (the stored code when the role is unknown)."""
        from gongzhi.accounts.roles import Role

        try:
            return str(Role(self.role).label)
        except ValueError:
            return self.role

    def canonical(self) -> bytes:
        content = {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "role": self.role,
            "area_code": self.area_code,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "action": self.action,
            "success": self.success,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(content, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False).encode("utf-8")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditLogError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogError("audit entries cannot be deleted (retention purge only)")


class AuditChainHead(models.Model):
    """Single row holding the chain tip; locked while appending so appends serialise."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # After a retention purge: the entry the verification starts from and the hash it links to.
    anchor_seq = models.BigIntegerField(default=0)
    anchor_prev_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
