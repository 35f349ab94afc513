"""Meetings (会议、对话、书面、网络协商) with notice, attendance 应到/实到, minutes and the opinion formed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel

from .choices import Form


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已召开")
    CANCELLED = "cancelled", _("已取消")


class Meeting(AreaBoundModel):
    topic = models.ForeignKey("deliberation.Topic", verbose_name=_("议题"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="meetings")
    body = models.ForeignKey("deliberation.Body", verbose_name=_("议事机构"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="meetings")
    title = models.CharField(_("会议名称"), max_length=200)
    form = models.CharField(_("协商形式"), max_length=20, choices=Form.choices, default=Form.MEETING)
    scheduled_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    notice_sent_at = models.DateTimeField(_("通知发出时间"), null=True, blank=True)
    expected = models.PositiveIntegerField(_("应到人数"), default=0)
    present = models.PositiveIntegerField(_("实到人数"), default=0)
    minutes = models.TextField(_("会议纪要"), blank=True)
    opinion = models.TextField(_("形成意见"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-scheduled_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """One invitee of a meeting: a body member or an interested household's person; present or not, signed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("deliberation.BodyMember", verbose_name=_("成员"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    present = models.BooleanField(_("出席"), default=False)
    signed = models.BooleanField(_("已签到"), default=False)

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], condition=models.Q(person__isnull=False),
                                    name="delib_attendance_person_once"),
            models.UniqueConstraint(fields=["meeting", "member"], condition=models.Q(member__isnull=False),
                                    name="delib_attendance_member_once"),
        ]
