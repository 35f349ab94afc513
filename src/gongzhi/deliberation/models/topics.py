"""Topics (民事民提) with their screening, discussion (民事民议) and support."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel
from gongzhi.registry.models.on_behalf import OnBehalfRecord

from .choices import Form, ScopeKind, TopicStatus


class Topic(AreaBoundModel, OnBehalfRecord):
    """A matter residents or staff put up for consultation. ``area`` is the community or grid it
    concerns; ``estate``/``building`` narrow it further (``scope_kind`` says which)."""

    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("说明"))
    scope_kind = models.CharField(_("范围"), max_length=20, choices=ScopeKind.choices, default=ScopeKind.COMMUNITY)
    estate = models.ForeignKey("registry.Estate", verbose_name=_("小区/院落"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("registry.Building", verbose_name=_("楼栋"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    source_case = models.ForeignKey("cases.Case", verbose_name=_("来源事件"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提议人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    proposed_by_staff = models.BooleanField(_("工作人员提出"), default=False)
    proposed_for = models.ForeignKey("registry.Person", verbose_name=_("提议居民"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     help_text=_("工作人员代居民提出时的居民"))
    status = models.CharField(_("状态"), max_length=20, choices=TopicStatus.choices, default=TopicStatus.PROPOSED,
                              db_index=True)
    # Screening (六议六不议)
    catalogue_item = models.ForeignKey("deliberation.CatalogueItem", verbose_name=_("对应目录事项"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="+")
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    screened_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    screen_reason = models.TextField(_("审核意见"), blank=True)
    # Discussion
    form = models.CharField(_("协商形式"), max_length=20, choices=Form.choices, blank=True)
    body = models.ForeignKey("deliberation.Body", verbose_name=_("协商主体"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="topics")
    discussion_closes = models.DateTimeField(_("讨论截止"), null=True, blank=True)
    opinion = models.TextField(_("协商意见"), blank=True, help_text=_("协商形成的意见，向居民公开"))
    public = models.BooleanField(_("公开"), default=True)

    class Meta:
        verbose_name = _("协商议题")
        verbose_name_plural = _("协商议题")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["area", "status", "created_at"], name="delib_topic_area_status")]

    def __str__(self) -> str:
        return self.title


def _attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"deliberation/{now:%Y/%m}/{instance.topic_id}-{filename[-80:]}"


class TopicAttachment(models.Model):
    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("议题附件")
        verbose_name_plural = _("议题附件")
        ordering = ["pk"]


class Comment(OnBehalfRecord):
    """A comment in a topic's discussion; replies name their parent. Hidden comments keep their text
    for the record; residents see that one was hidden and why, not what it said."""

    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", verbose_name=_("回复"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发言人"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("registry.Person", verbose_name=_("发言居民"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", help_text=_("工作人员代居民发言时的居民"))
    text = models.TextField(_("内容"))
    by_staff = models.BooleanField(_("工作人员发言"), default=False,
                                   help_text=_("居民看到“社区工作人员”，不显示姓名"))
    created_at = models.DateTimeField(_("发表时间"), auto_now_add=True)
    hidden_at = models.DateTimeField(_("屏蔽时间"), null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("屏蔽人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    hidden_reason = models.CharField(_("屏蔽原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("议题讨论")
        verbose_name_plural = _("议题讨论")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["topic", "created_at"], name="delib_comment_topic")]


class Support(OnBehalfRecord):
    """A resident's "附议" (support) for a topic: one per person and topic, whether the resident gave
    it online (``user``) or staff entered it for them (代办: ``user`` is their account or empty)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="delib_support_once"),
                       models.UniqueConstraint(fields=["topic", "person"], name="delib_support_once_person")]
