"""Move-in requests (迁入申请): the deliberate step that replaces a free "registered elsewhere" answer.

A worker who cannot register an ID number here asks the community holding it to move the person
over. The holding area and person are resolved on the server from the blind index and are never
shown to the requester; the holder's staff see the request in their own scope and decide it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet
from gongzhi.privacy.fields import BlindIndexField, EncryptedTextField


class MoveInStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ACCEPTED = "accepted", _("已同意迁入")
    DECLINED = "declined", _("未同意")
    WITHDRAWN = "withdrawn", _("已撤回")


class MoveInRequestQuerySet(AreaScopedQuerySet):
    # Scoped by the holding area: the requester's side reads its own requests by ``requested_by``.
    area_path_field = "holding_area__path"


class MoveInRequest(models.Model):
    """A request from ``requesting_area`` to take over the person holding ``id_number``."""

    id_number = EncryptedTextField(_("身份证号码"), sensitive="id_number")
    id_index = BlindIndexField(source="id_number")
    real_name = models.CharField(_("姓名"), max_length=50)
    requesting_area = models.ForeignKey(Area, verbose_name=_("申请区域"), on_delete=models.PROTECT,
                                        related_name="+")
    # Resolved server-side; never shown to the requester.
    holding_area = models.ForeignKey(Area, verbose_name=_("原登记区域"), on_delete=models.PROTECT,
                                     related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), null=True, on_delete=models.SET_NULL,
                               related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("迁入事由"))
    status = models.CharField(_("状态"), max_length=20, choices=MoveInStatus.choices, default=MoveInStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = MoveInRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("迁入申请")
        verbose_name_plural = _("迁入申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["id_index", "requesting_area"], condition=models.Q(status="pending"),
                                    name="registry_moveinrequest_one_pending"),
        ]

    def __str__(self) -> str:
        return self.real_name
