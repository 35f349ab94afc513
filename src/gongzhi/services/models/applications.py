"""Applications for service items: filed online by a verified resident or at a counter by staff for
them (一窗受理, 全程代办, 上门办), passed through the item's steps with a working-day deadline each,
corrected at most once on request (一次性告知), decided with reasons, and rated (好差评)."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.areas.scope import PermScopedQuerySet
from gongzhi.privacy.fields import EncryptedTextField

from .catalogue import ServiceItem


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    COUNTER = "counter", _("窗口受理")
    PROXY = "proxy", _("全程代办")
    HOME = "home", _("上门办理")


class ApplicationStatus(models.TextChoices):
    PROCESSING = "processing", _("办理中")
    CORRECTION = "correction", _("待补正")
    APPROVED = "approved", _("已办结（准予）")
    REJECTED = "rejected", _("已办结（不予）")


FINISHED = frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REJECTED})


class ApplicationQuerySet(PermScopedQuerySet):
    """Applications accepted in the areas where the user handles applications (``services.handle``)."""

    area_path_field = "accepted_by__path"
    scope_perm = "services.handle"


class Application(models.Model):
    number = models.CharField(_("申请编号"), max_length=20, unique=True, editable=False)
    item = models.ForeignKey(ServiceItem, verbose_name=_("服务事项"), on_delete=models.PROTECT,
                             related_name="applications")
    applicant = models.ForeignKey("registry.Person", verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="service_applications")
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人账号"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="service_applications")
    channel = models.CharField(_("受理方式"), max_length=10, choices=Channel.choices)
    accepted_by = models.ForeignKey(Area, verbose_name=_("受理社区"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("首问责任人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              help_text=_("首问负责：受理人对申请负责到底，移交前不变"))
    # The form's answers (a bank account, a situation in words…) as JSON, encrypted at rest: ``data``.
    form_data = EncryptedTextField(_("申请表"), blank=True, default="", sensitive="address")
    status = models.CharField(_("状态"), max_length=12, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PROCESSING)
    step = models.PositiveSmallIntegerField(_("当前环节"), default=1)
    step_due = models.DateTimeField(_("环节时限"), null=True, blank=True)
    due = models.DateTimeField(_("办结时限"), null=True, blank=True)
    correction_asked = models.BooleanField(_("已一次性告知补正"), default=False)
    correction_items = models.TextField(_("需补正的内容"), blank=True)
    decision_reason = models.TextField(_("办理结果说明"), blank=True)
    certificate = models.OneToOneField("services.Certificate", verbose_name=_("出具的证明"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="application")
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务申请")
        verbose_name_plural = _("服务申请")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["accepted_by", "status", "step_due"], name="services_app_queue"),
                   models.Index(fields=["applicant_user", "-submitted_at"], name="services_app_mine")]

    def __str__(self) -> str:
        return self.number

    @property
    def data(self) -> dict:
        return json.loads(self.form_data) if self.form_data else {}

    @data.setter
    def data(self, value: dict) -> None:
        self.form_data = json.dumps(value or {}, ensure_ascii=False, sort_keys=True)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class ApplicationEvent(models.Model):
    """One step of an application's timeline. ``public`` events (and their notes) are what the applicant
    sees; staff names and internal notes stay with staff."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events",
                                    verbose_name=_("服务申请"))
    action = models.CharField(_("操作"), max_length=20)
    step = models.PositiveSmallIntegerField(_("环节"), default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    public = models.BooleanField(_("申请人可见"), default=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "pk"]
