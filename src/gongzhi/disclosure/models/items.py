"""Disclosure items (居务/村务公开 · 党务 · 财务 · 服务), their attachments, their history and the
residents' questions about them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.registry.models.base import AreaBoundModel
from gongzhi.registry.models.on_behalf import OnBehalfRecord


class Category(models.TextChoices):
    """What is disclosed. ``AFFAIRS`` is 居务 in a neighbourhood and 村务 in a village
    (``category_label``)."""

    AFFAIRS = "affairs", _("居（村）务")
    PARTY = "party", _("党务")
    FINANCE = "finance", _("财务")
    SERVICE = "service", _("服务")


class Body(models.TextChoices):
    """Who publishes. ``COMMITTEE`` is 居委会 in a neighbourhood and 村委会 in a village (``body_label``)."""

    COMMITTEE = "committee", _("居（村）民委员会")
    PARTY = "party", _("党组织")
    SUPERVISION = "supervision", _("居（村）务监督委员会")
    ECONOMIC = "economic", _("集体经济组织")
    SERVICE_STATION = "station", _("党群服务中心")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公开")
    WITHDRAWN = "withdrawn", _("已撤回")


def category_label(category: str, area) -> str:
    """The category as the area says it: 村务 in a village, 居务 elsewhere."""
    if category == Category.AFFAIRS:
        return str(_("村务") if area is not None and area.in_village else _("居务"))
    return str(Category(category).label)


def body_label(body: str, area) -> str:
    village = area is not None and area.in_village
    if body == Body.COMMITTEE:
        return str(_("村民委员会") if village else _("居民委员会"))
    if body == Body.SUPERVISION:
        return str(_("村务监督委员会") if village else _("居务监督委员会"))
    return str(Body(body).label)


class DisclosureItem(AreaBoundModel):
    """One disclosure, bound to a community or a village. Drafts are edited; publishing and
    withdrawing (with a reason) change its status; every change is a ``DisclosureHistory`` row.

    A month's financial statement is an item of category 财务 with ``statement_month`` set and the
    statement's figures in ``statement`` (written by ``services.publish_statement``)."""

    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    body = models.CharField(_("公开主体"), max_length=12, choices=Body.choices, default=Body.COMMITTEE)
    title = models.CharField(_("标题"), max_length=120)
    content = models.TextField(_("内容"), max_length=20000)
    period_start = models.DateField(_("公开期间起"))
    period_end = models.DateField(_("公开期间止"))
    major = models.BooleanField(_("重大事项"), default=False,
                                help_text=_("重大事项须在决定之日起及时公开（见“公开时限”）。"))
    decided_on = models.DateField(_("决定日期"), null=True, blank=True,
                                  help_text=_("重大事项的决定（会议表决）日期，用于计算公开时限。"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)
    statement_month = models.DateField(_("财务报表月份"), null=True, blank=True, editable=False)
    statement = models.JSONField(_("财务报表"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("公开事项")
        verbose_name_plural = _("公开事项")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["area", "status", "category", "published_at"], name="disclosure_public")]
        constraints = [
            models.UniqueConstraint(fields=["area", "statement_month"], condition=models.Q(statement_month__isnull=False),
                                    name="disclosure_one_statement_per_month"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="disclosure_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def category_label(self) -> str:
        return category_label(self.category, self.area)

    @property
    def body_label(self) -> str:
        return body_label(self.body, self.area)


def _attachment_path(instance: DisclosureAttachment, filename: str) -> str:
    return f"disclosure/{instance.created_at:%Y/%m}/{filename}"


class DisclosureAttachment(models.Model):
    """A picture attached to an item (a scanned notice, a receipt, a photo of the board), re-encoded
    on upload without its metadata. Public once its item is published."""

    item = models.ForeignKey(DisclosureItem, on_delete=models.CASCADE, related_name="attachments",
                             verbose_name=_("公开事项"))
    file = models.FileField(_("附件"), upload_to=_attachment_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("公开附件")
        verbose_name_plural = _("公开附件")
        ordering = ["pk"]


class HistoryAction(models.TextChoices):
    CREATE = "create", _("创建草稿")
    EDIT = "edit", _("修改")
    PUBLISH = "publish", _("公开")
    WITHDRAW = "withdraw", _("撤回")


class DisclosureHistory(models.Model):
    """Every version and state change of an item, as it was (never edited, never deleted)."""

    item = models.ForeignKey(DisclosureItem, on_delete=models.CASCADE, related_name="history",
                             verbose_name=_("公开事项"))
    version = models.PositiveIntegerField(_("版本"))
    action = models.CharField(_("操作"), max_length=10, choices=HistoryAction.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    snapshot = models.JSONField(_("内容快照"))
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("操作人"))
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    at = models.DateTimeField(_("时间"))

    @property
    def actor_label(self) -> str:
        """Who acted, as a person reads it (a program by its Chinese name: 演示数据初始化程序)."""
        from gongzhi.audit.labels import OPERATORS

        if self.actor_id is not None:
            return self.actor.display_name
        return str(OPERATORS.get(self.actor_name, self.actor_name))

    class Meta:
        verbose_name = _("公开事项历史")
        verbose_name_plural = _("公开事项历史")
        ordering = ["at", "pk"]


class Question(AreaBoundModel, OnBehalfRecord):
    """A resident's question about an item, or about the community's disclosure in general.
    Shown publicly once answered, without the asker and without the staff member who answered."""

    item = models.ForeignKey(DisclosureItem, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="questions", verbose_name=_("公开事项"))
    text = models.TextField(_("问题"), max_length=1000)
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("提问人"))
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("提问居民"), help_text=_("工作人员代居民提问时的居民"))
    asked_at = models.DateTimeField(_("提问时间"))
    answer = models.TextField(_("答复"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("答复人"))

    class Meta:
        verbose_name = _("居民提问")
        verbose_name_plural = _("居民提问")
        ordering = ["-asked_at", "-pk"]
