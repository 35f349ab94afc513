"""Open311 GeoReport v2 at /open311/v2/: the case loop as a public, standard API for third-party clients.

Methods (http://wiki.open311.org/GeoReport_v2), each as ``.xml`` and ``.json``:

- ``discovery``               service discovery (changeset, contact, key_service, endpoints)
- ``services``                the active, non-sensitive 小类 (service_code = 小类 code, group = 大类)
- ``services/{code}``         a service definition: no attributes (``metadata`` is false everywhere)
- ``requests`` GET            public list of cases (service_request_id = 事件编号), 90 days / 1000 at most
- ``requests`` POST           file a report with an ``api_key`` (form-encoded, as the specification sends)
- ``requests/{id}``           one case
- ``tokens/{token}``          the service_request_id behind a token (the token alone until it is filed)

What is public and what is not:

- Never a case whose 小类 is sensitive (邻里纠纷, 困难救助…), nor an uncategorised one whose suggested
  category is sensitive or that has no category at all (nothing yet says it is safe to show).
- Rejected and merged cases are left out of the list (out of scope, spam, or the duplicate of a listed
  case) but answer when asked by id — ``requests/{id}`` or ``service_request_id=`` — so that a client
  can follow what became of its report: ``closed`` with the reason in ``status_notes``.
- Never the reporter: no name, phone, account or photo. ``media_url`` is always empty: report
  photos may show people, faces, plates and door numbers; metadata stripping removes none of
  that, and case photos are never public files (see ``views.detail.case_photo``).
- ``status`` is ``open`` or ``closed`` (closed = 已结案, 不予立案, 已合并); ``status_notes`` carries our
  richer status in Chinese (``已派遣：区城市管理局``) and the rejection or closing note.

POST: ``email``, ``device_id``, ``account_id`` and ``attribute[…]`` are accepted and not stored
(we have no use for a submitter's email and do not keep what we do not need). ``media_url`` is never
fetched (no outbound network at run time): it is appended to the description as a link for staff.
A location must be a point (lat & long) because every case is placed in a grid; an address alone
is refused with a 400 that says so. The service type is ``batch``: a POST is checked and queued at
once and answered with a ``token`` (``open311_intake``); the task worker files it as a case within
moments, and ``tokens/{token}`` then answers its ``service_request_id``.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import parse_qsl
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, TooManyFieldsSent
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.areas.models import Level
from gongzhi.privacy.masking import mask_free_text

from . import open311_intake, services
from .errors import DomainError
from .models import Case, CaseEvent, CaseStatus, Category, HandlingLevel, Open311Submission
from .models.case import FINAL_STATUSES
from .open311_keys import REMEMBER_SECONDS, key_for

logger = logging.getLogger(__name__)

S = CaseStatus
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the discovery document or the service definitions last changed (definitions have no attributes).
CHANGESET = "2026-12-02 00:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DEFAULT_FORMAT = "xml"  # XML is the specification's required format: errors without a known format use it
WINDOW = datetime.timedelta(days=90)
MAX_RESULTS = 1000
MAX_PARAM_CHARS = 30_000  # one query or form value (1000 comma-separated ids fit)
MAX_URL_PART = 100  # a service code, request id or token in the path
PHONE_MAX, NAME_MAX, ADDRESS_MAX, MEDIA_URL_MAX, COORDINATE_MAX = 30, 50, 200, 500, 40
CLOSED_STATUSES = frozenset(FINAL_STATUSES)  # 已结案, 不予立案, 已合并
HIDDEN_FROM_LIST = (S.REJECTED, S.MERGED)
REQUEST_RELATED = ("category", "category__parent", "suggested_category", "suggested_category__parent",
                   "lead_department", "merged_into", "area", "area__parent", "area__parent__parent")
# XML element names of list items, by the name of the list (Spark convention, as the examples).
ITEM_NAMES = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value"}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Published as they are: our own identifiers, codes and times (no free text a person typed).
UNMASKED_FIELDS = frozenset({"service_request_id", "service_code", "requested_datetime", "updated_datetime",
                             "expected_datetime"})


class Open311Error(Exception):
    """An error answered as the specification's ``errors`` document with this HTTP status."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- Rendering -----------------------------------------------------------------------------------

def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _xml_append(parent: ElementTree.Element, name: str, value) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_append(element, key, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _xml_append(element, ITEM_NAMES[name], item)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, data) -> bytes:
    """The document as the specification's examples write it: a root, list items named by ITEM_NAMES."""
    element = ElementTree.Element(root)
    if isinstance(data, dict):
        for key, value in data.items():
            _xml_append(element, key, value)
    else:
        for item in data:
            _xml_append(element, ITEM_NAMES[root], item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="unicode").encode()


def respond(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """JSON is the Spark mapping of the XML: the root's content (an array for lists), nulls for empty values."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        body = to_xml(root, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt if fmt in CONTENT_TYPES else DEFAULT_FORMAT, "errors",
                   [{"code": status, "description": description}], status=status)


def _holds_nul(values: Iterable) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def open311_view(*methods: str) -> Callable:
    """Format from the URL (404 for an unknown one), allowed methods (405), bad input (400), errors."""

    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt: str, **kwargs):
            fmt = fmt.lower()
            if fmt not in CONTENT_TYPES:
                return error_response(DEFAULT_FORMAT, 404, _("不支持的格式：只提供 .xml 和 .json。"))
            if request.method not in allowed:
                response = error_response(fmt, 405, _("不支持该请求方法。"))
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                query = list(request.GET.lists())
                if request.method == "POST":
                    _load_urlencoded(request)
                form = list(request.POST.lists()) if request.method == "POST" else []
                if _holds_nul([*kwargs.values(), *(k for k, _v in query + form),
                               *(v for _k, values in query + form for v in values)]):
                    raise Open311Error(400, _("请求中含有不允许的空字符（\\u0000）。"))
                if any(len(v) > MAX_PARAM_CHARS for _k, values in query + form for v in values):
                    raise Open311Error(400, _("请求参数过长。"))
                return view(request, fmt, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error.status, error.description)
            except (SuspiciousOperation, MultiPartParserError, UnreadablePostError):
                return error_response(fmt, 400, _("请求体过大或格式不正确。"))
            except Exception:  # the specification's "general service error" is a 400
                logger.exception("Open311 request failed")
                return error_response(fmt, 400, _("服务暂时出错，请稍后重试；如持续出现请联系我们。"))

        wrapper.request_refusal = _request_refusal  # a body refused before it is read (core.uploads)
        return wrapper

    return decorate


def _load_urlencoded(request) -> None:
    """Parse a urlencoded body into ``request.POST`` as ``QueryDict`` would, at half its cost.

    The same parsing (``parse_qsl`` keeping blanks, the request's encoding, at most
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields, the body bounded by ``DATA_UPLOAD_MAX_MEMORY_SIZE``),
    without ``QueryDict``'s field-by-field ``appendlist``: a POST of five fields spends a tenth of
    its own work parsing. Other bodies (multipart) are left to Django.
    """
    if hasattr(request, "_post") or request.content_type != "application/x-www-form-urlencoded":
        return
    encoding = request.encoding or settings.DEFAULT_CHARSET
    body = request.body  # RequestDataTooBig past the limit (a SuspiciousOperation)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        text = body.decode("iso-8859-1")  # as QueryDict decodes it
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding=encoding,
                          max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except ValueError as error:
        raise TooManyFieldsSent("The number of GET/POST parameters exceeded "
                                "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.") from error
    lists: dict[str, list[str]] = {}
    for name, value in pairs:
        lists.setdefault(name, []).append(value)
    form = QueryDict.__new__(QueryDict)
    MultiValueDict.__init__(form, lists)
    form.encoding, form._mutable = encoding, False
    request._post, request._files = form, MultiValueDict()


def _request_refusal(request, status: int, message: str, fmt: str = "", **kwargs) -> HttpResponse:
    return error_response(fmt.lower(), status, message)


def not_found(request, path: str = "") -> HttpResponse:
    return error_response(DEFAULT_FORMAT, 404, _("没有这个 Open311 资源。"))


not_found.request_refusal = _request_refusal


# --- Helpers -------------------------------------------------------------------------------------

def w3c(value: datetime.datetime | None) -> str | None:
    """A W3C datetime in the platform's time zone, with its offset: 2026-12-02T09:00:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value is not None else None


def _param(data, name: str) -> str:
    """An optional argument: a missing, empty or blank value all mean "not given"."""
    return (data.get(name) or "").strip()


def _multi(data, name: str) -> list[str]:
    """Values given comma-separated and/or by repeating the argument, without blanks or repeats."""
    values: list[str] = []
    for raw in data.getlist(name):
        for value in raw.split(","):
            value = value.strip()
            if value and value not in values:
                values.append(value)
    return values


def parse_w3c(value: str, name: str, *, end: bool = False) -> datetime.datetime:
    """A W3C datetime (``2010-01-01T00:00:00Z``, with an offset, or a date); 400 otherwise.

    A datetime without an offset is read in the platform's time zone. A bare date as ``end_date``
    means the end of that day.
    """
    try:
        if _DATE_ONLY.match(value):
            day = datetime.date.fromisoformat(value)
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            return moment + datetime.timedelta(days=1) - datetime.timedelta(microseconds=1) if end else moment
        if len(value) > 40:
            raise ValueError(value)
        moment = datetime.datetime.fromisoformat(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(datetime.timezone.utc)  # out-of-range offsets fail here rather than in the query
        return moment
    except (ValueError, OverflowError):
        raise Open311Error(400, _("%(name)s 不是有效的 W3C 日期时间（如 2010-01-01T00:00:00Z）。") % {"name": name}) \
            from None


def public_categories() -> QuerySet[Category]:
    """The 小类 offered as services: active, not sensitive, in an active 大类."""
    return (Category.objects.active().minor().filter(sensitive=False, parent__active=True)
            .select_related("parent").order_by("parent__sort", "parent__code", "sort", "code"))


def public_cases() -> QuerySet[Case]:
    """Cases that may be shown: filed under a non-sensitive 小类, or, not yet categorised, suggested one."""
    return (Case.objects.filter(Q(category__sensitive=False) |
                                Q(category__isnull=True, suggested_category__sensitive=False))
            .select_related(*REQUEST_RELATED))


def _street_centre(case: Case) -> str:
    """The street command centre over the case's area (the area's own name when it lies above streets)."""
    area = case.area
    while area is not None and area.level not in (Level.STREET, Level.DISTRICT):
        area = area.parent if area.parent_id else None
    name = (area or case.area).name
    return _("%(street)s指挥中心") % {"street": name}


def _agency(case: Case) -> str:
    return case.lead_department.name if case.lead_department_id else _street_centre(case)


def _with_note(label: str, note: str) -> str:
    return f"{label}：{note}" if note else label


def status_notes(case: Case, final_note: str = "") -> str:
    """Our status in words, with who holds the case or why it was closed."""
    label = str(case.get_status_display())
    if case.status in (S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS) and case.lead_department_id:
        return _with_note(label, case.lead_department.name)
    if case.status == S.HANDLING:
        return _("已交%(level)s处置") % {"level": HandlingLevel(case.level).label} if case.level else label
    if case.status == S.FEEDBACK:
        return _with_note(label, _("处置结果已反馈，等待核查"))
    if case.status == S.SUSPENDED:
        return _with_note(label, _("复核日期 %(date)s") % {"date": case.review_date.isoformat()}
                          if case.review_date else "")
    if case.status == S.MERGED:
        return _with_note(label, _("与事件 %(number)s 合并办理") % {"number": case.merged_into.number}
                          if case.merged_into_id else "")
    if case.status in (S.CLOSED, S.REJECTED):
        return _with_note(label, final_note)
    return label


def _final_notes(cases: list[Case]) -> dict[int, str]:
    """The note of the step that closed or rejected each case (one query for the page)."""
    ids = [case.pk for case in cases if case.status in (S.CLOSED, S.REJECTED)]
    notes: dict[int, str] = {}
    if ids:
        events = (CaseEvent.objects.filter(case_id__in=ids, to_status__in=[S.CLOSED, S.REJECTED])
                  .exclude(from_status__in=[S.CLOSED, S.REJECTED]).order_by("at", "pk")
                  .values_list("case_id", "note"))
        for case_id, note in events:
            notes[case_id] = (note or "").strip()  # the last closing step wins
    return notes


def _area_address(case: Case) -> str:
    """The grid, community and street of a case without an address, most specific first."""
    names, area = [], case.area
    while area is not None and area.level != Level.DISTRICT:
        names.append(area.name)
        if area.level == Level.STREET:
            break
        area = area.parent if area.parent_id else None
    return "，".join(names)


def request_fields(case: Case, final_note: str = "") -> dict[str, Any]:
    """One ``request`` element, field by field as the specification's example (never the reporter).

    Every text is published through ``mask_free_text``: an ID or phone number typed into the
    description, the address or a closing note comes out masked (JSON and XML alike).
    """
    category = case.category or case.suggested_category
    closed = case.status in CLOSED_STATUSES
    notice = None
    if case.status == S.REPORTED and case.accept_due is not None:
        notice = _("将于 %(due)s 前受理。") % {"due": timezone.localtime(case.accept_due).strftime("%Y-%m-%d %H:%M")}
    fields = {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": status_notes(case, final_note),
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": case.description or None,
        "agency_responsible": _agency(case),
        "service_notice": notice,
        "requested_datetime": w3c(case.reported_at),
        "updated_datetime": w3c((case.closed_at if closed else None) or case.updated_at),
        "expected_datetime": w3c(case.handle_due),
        "address": case.address or _area_address(case) or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }
    return {name: public_text(value) if isinstance(value, str) and name not in UNMASKED_FIELDS else value
            for name, value in fields.items()}


def public_text(text: str) -> str:
    """Free text as published: ID card and mobile numbers masked (138****5678), the rest unchanged."""
    return mask_free_text(text)


def _requests_document(cases: list[Case]) -> list[dict[str, Any]]:
    notes = _final_notes(cases)
    return [request_fields(case, notes.get(case.pk, "")) for case in cases]


# --- Discovery and services ----------------------------------------------------------------------

def endpoint_url(request) -> str:
    base = reverse("open311:discovery", kwargs={"fmt": "xml"}).removesuffix("discovery.xml")
    return request.build_absolute_uri(base).rstrip("/")


@open311_view("GET")
def discovery(request, fmt: str) -> HttpResponse:
    contact = getattr(settings, "GONGZHI_OPEN311_CONTACT", "") or _(
        "如需帮助，请联系本平台所在区的区级管理员（事件配置）。")
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": str(contact),
        "key_service": _("Open311 密钥（api_key）由区级管理员签发：请向本平台所在区的区级管理员申请。"),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": endpoint_url(request),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


def service_fields(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": str(category),
        "metadata": False,
        "type": "batch",
        "keywords": ", ".join(category.keyword_list()) or None,
        "group": category.parent.name,
    }


@open311_view("GET")
def service_list(request, fmt: str) -> HttpResponse:
    return respond(fmt, "services", [service_fields(category) for category in public_categories()])


_services_seen: tuple[float, dict[str, Category]] = (0.0, {})  # (monotonic deadline, code -> 小类)


def forget_services() -> None:
    """Forget the service list this process remembers (tests; a catalogue edit waits REMEMBER_SECONDS)."""
    global _services_seen
    _services_seen = (0.0, {})


def _public_category(code: str) -> Category | None:
    """The service ``code``: a 小类 that ``public_categories`` lists (read now)."""
    if not code or len(code) > MAX_URL_PART:
        return None
    return public_categories().filter(code=code).first()


def _service_to_post(code: str) -> Category | None:
    """``_public_category`` for POSTs, from the list the process remembers for ``REMEMBER_SECONDS``.

    As the keys are remembered, so a POST reads no catalogue rows; a 小类 switched off meanwhile
    is caught when the submission is filed (it is kept with the reason, and its token says so).
    """
    global _services_seen
    if not code or len(code) > MAX_URL_PART:
        return None
    deadline, by_code = _services_seen
    if deadline <= time.monotonic():
        by_code = {category.code: category for category in public_categories()}
        _services_seen = (time.monotonic() + REMEMBER_SECONDS, by_code)
    return by_code.get(code)


@open311_view("GET")
def service_definition(request, fmt: str, code: str) -> HttpResponse:
    category = _public_category(code)
    if category is None:
        raise Open311Error(404, _("没有这个服务类型（service_code）：%(code)s。") % {"code": code[:MAX_URL_PART]})
    return respond(fmt, "service_definition", {"service_code": category.code, "attributes": []})


# --- Service requests ----------------------------------------------------------------------------

def _window(query, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime | None]:
    """start_date/end_date, at most 90 days apart; the most recent 90 days by default."""
    start_raw, end_raw = _param(query, "start_date"), _param(query, "end_date")
    start = parse_w3c(start_raw, "start_date") if start_raw else None
    end = parse_w3c(end_raw, "end_date", end=True) if end_raw else None
    try:
        if start is not None and end is not None:
            if end < start:
                raise Open311Error(400, _("end_date 不能早于 start_date。"))
            if end - start > WINDOW:
                raise Open311Error(400, _("start_date 与 end_date 的跨度不能超过 90 天。"))
            return start, end
        if start is not None:
            return start, start + WINDOW
        if end is not None:
            return end - WINDOW, end
    except OverflowError:
        raise Open311Error(400, _("日期超出范围。")) from None
    return now - WINDOW, None


def _statuses(query) -> set[str]:
    wanted = {value.lower() for value in _multi(query, "status")}
    unknown = wanted - {"open", "closed"}
    if unknown:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    return wanted


@open311_view("GET", "POST")
def service_requests(request, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, fmt)
    query = request.GET
    ids = _multi(query, "service_request_id")
    cases = public_cases()
    if ids:  # "This overrides all other arguments."
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, _("service_request_id 一次最多 %(n)d 个。") % {"n": MAX_RESULTS})
        cases = cases.filter(number__in=[value for value in ids if len(value) <= 20])
    else:
        start, end = _window(query, timezone.now())
        cases = cases.exclude(status__in=HIDDEN_FROM_LIST).filter(reported_at__gte=start)
        if end is not None:
            cases = cases.filter(reported_at__lte=end)
        codes = [code for code in _multi(query, "service_code") if len(code) <= MAX_URL_PART]
        if _multi(query, "service_code"):
            cases = cases.filter(Q(category__code__in=codes) |
                                 Q(category__isnull=True, suggested_category__code__in=codes))
        statuses = _statuses(query)
        if statuses == {"open"}:
            cases = cases.exclude(status__in=CLOSED_STATUSES)
        elif statuses == {"closed"}:
            cases = cases.filter(status__in=CLOSED_STATUSES)
    page = list(cases.order_by("-reported_at", "-pk")[:MAX_RESULTS])
    return respond(fmt, "service_requests", _requests_document(page))


@open311_view("GET")
def service_request(request, fmt: str, request_id: str) -> HttpResponse:
    case = public_cases().filter(number=request_id).first() if 0 < len(request_id) <= 20 else None
    if case is None:
        raise Open311Error(404, _("没有这个服务请求（service_request_id）：%(id)s。") % {"id": request_id[:MAX_URL_PART]})
    return respond(fmt, "service_requests", _requests_document([case]))


@open311_view("GET")
def token(request, fmt: str, token: str) -> HttpResponse:
    """The ``service_request_id`` once the submission is filed; the token alone while it waits."""
    submission = (Open311Submission.objects.filter(token=token).select_related("case").first()
                  if 0 < len(token) <= 40 else None)
    if submission is None:
        raise Open311Error(404, _("没有这个令牌（token）。"))
    if submission.error:
        raise Open311Error(404, _("该服务请求未能登记为事件：%(reason)s") % {"reason": submission.error})
    if submission.case is None:
        return respond(fmt, "service_requests", [{"token": token}])
    if not public_cases().filter(pk=submission.case_id).exists():
        raise Open311Error(404, _("没有这个令牌（token）。"))
    return respond(fmt, "service_requests", [{"service_request_id": submission.case.number, "token": token}])


def _reporter_name(first: str, last: str) -> str:
    """Family name first and unspaced for Chinese names (王 + 小明), "first last" otherwise."""
    if not first or not last:
        return first or last
    if any("\u3400" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}"


def _media_note(value: str) -> str:
    if len(value) > MEDIA_URL_MAX or not re.match(r"^https?://[^\s<>\"]+$", value, re.IGNORECASE):
        raise Open311Error(400, _("media_url 须为不超过 %(n)d 个字符的 http(s) 链接。") % {"n": MEDIA_URL_MAX})
    return _("附图链接（平台未下载，请核实后查看）：%(url)s") % {"url": value}


def _create_request(request, fmt: str) -> HttpResponse:
    form = request.POST
    key = key_for(form.get("api_key", ""))
    if key is None:
        raise Open311Error(403, _("api_key 缺失、无效或已吊销，无法提交服务请求。"))
    code = _param(form, "service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    category = _service_to_post(code)
    if category is None:
        raise Open311Error(404, _("没有这个服务类型（service_code）：%(code)s。") % {"code": code[:MAX_URL_PART]})
    lat, lon = _param(form, "lat"), _param(form, "long")
    address = _param(form, "address_string")
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat 与 long 须同时提供。"))
    if not lat:
        if address or _param(form, "address_id"):
            raise Open311Error(400, _("请提供问题位置的经纬度（lat 与 long）：本平台按网格受理事件，"
                                      "仅凭地址（address_string 或 address_id）无法确定所属网格。"))
        raise Open311Error(400, _("缺少位置：请提供 lat 与 long。"))
    if len(lat) > COORDINATE_MAX or len(lon) > COORDINATE_MAX:
        raise Open311Error(400, _("经纬度格式不正确。"))
    if len(address) > ADDRESS_MAX:
        raise Open311Error(400, _("address_string 过长（最多 %(n)d 个字）。") % {"n": ADDRESS_MAX})
    name = _reporter_name(_param(form, "first_name"), _param(form, "last_name"))
    if len(name) > NAME_MAX:
        raise Open311Error(400, _("姓名过长（最多 %(n)d 个字）。") % {"n": NAME_MAX})
    phone = _param(form, "phone")
    if len(phone) > PHONE_MAX:
        raise Open311Error(400, _("电话号码过长（最多 %(n)d 个字符）。") % {"n": PHONE_MAX})
    description = (form.get("description") or "").strip()
    media_url = _param(form, "media_url")
    try:
        services._clean_description(description)  # the client's own words must describe the problem
        if media_url:
            description = f"{description}\n\n{_media_note(media_url)}"
        submission = open311_intake.submit(
            key=key, category=category, description=description, lon=lon, lat=lat, address=address,
            reporter_name=name, reporter_phone=phone, request=request)
    except DomainError as error:
        raise Open311Error(400, error.message) from None
    notice = _("已收到，登记为事件后即有事件编号，请凭 token 查询。")
    return respond(fmt, "service_requests", [{"token": submission.token, "service_notice": notice,
                                              "account_id": None}])
