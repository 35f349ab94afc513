"""四议两公开: a village's six-step procedure for major matters (党支部提议 → 两委商议 → 党员大会审议 →
村民会议/村民代表会议决议 → 决议公开 → 实施结果公开).

Each step is held, perhaps more than once: every attempt is a ``StepRecord`` (history kept). An
attempt of a deciding step (2, 3, 4) stores the rule it was checked against and the checks it
produced (``deliberation.rules``); the process moves on only after a passed attempt.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel


class FourTwoStep(models.IntegerChoices):
    PROPOSAL = 1, _("党支部提议")
    CONSULTATION = 2, _("两委商议")
    REVIEW = 3, _("党员大会审议")
    RESOLUTION = 4, _("村民会议或村民代表会议决议")
    RESOLUTION_DISCLOSURE = 5, _("决议公开")
    RESULT_DISCLOSURE = 6, _("实施结果公开")


LAST_STEP = FourTwoStep.RESULT_DISCLOSURE


class ProcessStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    COMPLETED = "completed", _("已完成")


class VillageProcess(AreaBoundModel):
    """One matter taken through 四议两公开; ``area`` is the village (a community-level area)."""

    title = models.CharField(_("事项名称"), max_length=200)
    matter = models.TextField(_("事项内容"))
    topic = models.ForeignKey("deliberation.Topic", verbose_name=_("关联议题"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="village_processes")
    step = models.PositiveSmallIntegerField(_("当前环节"), choices=FourTwoStep.choices, default=FourTwoStep.PROPOSAL)
    status = models.CharField(_("状态"), max_length=10, choices=ProcessStatus.choices, default=ProcessStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("四议两公开事项")
        verbose_name_plural = _("四议两公开事项")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["area", "created_at"], name="delib_village_process_area")]

    def __str__(self) -> str:
        return self.title


class StepRecord(models.Model):
    """One attempt at one step: when and by which body it was held, attendance 应到/实到 (persons,
    and households for a 村民会议), the votes, who signed, the minutes; for the 公开 steps, the
    publication (date, where, text). ``expected_default`` is what the registry counted;
    ``expected`` differs from it only with ``expected_reason``."""

    process = models.ForeignKey(VillageProcess, verbose_name=_("事项"), on_delete=models.CASCADE,
                                related_name="records")
    step = models.PositiveSmallIntegerField(_("环节"), choices=FourTwoStep.choices)
    attempt = models.PositiveSmallIntegerField(_("第几次"), default=1)
    held_on = models.DateField(_("日期"))
    body = models.CharField(_("会议/机构"), max_length=100)
    rule = models.CharField(_("议事规则"), max_length=30, blank=True)
    expected = models.PositiveIntegerField(_("应到"), default=0)
    present = models.PositiveIntegerField(_("实到"), default=0)
    expected_default = models.PositiveIntegerField(_("按档案计算的应到"), null=True, blank=True)
    expected_households = models.PositiveIntegerField(_("应到户数"), default=0)
    present_households = models.PositiveIntegerField(_("实到户数"), default=0)
    expected_households_default = models.PositiveIntegerField(_("按档案计算的应到户数"), null=True, blank=True)
    expected_reason = models.CharField(_("调整应到的理由"), max_length=200, blank=True)
    yes = models.PositiveIntegerField(_("同意"), default=0)
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    passed = models.BooleanField(_("通过"), default=False)
    checks = models.JSONField(_("规则核验"), default=list)
    shortfall = models.CharField(_("未通过原因"), max_length=300, blank=True)
    signed_by = models.CharField(_("签字人"), max_length=300, blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    published_on = models.DateField(_("公开日期"), null=True, blank=True)
    published_where = models.CharField(_("公开地点/渠道"), max_length=200, blank=True)
    published_text = models.TextField(_("公开内容"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("四议两公开环节记录")
        verbose_name_plural = _("四议两公开环节记录")
        ordering = ["process", "step", "attempt"]
        constraints = [models.UniqueConstraint(fields=["process", "step", "attempt"], name="delib_step_attempt_once")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} #{self.attempt}"


def _attachment_path(instance: "StepAttachment", filename: str) -> str:
    return f"deliberation/villages/{instance.record.process_id}/{filename[-80:]}"


class StepAttachment(models.Model):
    """Minutes, sign-in sheets, the notice as posted: photos (checked and re-encoded like case photos)."""

    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField(_("大小（字节）"))

    class Meta:
        verbose_name = _("环节附件")
        verbose_name_plural = _("环节附件")
        ordering = ["pk"]
