"""Exporting persons to Excel (人员导出): scoped to the user, masked by default, run in the background.

``start_person_export`` checks and records the request and queues a job; the job's runner
(``export_jobs.run_person_export``) checks again — roles may have changed in between — and
streams the workbook: openpyxl's write-only mode and a chunked queryset iterator keep memory flat
for 100,000 rows.

Filters are the person list's query string, parsed by the list's own ``PersonFilterForm``. An
invalid filter is an error here, not silently ignored as on the list page: ignoring an area that
is out of scope would widen the export. A search text that is a full ID number or phone is
resolved to the matching persons when the export starts, so that neither the job's parameters
nor the audit log hold it in plain text.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core.spreadsheets import date_cell, info_sheet, new_workbook, table_sheet, text_cell
from gongzhi.jobs import services as jobs
from gongzhi.jobs.models import Job
from gongzhi.privacy.masking import mask_id_number, mask_phone
from gongzhi.privacy.services import masked_value

from . import selectors, validators
from .forms import PersonFilterForm
from .models import Person

EXPORT_KIND = "registry.export_persons"
STAGE = "write"
MIN_REASON_LENGTH = 5
CHUNK_SIZE = 2000  # rows fetched (and tags prefetched) per query; progress is reported per chunk



def headers() -> list[str]:
    return [
        _("姓名"), _("性别"), _("出生日期"), _("年龄"), _("民族"), _("身份证号码"), _("联系电话"), _("户籍类别"),
        _("居住状态"), _("政治面貌"), _("文化程度"), _("就业状况"), _("房屋地址"), _("户号"), _("与户主关系"),
        _("所属网格"), _("所属社区"), _("特殊人群标签"),
    ]


COLUMN_WIDTHS = [12, 6, 12, 6, 8, 22, 16, 12, 12, 12, 12, 12, 40, 12, 12, 24, 18, 30]


# --- What an export covers -------------------------------------------------------------------


def _identifier_search(q: str) -> str | None:
    """The masked form of ``q`` when it is a full ID number or phone, else ``None``."""
    text = unicodedata.normalize("NFKC", q or "").strip()
    compact = validators.normalise(text)
    if selectors.FULL_ID.fullmatch(compact):
        return mask_id_number(compact)
    if selectors.PHONE_LIKE.fullmatch(text):
        return mask_phone(text)
    return None


def _choice_label(field, value: str) -> str:
    for code, label in getattr(field, "choices", ()):
        if str(code) == str(value):
            return str(label).strip("\u3000 ")
    return str(value)


@dataclass
class Selection:
    """The persons one export covers: validated filters, the areas they span, the query."""

    actor: Any
    form: PersonFilterForm
    filters: dict[str, str]  # the query-string values to store (a full identifier search removed)
    person_ids: list[int] | None  # set when the search was a full identifier, resolved at the start
    query_display: str  # the search text as shown and audited (masked when an identifier)
    areas: list[Area]

    def persons(self) -> QuerySet[Person]:
        args = self.form.selector_arguments()
        if self.person_ids is not None:
            args["q"] = ""
        qs = selectors.persons_for(self.actor, **args)
        if self.person_ids is not None:
            qs = qs.filter(pk__in=self.person_ids)
        return qs.select_related("area__parent", "household")

    def audit_filters(self) -> dict[str, str]:
        shown = dict(self.filters)
        if self.query_display:
            shown["q"] = self.query_display
        return shown

    def summary(self) -> list[tuple[str, str]]:
        """The filters in words, for the page and the workbook (``[]`` when there are none)."""
        rows = []
        for name, field in self.form.fields.items():
            if name == "order":
                continue
            if name == "q":
                value = self.query_display
            else:
                value = self.filters.get(name, "")
                if value:
                    value = _choice_label(field, value)
            if value:
                rows.append((str(field.label), value))
        return rows

    def area_label(self) -> str:
        if not self.areas:
            return _("无")
        if len(self.areas) == 1:
            return self.areas[0].name
        return _("%(name)s等%(count)d个区域") % {"name": self.areas[0].name, "count": len(self.areas)}

    def job_area(self) -> Area | None:
        return self.areas[0] if len(self.areas) == 1 else None


def covered_areas(actor, area_code: str | None) -> list[Area]:
    """The roots of what an export covers: the filtered area, or every area where the user holds
    ``registry.view`` (the export then spans the user's whole registry scope)."""
    if area_code:
        return list(Area.objects.filter(code=area_code))
    return list(Area.objects.filter(path__in=perm_paths(actor, Perm.REGISTRY_VIEW)).order_by("path"))


def may_unmask(actor, areas: list[Area]) -> bool:
    """Plain-text export needs ``personal.unmask`` in every area the export covers."""
    return bool(areas) and all(has_perm(actor, Perm.PERSONAL_UNMASK, area) for area in areas)


def _form_errors(form: PersonFilterForm) -> list[str]:
    messages = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        messages.extend(f"{label}：{error}" if label else str(error) for error in errors)
    return messages


def select(actor, data: Mapping[str, Any], *, person_ids: list[int] | None = None,
           query_display: str = "") -> Selection:
    """Parse the list's filters for ``actor``; ``ValidationError`` when one is invalid.

    ``person_ids``/``query_display`` come from a stored export (a full identifier search
    already resolved); otherwise such a search is resolved here.
    """
    if not has_perm(actor, Perm.REGISTRY_VIEW):
        raise PermissionDenied(_("您没有查看人口档案的权限。"))
    filters = {name: str(data.get(name) or "").strip() for name in PersonFilterForm.base_fields}
    filters = {name: value for name, value in filters.items() if value}
    form = PersonFilterForm(filters, user=actor)
    if not form.is_valid():
        raise ValidationError(_form_errors(form), code="invalid_filter")
    query = filters.get("q", "")
    if person_ids is None and query:
        masked = _identifier_search(query)
        if masked is not None:
            matches = selectors.persons_for(actor, q=query).order_by()
            person_ids = list(matches.values_list("pk", flat=True)[:1000])
            query_display = masked
            filters.pop("q")
            form = PersonFilterForm(filters, user=actor)
            form.is_valid()
    if person_ids is None:
        query_display = query
    return Selection(actor=actor, form=form, filters=filters, person_ids=person_ids, query_display=query_display,
                     areas=covered_areas(actor, filters.get("area")))


# --- Starting an export ----------------------------------------------------------------------


def start_person_export(*, actor, filters: Mapping[str, Any], unmask: bool = False, reason: str = "",
                        request=None) -> Job:
    """Queue an export of the persons ``actor`` may see that match ``filters`` (the list's query string).

    Masked unless ``unmask``: then ``personal.unmask`` is needed in every area the export covers
    (``PermissionDenied``, the refusal is audited) and a reason of at least ``MIN_REASON_LENGTH``
    characters (``ValidationError``). Invalid filters raise ``ValidationError``. The start is
    audited (``registry.export_persons``: filters, masked or not, reason, estimated rows).
    """
    selection = select(actor, filters)
    from .searching import guard_id_search

    guard_id_search(actor, str(filters.get("q", "") or ""), request=request)  # rebuilding by trial stays bounded
    reason = (reason or "").strip()
    if unmask:
        if not may_unmask(actor, selection.areas):
            record(actor=actor, action=EXPORT_KIND, object_type="registry.person", success=False, reason=reason,
                   after={"filters": selection.audit_filters(), "masked": False, "refused": "personal.unmask"},
                   request=request)
            raise PermissionDenied(_("您没有在导出范围内查看未脱敏个人信息的权限，只能脱敏导出。"))
        if len(reason) < MIN_REASON_LENGTH:
            raise ValidationError(_("导出明文须填写理由（至少 %(n)d 个字）。") % {"n": MIN_REASON_LENGTH},
                                  code="reason_required")
    else:
        reason = ""
    estimate = selection.persons().count()
    params: dict[str, Any] = {"filters": selection.filters, "unmask": bool(unmask), "reason": reason}
    if selection.person_ids is not None:
        params.update(person_ids=selection.person_ids, query_display=selection.query_display)
    with transaction.atomic():
        job = jobs.start(kind=EXPORT_KIND, actor=actor, area=selection.job_area(), params=params)
        record(actor=actor, action=EXPORT_KIND, obj=job, reason=reason, request=request,
               after={"filters": selection.audit_filters(), "masked": not unmask, "estimate": estimate,
                      "areas": [area.code for area in selection.areas]})
    return job


def file_name(selection: Selection, at: datetime.datetime) -> str:
    return f"{_('人员导出')}-{selection.area_label()}-{at:%Y%m%d-%H%M}.xlsx"


# --- The workbook ----------------------------------------------------------------------------


def _grid_and_community(area: Area) -> tuple[str, str]:
    if area.level == Level.GRID:
        return area.name, area.parent.name if area.parent_id else ""
    if area.level == Level.COMMUNITY:
        return "", area.name
    return "", ""


def person_row(ws, person: Person, *, today: datetime.date, unmask: bool) -> list:
    # Masked as the fields declare (privacy.sensitive), like every screen and the audit log.
    id_number = person.id_number if unmask else masked_value(person, "id_number")
    phone = person.phone if unmask else masked_value(person, "phone")
    address = person.house.address if person.house_id else person.address_text
    grid, community = _grid_and_community(person.area)
    return [
        text_cell(ws, person.real_name),
        person.get_gender_display(),
        # Masked: the birth date would give back the masked middle of the ID number (the age stays).
        date_cell(ws, person.birth_date) if unmask else text_cell(ws, masked_value(person, "birth_date")),
        person.age_on(today),
        person.get_ethnicity_display(),
        text_cell(ws, id_number),
        text_cell(ws, phone),
        person.get_registration_display(),
        person.get_residence_status_display(),
        person.get_political_status_display(),
        person.get_education_display(),
        person.get_employment_display(),
        text_cell(ws, address),
        text_cell(ws, person.household.number if person.household_id else ""),
        person.get_relation_to_head_display(),
        text_cell(ws, grid),
        text_cell(ws, community),
        text_cell(ws, "、".join(tag.group.name for tag in person.tags.all())),
    ]


def write_workbook(out: IO[bytes], persons: Iterable[Person], *, meta: list[tuple[str, Any]], unmask: bool,
                   on_progress: Callable[[int], None] | None = None, every: int = CHUNK_SIZE) -> int:
    """Write ``persons`` as .xlsx to ``out`` (sheet 人员, then 导出说明 with ``meta``); return the row count.

    ``on_progress(rows written)`` is called every ``every`` rows and at the end.
    """
    wb = new_workbook(write_only=True)
    today = timezone.localdate()
    count = table_sheet(wb, title=_("人员"), headers=headers(), widths=COLUMN_WIDTHS, items=persons,
                        row=lambda ws, person: person_row(ws, person, today=today, unmask=unmask),
                        empty=_("（没有符合条件的人员）"), on_progress=on_progress, every=every)
    info_sheet(wb, [*meta, (_("导出人数"), count)], title=_("导出说明"), headers=[_("项目"), _("内容")])
    wb.save(out)
    return count


def metadata(*, actor, at: datetime.datetime, selection: Selection, unmask: bool,
             reason: str) -> list[tuple[str, Any]]:
    """The 导出说明 sheet: who, when, what, masked or not, and why."""
    name = getattr(actor, "real_name", "") or ""
    rows: list[tuple[str, Any]] = [
        (_("导出人"), f"{name}（{actor.username}）" if name else actor.username),
        (_("导出时间"), at.replace(tzinfo=None, microsecond=0)),
        (_("范围"), "、".join(area.name for area in selection.areas) or _("无")),
    ]
    conditions = selection.summary()
    rows.append((_("筛选条件"), "；".join(f"{label}：{value}" for label, value in conditions) or _("无（范围内全部人员）")))
    rows.append((_("是否脱敏"), _("否（明文导出，已记入审计日志）") if unmask else _("是（身份证号码、出生日期、联系电话已脱敏）")))
    rows.append((_("理由"), reason or "—"))
    return rows
