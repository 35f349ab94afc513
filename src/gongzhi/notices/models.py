"""In-app notices (the inbox). Other channels (SMS, WeChat, console) deliver copies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.scope import PermScopedQuerySet


class Notice(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices",
                                  verbose_name=_("接收人"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    kind = models.CharField(_("类别"), max_length=40, blank=True, default="general")
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_recipient_read")]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One attempt to deliver a notice through an external channel (SMS, WeChat, console)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=20)
    status = models.CharField(_("状态"), max_length=20, default="sent")
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")


class Audience(models.TextChoices):
    """Who an announcement is for, within its area (each resolved by the registry's own query)."""

    RESIDENTS = "residents", _("全体居民")
    GROUP = "group", _("特殊人群")
    ESTATE_OWNERS = "estate_owners", _("小区业主")
    BUILDING = "building", _("楼栋住户")
    GRID_WORKERS = "grid_workers", _("网格员")


class AnnouncementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("定时发布")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class AnnouncementQuerySet(PermScopedQuerySet):
    """Announcements of the areas where the user may send notices (``notices.send``)."""

    area_path_field = "area__path"
    scope_perm = "notices.send"


class Announcement(models.Model):
    """A notice published to an audience of an area: delivered to the inbox of those with an account,
    with a receipt per recipient (read, or told at the door by the grid worker)."""

    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    urgent = models.BooleanField(_("紧急"), default=False)
    area = models.ForeignKey("areas.Area", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices, default=Audience.RESIDENTS)
    group = models.ForeignKey("registry.SpecialGroup", verbose_name=_("特殊人群"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    estate = models.ForeignKey("registry.Estate", verbose_name=_("小区"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=AnnouncementStatus.choices,
                              default=AnnouncementStatus.DRAFT)
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(_("实际发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("公告")
        verbose_name_plural = _("公告")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ReceiptQuerySet(PermScopedQuerySet):
    """Receipts of the announcements the user may see (those of the areas where they send notices)."""

    area_path_field = "announcement__area__path"
    scope_perm = "notices.send"


class Receipt(models.Model):
    """One recipient of a published announcement: a registry person (residents) or a user (staff)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts",
                                     verbose_name=_("公告"))
    person = models.ForeignKey("registry.Person", verbose_name=_("居民"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="announcement_receipts")
    grid = models.ForeignKey("areas.Area", verbose_name=_("网格"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    told_at = models.DateTimeField(_("上门告知时间"), null=True, blank=True)
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("告知人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("公告回执")
        verbose_name_plural = _("公告回执")
        constraints = [
            models.UniqueConstraint(fields=["announcement", "person"], name="notices_receipt_person",
                                    condition=models.Q(person__isnull=False)),
            models.UniqueConstraint(fields=["announcement", "user"], name="notices_receipt_user",
                                    condition=models.Q(person__isnull=True, user__isnull=False)),
        ]
        indexes = [models.Index(fields=["announcement", "read_at"], name="notices_receipt_read"),
                   models.Index(fields=["user", "announcement"], name="notices_receipt_mine")]

    @property
    def reached(self) -> bool:
        return self.read_at is not None or self.told_at is not None
