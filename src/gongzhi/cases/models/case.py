"""Cases (事件/案卷): what was reported, where, by whom; their state, clocks, photos and timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Department
from gongzhi.areas.models import Area
from gongzhi.areas.scope import AreaScopedQuerySet
from gongzhi.privacy.fields import EncryptedTextField

from .catalogue import Category, HandlingLevel


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("待受理")
    ACCEPTED = "accepted", _("已立案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已合并")
    HANDLING = "handling", _("网格/社区处置")
    DISPATCHED = "dispatched", _("已派遣")
    ACKNOWLEDGED = "acknowledged", _("已报到")
    IN_PROGRESS = "in_progress", _("处置中")
    FEEDBACK = "feedback", _("待核查")
    VERIFIED = "verified", _("已核查待结案")
    CLOSED = "closed", _("已结案")
    SUSPENDED = "suspended", _("挂账")


OPEN_STATUSES = frozenset({CaseStatus.REPORTED, CaseStatus.ACCEPTED, CaseStatus.HANDLING, CaseStatus.DISPATCHED,
                           CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.FEEDBACK,
                           CaseStatus.VERIFIED})
# States in which the handling clock runs (a deadline can be missed).
RUNNING_STATUSES = frozenset({CaseStatus.HANDLING, CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED,
                              CaseStatus.IN_PROGRESS})
FINAL_STATUSES = frozenset({CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.MERGED})


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` among ``choices`` (the value itself when it is not one of them, as Django's
    get_FOO_display answers)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class CaseSource(models.TextChoices):
    RESIDENT = "resident", _("居民上报")
    PATROL = "patrol", _("网格巡查")
    HOTLINE = "hotline", _("热线录入")
    COUNTER = "counter", _("窗口录入")
    OPEN311 = "open311", _("Open311")
    API = "api", _("接口")


#: Cases typed in by staff for a caller or a visitor: rated through a callback (回访), not by the typist.
ENTERED_FOR_CALLER = frozenset({CaseSource.HOTLINE, CaseSource.COUNTER})


class Priority(models.TextChoices):
    """Urgency. It sets the limits: a category's urgent limit for anything above 一般, and for
    hotline cases the 12345 feedback tiers (see ``services.HOTLINE_TIERS``)."""

    CRITICAL = "critical", _("特急")
    URGENT = "urgent", _("紧急")
    PRESSING = "pressing", _("较急")
    NORMAL = "normal", _("一般")


class Rating(models.IntegerChoices):
    """政务服务"好差评": the five levels; the API's ``rating`` stays the integer 1–5."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


class CaseQuerySet(AreaScopedQuerySet):
    """Scope for cases: the areas where the user holds ``cases.view``, the cases dispatched to the
    user's departments (as lead or assisting), and the cases the user reported.

    Departments see only what is dispatched to them, not every case of the areas they serve.
    """

    def visible_to(self, user, *, own_reports: bool = True) -> CaseQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        from gongzhi.accounts.permissions import perm_paths
        from gongzhi.accounts.roles import Perm

        from gongzhi.areas.scope import covers_every_area

        paths = perm_paths(user, Perm.CASES_VIEW)
        if covers_every_area(user, paths):
            # Every case has an area, so every case is in a scope that holds every area (a district's
            # account on its own server): no condition, which at a million cases was a scan of all of them.
            return self.all()
        # ``own_reports=False`` leaves out the cases the user reported outside their areas: for a
        # caller that knows there are none (the queue's counts), an OR branch fewer to plan around.
        branches = [Q(reporter=user)] if own_reports else []
        for path in paths:
            # The areas by their ids (an index on the cases), not each case joined to its area to test the
            # path: a join inside an OR left the planner no index and read every case.
            branches.append(Q(area_id__in=Area.objects.filter(path__startswith=path).values("pk")))
        departments = department_ids(user)
        if departments:
            branches += [Q(lead_department__in=departments), Q(pk__in=Case.assist_departments.through.objects.filter(
                department_id__in=departments).values("case_id"))]
        if not branches:
            return self.none()
        q = branches[0]
        for branch in branches[1:]:
            q |= branch
        return self.filter(q)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now):
        """Cases whose handling deadline has passed while their clock runs (computed, never flagged)."""
        return self.filter(status__in=RUNNING_STATUSES, handle_due__lt=now)


def department_ids(user) -> tuple[int, ...]:
    """The departments the user works in (as department staff), cached on the user object."""
    cached = getattr(user, "_gongzhi_department_ids", None)
    if cached is None:
        from gongzhi.accounts.models import RoleAssignment
        from gongzhi.accounts.roles import Role

        cached = tuple(sorted(RoleAssignment.objects.filter(user=user, role=Role.DEPARTMENT_STAFF,
                                                             department__is_active=True)
                              .values_list("department_id", flat=True).distinct()))
        user._gongzhi_department_ids = cached
    return cached


class Case(models.Model):
    """A reported problem, from report to rating. ``version`` guards concurrent actions.

    Deadlines are stored when a clock starts (``accept_due`` at report, ``response_due`` and
    ``handle_due`` at dispatch or when handed to a grid or community, ``warn_at`` at 80 % of the
    handling limit); near-due and overdue are computed from them, never from timers.
    """

    number = models.CharField(_("事件编号"), max_length=20, unique=True)
    source = models.CharField(_("来源"), max_length=10, choices=CaseSource.choices, default=CaseSource.RESIDENT)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上报人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reported_cases")
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("反映人电话"), blank=True, default="", sensitive="phone")
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    area = models.ForeignKey(Area, verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="+")
    district_code = models.CharField(_("区县代码"), max_length=6, editable=False, db_index=True)
    category = models.ForeignKey(Category, verbose_name=_("事件类别"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="cases")
    suggested_category = models.ForeignKey(Category, verbose_name=_("推荐类别"), null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    suggestion_score = models.FloatField(_("推荐置信度"), null=True, blank=True)
    priority = models.CharField(_("紧急程度"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.REPORTED)
    level = models.CharField(_("处置层级"), max_length=12, choices=HandlingLevel.choices, blank=True)
    lead_department = models.ForeignKey(Department, verbose_name=_("主办部门"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="led_cases")
    assist_departments = models.ManyToManyField(Department, verbose_name=_("协办部门"), blank=True,
                                                related_name="assisted_cases")
    merged_into = models.ForeignKey("self", verbose_name=_("合并至"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged_cases")
    patrol = models.ForeignKey("cases.Patrol", verbose_name=_("巡查记录"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="cases")

    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    accept_due = models.DateTimeField(_("立案时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatch_due = models.DateTimeField(_("派遣时限"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    response_due = models.DateTimeField(_("报到时限"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    handling_started_at = models.DateTimeField(_("处置计时起点"), null=True, blank=True)
    handle_due = models.DateTimeField(_("处置时限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    missed_due = models.DateTimeField(_("首次超期的处置时限"), null=True, blank=True,
                                      help_text=_("网格超时升级至社区时记下，超期数和按期结案率按它计"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("挂账时间"), null=True, blank=True)
    review_date = models.DateField(_("挂账复核日期"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("临期提醒已发"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("列入督办"), null=True, blank=True)
    # When the sweep raised the other clocks (once each): acceptance, dispatch and 报到 overdue.
    accept_overdue_at = models.DateTimeField(_("立案超时提醒"), null=True, blank=True)
    dispatch_overdue_at = models.DateTimeField(_("派遣超时提醒"), null=True, blank=True)
    response_overdue_at = models.DateTimeField(_("报到超时提醒"), null=True, blank=True)

    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    extended_hours = models.DecimalField(_("已延期（小时）"), max_digits=7, decimal_places=1, default=0)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True, choices=Rating.choices)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    resolved = models.BooleanField(_("问题是否解决"), null=True, blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    callback_reached = models.BooleanField(_("回访是否联系上"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    open311_token = models.CharField(max_length=40, unique=True, null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "handle_due"], name="case_status_due"),
            models.Index(fields=["area", "status"], name="case_area_status"),
            # A department's inbox: each section is a status of the cases it leads, the closed ones
            # newest first (without ``closed_at`` here, a department's 300,000 closed cases were sorted).
            models.Index(fields=["lead_department", "status", "closed_at"], name="case_dept_status_closed"),
            models.Index(fields=["category", "reported_at"], name="case_category_reported"),
            # The statistics read the cases any of whose moments falls in the period (``indicators.
            # _touching``): one index per moment lets the database take the union of a few index ranges
            # instead of reading every case of the district.
            models.Index(fields=["accepted_at"], name="case_accepted_at"),
            models.Index(fields=["closed_at", "handle_due"], name="case_closed_due"),
            models.Index(fields=["rated_at"], name="case_rated_at"),
            models.Index(fields=["acknowledged_at"], name="case_acknowledged_at"),
            models.Index(fields=["callback_at"], name="case_callback_at"),
            models.Index(fields=["accept_due"], name="case_accept_due"),
            models.Index(fields=["response_due"], name="case_response_due"),
        ]

    def __str__(self) -> str:
        return self.number

    # Django's generated get_FOO_display builds a dict of every choice for each call, hashing each
    # lazy label (a translation lookup each): a department inbox of 200 cases spent a quarter of its
    # time there. The enum's own lookup gives the same label.
    def get_status_display(self) -> str:
        return choice_label(CaseStatus, self.status)

    def get_level_display(self) -> str:
        return choice_label(HandlingLevel, self.level)

    def save(self, *args, **kwargs):
        if self.area_id is not None:
            self.district_code = self.area.code[:6]
        super().save(*args, **kwargs)

    @property
    def rated_by_callback(self) -> bool:
        """Entered by staff for a caller: its rating comes from a callback (回访), not from the typist."""
        return self.source in ENTERED_FOR_CALLER

    def is_overdue(self, now) -> bool:
        return self.status in RUNNING_STATUSES and self.handle_due is not None and now > self.handle_due

    def is_near_due(self, now) -> bool:
        return (self.status in RUNNING_STATUSES and self.warn_at is not None and now >= self.warn_at
                and not self.is_overdue(now))


class CaseEvent(models.Model):
    """One step of a case's timeline: who did what, when, from which state to which, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("事件"))
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True, choices=CaseStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True, choices=CaseStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人名称"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事件流转记录")
        verbose_name_plural = _("事件流转记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class PhotoStage(models.TextChoices):
    REPORT = "report", _("上报")
    FEEDBACK = "feedback", _("处置反馈")
    VERIFY = "verify", _("核查")


def _photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.created_at:%Y/%m}/{filename}"


class CasePhoto(models.Model):
    """A photo, re-encoded on upload without its metadata; the EXIF location is kept as coordinates only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos", verbose_name=_("事件"))
    event = models.ForeignKey(CaseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="photos")
    stage = models.CharField(_("环节"), max_length=10, choices=PhotoStage.choices, default=PhotoStage.REPORT)
    image = models.FileField(_("照片"), upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    lon = models.FloatField(_("拍摄经度"), null=True, blank=True)
    lat = models.FloatField(_("拍摄纬度"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")
        ordering = ["created_at", "pk"]


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")


class ExtensionRequest(models.Model):
    """A handler's request for more time, decided by the command centre."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("事件"))
    hours = models.DecimalField(_("延期（小时）"), max_digits=6, decimal_places=1)
    reason = models.TextField(_("理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(_("状态"), max_length=10, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=Q(status="pending"),
                                               name="one_pending_extension_per_case")]
