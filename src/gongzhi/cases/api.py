"""API of the case loop: /api/v1/cases (report, list, detail, actions) and /api/v1/departments.

Thin handlers over ``selectors`` (scoped reads: a case the caller may not see is 404) and
``services`` (writes). Domain errors come back as ``{"detail", "code"}``: 403 ``forbidden`` for a
step that is not the caller's, 409 ``invalid_transition`` for a step the case's state does not
allow, 409 ``conflict`` when somebody acted first, 422 ``invalid`` for bad input.
"""


import datetime
from typing import Annotated, Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from gongzhi.core.api import ApiErrorOut
from gongzhi.accounts.models import Department
from gongzhi.core import ratelimit
from gongzhi.core.pagination import PageNumberPagination
from gongzhi.core.uploads import PHOTO, accepts_uploads, decode_base64_files

from . import selectors, services
from .public import public_timeline, sees_internals
from .views.report import report_rate
from .errors import InvalidInput
from .models import Case, CaseSource, CaseStatus, Priority
from .selectors import QUEUES
from .workflow import ACTIONS, available_actions

router = Router(tags=["cases"])
departments_router = Router(tags=["departments"])

MAX_ID = 2**63 - 1
PAGE_SIZE = 50
Base64Photo = Annotated[str, Field(json_schema_extra={"contentEncoding": "base64",
                                                       "contentMediaType": "image/*"})]
# The count (GONGZHI_CASE_PHOTOS_PER_STEP) is checked by the upload guard, with its Chinese message.
PHOTOS_HELP = ("base64 (or data: URLs) of JPEG, PNG or WebP photos, at most 6 (GONGZHI_CASE_PHOTOS_PER_STEP) of "
               "10 MB each; the whole request at most 32 MB (GONGZHI_API_UPLOAD_MAX_BYTES)")


ErrorOut = ApiErrorOut  # the one error schema of the API


class CategoryOut(Schema):
    code: str
    name: str
    group: str

    @staticmethod
    def resolve_group(obj) -> str:
        return obj.parent.name if obj.parent_id else ""


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    phone: str


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    at: datetime.datetime
    note: str
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_name


class CaseSummaryOut(Schema):
    id: int
    number: str
    status: str
    source: str
    description: str
    address: str
    lon: float | None
    lat: float | None
    grid: str = Field(description="code of the grid (or the area) the case belongs to")
    category: CategoryOut | None
    priority: str
    level: str
    department: DepartmentOut | None
    reported_at: datetime.datetime
    deadline: datetime.datetime | None = Field(description="the deadline of the current step")
    overdue: bool
    rating: int | None
    version: int

    @staticmethod
    def resolve_grid(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_department(obj):
        return obj.lead_department

    @staticmethod
    def resolve_deadline(obj, context):
        if not _internals(obj, context):
            return None  # internal time limits are not the reporter's
        if obj.status == CaseStatus.REPORTED:
            return obj.accept_due
        if obj.status == CaseStatus.ACCEPTED:
            return obj.dispatch_due
        if obj.status == CaseStatus.DISPATCHED:
            return obj.response_due
        return obj.handle_due if obj.status in {CaseStatus.HANDLING, CaseStatus.ACKNOWLEDGED,
                                                 CaseStatus.IN_PROGRESS} else None

    @staticmethod
    def resolve_overdue(obj, context) -> bool:
        if not _internals(obj, context):
            return False
        now = getattr(context["request"], "case_now", None) or timezone.now()
        if obj.status == CaseStatus.REPORTED:
            return obj.accept_due is not None and now > obj.accept_due
        return obj.is_overdue(now)


def _internals(case: Case, context) -> bool:
    """Whether the caller works this case (else: its reporter, who sees the public side only).
    Remembered on the request per case, for lists."""
    request = context["request"]
    seen = request.__dict__.setdefault("_gongzhi_case_internals", {})
    if case.pk not in seen:
        seen[case.pk] = sees_internals(request.user, case)
    return seen[case.pk]


class PhotoOut(Schema):
    id: int
    stage: str
    url: str
    content_type: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj) -> str:
        from django.urls import reverse

        return reverse("cases:photo", args=[obj.pk])


_INTERNAL = "internal: null for the reporter (who sees the public side of their case only)"


def _internal(name: str):
    """A resolver giving the field ``name`` to staff who work the case and None to its reporter."""
    return staticmethod(lambda obj, context: getattr(obj, name) if _internals(obj, context) else None)


class CaseOut(CaseSummaryOut):
    assist: list[DepartmentOut]
    merged_into: str | None
    accept_due: datetime.datetime | None = Field(description=_INTERNAL)
    dispatch_due: datetime.datetime | None = Field(description=_INTERNAL)
    response_due: datetime.datetime | None = Field(description=_INTERNAL)
    handle_due: datetime.datetime | None = Field(description=_INTERNAL)
    verified_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    rework_count: int | None = Field(description=_INTERNAL)
    return_count: int | None = Field(description=_INTERNAL)
    rating_comment: str
    resolved: bool | None = Field(description="whether the rating (or 回访) said the problem was solved")
    callback_reached: bool | None = Field(description="12345 回访: whether the caller was reached")
    timeline: list[EventOut] = Field(description="the reporter gets the public timeline: no internal notes "
                                                 "and no staff names")
    photos: list[PhotoOut]
    actions: list[str] = Field(description="the actions the caller may take now")

    resolve_accept_due = _internal("accept_due")
    resolve_dispatch_due = _internal("dispatch_due")
    resolve_response_due = _internal("response_due")
    resolve_handle_due = _internal("handle_due")
    resolve_rework_count = _internal("rework_count")
    resolve_return_count = _internal("return_count")

    @staticmethod
    def resolve_assist(obj):
        return list(obj.assist_departments.all())

    @staticmethod
    def resolve_merged_into(obj):
        return obj.merged_into.number if obj.merged_into_id else None

    @staticmethod
    def resolve_timeline(obj, context):
        return list(selectors.timeline(obj)) if _internals(obj, context) else public_timeline(obj)

    @staticmethod
    def resolve_photos(obj, context):
        photos = list(obj.photos.all())
        # The reporter sees the report's photos and the result's (feedback), not the verification's.
        return photos if _internals(obj, context) else [p for p in photos if p.stage != "verify"]

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        return [t.action for t in available_actions(context["request"].user, obj)]


class CaseIn(Schema):
    description: str = Field(..., max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    category: str | None = Field(None, max_length=16, description="小类 code (optional: suggested otherwise)")
    address: str = Field("", max_length=200)
    priority: Priority = Priority.NORMAL
    photos: list[Base64Photo] = Field([], description=PHOTOS_HELP)
    reporter_name: str = Field("", max_length=50, description="hotline entries: the caller's name")
    reporter_phone: str = Field("", max_length=30, description="hotline entries: the caller's phone (encrypted)")


class CaseFilter(Schema):
    status: list[CaseStatus] = Field([], max_length=len(CaseStatus.values))
    queue: Literal[tuple(QUEUES)] = "all"  # type: ignore[valid-type]
    category: str = Field("", max_length=16, description="大类 or 小类 code")
    area: str = Field("", max_length=14, description="area code: its whole subtree")
    department: int | None = Field(None, ge=1, le=MAX_ID)
    overdue: bool = False
    q: str = Field("", max_length=100)
    order: Literal["deadline", "reported", "oldest", "number"] = "reported"


class ActionIn(Schema):
    action: Literal[ACTIONS]  # type: ignore[valid-type]
    note: str = Field("", max_length=2000)
    version: int | None = Field(None, ge=1, description="the version the caller saw: 409 when it changed")
    category: str | None = Field(None, max_length=16)
    priority: Priority | None = None
    level: Literal["grid", "community"] | None = None
    department: int | None = Field(None, ge=1, le=MAX_ID)
    assist: list[int] | None = Field(None, max_length=20)
    duplicate_of: int | None = Field(None, ge=1, le=MAX_ID)
    hours: float | None = Field(None, gt=0, le=720)
    decision: Literal["approve", "refuse"] | None = None
    review_date: datetime.date | None = None
    rating: int | None = Field(None, ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    resolved: bool | None = Field(None, description="rate, callback: whether the problem was solved")
    reached: bool | None = Field(None, description="callback: whether the caller was reached")
    comment: str = Field("", max_length=500)
    photos: list[Base64Photo] = Field([], description=PHOTOS_HELP)


def _photos(values: list[str]) -> list[bytes]:
    return decode_base64_files(PHOTO, values)  # counted and sized before decoding, then sniffed


def _detail(request, pk: int) -> Case:
    case = selectors.case_for(request.user, pk)
    return (Case.objects.select_related(*selectors.LIST_RELATED, "merged_into")
            .prefetch_related("assist_departments", "photos").get(pk=case.pk))


@router.post("", response={201: CaseOut, 403: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             summary="Report a case")
@accepts_uploads(PHOTO, field="photos", transport="base64")
def report_case(request, payload: CaseIn):
    ratelimit.check(report_rate(request.user), request=request, user=request.user)
    case = services.report_case(
        actor=request.user, description=payload.description, lon=payload.lon, lat=payload.lat,
        category=payload.category, address=payload.address, priority=payload.priority,
        photos=_photos(payload.photos), reporter_name=payload.reporter_name, reporter_phone=payload.reporter_phone,
        source=CaseSource.API, request=request)
    return Status(201, _detail(request, case.pk))


@router.get("", response=list[CaseSummaryOut], summary="Cases the caller may see (filters, pagination)")
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
def list_cases(request, filters: CaseFilter = Query(...)):
    now = timezone.now()
    request.case_now = now
    cases = selectors.case_list(request.user, queue=filters.queue, q=filters.q, category=filters.category,
                                area_code=filters.area, department=filters.department, overdue=filters.overdue,
                                order=filters.order, now=now)
    if filters.status:
        cases = cases.filter(status__in=[str(status) for status in filters.status])
    return cases


@router.get("/{pk}", response=CaseOut, summary="One case with its timeline (404 when out of scope)")
def get_case(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return _detail(request, pk)


@router.post("/{pk}/actions", response={200: CaseOut, 403: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut},
             summary="Take an action: accept, reject, merge, handle, dispatch, refer, takeover, acknowledge, "
                     "return, start, feedback, verify, rework, close, extend, suspend, rate, callback, reopen")
@accepts_uploads(PHOTO, field="photos", transport="base64")
def act(request, payload: ActionIn, pk: int = Path(..., ge=1, le=MAX_ID)):
    case = selectors.case_for(request.user, pk)
    params = payload.model_dump(exclude={"action", "note", "version", "photos"}, exclude_none=True)
    if not params.get("comment"):
        params.pop("comment", None)
    services.act(actor=request.user, case=case, action=payload.action, note=payload.note, version=payload.version,
                 photos=_photos(payload.photos), request=request, **params)
    return _detail(request, pk)


@departments_router.get("", response=list[DepartmentOut], summary="Active departments (dispatch targets)")
def list_departments(request):
    return Department.objects.filter(is_active=True).order_by("code")
