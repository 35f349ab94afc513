"""Implementation and evaluation (民事民办, 民事民评): a decided topic's tasks with their owners,
deadlines and progress updates, and the residents' satisfaction survey once every task is done.

Residents see each task's owning unit or post (``owner_unit``), never the staff member behind it
(``owner``); updates show their text, percent and photos, never who wrote them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.models import Rating
from gongzhi.registry.models.base import AreaBoundModel
from gongzhi.registry.models.on_behalf import OnBehalfRecord


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("未开始")
    ACTIVE = "active", _("进行中")
    DONE = "done", _("已完成")


class Task(AreaBoundModel):
    """One piece of work a decision calls for. ``area`` is the topic's area (scope for staff)."""

    topic = models.ForeignKey("deliberation.Topic", verbose_name=_("议题"), on_delete=models.CASCADE,
                              related_name="tasks")
    title = models.CharField(_("任务"), max_length=200)
    description = models.TextField(_("任务说明"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", help_text=_("仅工作人员可见"))
    owner_unit = models.CharField(_("责任单位/岗位"), max_length=100,
                                  help_text=_("向居民公开的责任单位或岗位，不显示个人姓名"))
    deadline = models.DateField(_("完成期限"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), default=0)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", verbose_name=_("关联事件"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("落实任务")
        verbose_name_plural = _("落实任务")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="delib_task_status_deadline")]
        constraints = [models.CheckConstraint(condition=models.Q(percent__lte=100), name="delib_task_percent_max")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status != TaskStatus.DONE and self.deadline < today


class TaskUpdate(models.Model):
    """A progress update: what was done, how far along (percent), photos. The author is kept for the
    record and never shown to residents."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("进展情况"))
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["at", "pk"]


def _photo_path(instance: "TaskPhoto", filename: str) -> str:
    now = timezone.now()
    return f"deliberation/tasks/{now:%Y/%m}/{filename}"


class TaskPhoto(models.Model):
    """A photo of an update, re-encoded without its metadata (``cases.photos``)."""

    update = models.ForeignKey(TaskUpdate, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("任务照片")
        verbose_name_plural = _("任务照片")
        ordering = ["pk"]


class Evaluation(OnBehalfRecord):
    """A verified resident's rating of a done topic (好差评, five levels): one per resident (person)
    and topic, given online or entered by staff for them (代办)."""

    topic = models.ForeignKey("deliberation.Topic", verbose_name=_("议题"), on_delete=models.CASCADE,
                              related_name="evaluations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(_("满意度"), choices=Rating.choices)
    comment = models.TextField(_("意见建议"), blank=True)
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("落实评价")
        verbose_name_plural = _("落实评价")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="delib_evaluation_once"),
            models.UniqueConstraint(fields=["topic", "person"], name="delib_evaluation_once_person"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="delib_evaluation_rating"),
        ]
