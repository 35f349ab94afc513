"""Writes to the community records: every change goes through one of these functions.

Each service takes the acting user, checks ``registry.edit`` inside the record's area (and in the
new area when a record moves), validates the model (``full_clean``), writes inside a transaction
and records an audit entry with the changed fields before and after.

Change history: a person's history of edits is the audit log itself (``registry.person.*``
entries for that person, read by ``selectors.person_history``), not a separate table. The audit
entry already carries who, when, and the before/after of every changed field, and it is
tamper-evident (hash chain) — a second history table would duplicate it and could disagree with
it. ID numbers and phone numbers are stored there masked, never in clear.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area
from gongzhi.audit.services import diff, record
from gongzhi.notices.services import send_notice
from gongzhi.privacy.fields import blind_lookup
from gongzhi.privacy.masking import mask_birth_date, mask_id_number, mask_name, mask_phone

from .choices import MoveKind, RelationToHead
from .selectors import in_perm_scope, visible_records
from . import validators
from .models import (
    AreaBoundModel,
    Estate,
    Facility,
    House,
    Household,
    MoveInRequest,
    MoveInStatus,
    Organisation,
    Person,
    PersonMove,
    PersonTag,
    SpecialGroup,
    Vehicle,
)

M = TypeVar("M", bound=models.Model)

PERSON_FIELDS = (
    "area", "real_name", "gender", "birth_date", "id_number", "phone", "ethnicity", "registration",
    "residence_status", "political_status", "education", "employment", "house", "household",
    "relation_to_head", "address_text",
)
HOUSE_FIELDS = ("area", "building", "unit", "room", "address", "floor_area", "use", "owner", "tenant", "lease_start",
                "lease_end", "last_rental_check")
HOUSEHOLD_FIELDS = ("area", "number", "house")
ORGANISATION_FIELDS = ("area", "kind", "name", "uscc", "contact", "phone", "address")
ESTATE_FIELDS = ("area", "name", "kind", "address", "property_company", "owners_committee", "management_mode")
FACILITY_FIELDS = ("area", "category", "name", "address", "lon", "lat")
VEHICLE_FIELDS = ("area", "plate", "kind", "owner")

# Values that never enter the audit log in clear.
SENSITIVE = {"id_number": mask_id_number, "phone": mask_phone}


# --- Shared steps ----------------------------------------------------------------------------


def _require_edit(actor, area: Area) -> None:
    """``registry.edit`` inside ``area``, granted by a role assigned there; else refused."""
    if area is None or not in_perm_scope(actor, Perm.REGISTRY_EDIT, area):
        raise PermissionDenied


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited form of ``obj``: foreign keys as ids, sensitive values masked."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if name in SENSITIVE and obj._meta.model is Person:
            value = SENSITIVE[name](value)
        elif isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        values[name] = value
    return values


def _check_references(actor, obj: models.Model, fields: Iterable[str]) -> None:
    """Linked records (house, household, owner…) must be ones the actor may see."""
    errors = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if not field.is_relation or name == "area":
            continue
        target = getattr(obj, name)
        if target is None or not isinstance(target, AreaBoundModel):
            continue
        if not visible_records(type(target), actor).filter(pk=target.pk).exists():
            errors[name] = ValidationError(_("所选记录不存在，或不在您的管辖范围内。"), code="out_of_scope")
    if errors:
        raise ValidationError(errors)


def _apply(obj: M, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no editable field(s) {sorted(unknown)}")
    for name, value in changes.items():
        setattr(obj, name, value)


def _create(*, actor, model: type[M], fields: tuple[str, ...], data: dict[str, Any], action: str,
            request=None, after_clean=None) -> M:
    obj = model()
    _apply(obj, data, fields)
    _require_edit(actor, getattr(obj, "area", None) if obj.area_id else None)
    _check_references(actor, obj, data)
    obj.full_clean()
    if after_clean is not None:
        after_clean(obj)
    with transaction.atomic():
        obj.save()
        record(actor=actor, action=action, obj=obj, after=snapshot(obj, fields), request=request)
    return obj


def _update(*, actor, obj: M, fields: tuple[str, ...], changes: dict[str, Any], action: str,
            request=None, after_clean=None) -> M:
    _require_edit(actor, obj.area)
    before = snapshot(obj, fields)
    _apply(obj, changes, fields)
    if "area" in changes:
        _require_edit(actor, obj.area)
    _check_references(actor, obj, changes)
    obj.full_clean()
    if after_clean is not None:
        after_clean(obj)
    old, new = diff(before, snapshot(obj, fields))
    if not old and not new:
        return obj
    with transaction.atomic():
        obj.save()
        record(actor=actor, action=action, obj=obj, before=old, after=new, request=request)
    return obj


ID_ELSEWHERE_ACTION = "registry.person.id_elsewhere"
ID_ELSEWHERE_WINDOW = datetime.timedelta(hours=24)
NOT_REGISTRABLE = "id_not_registrable"


def _id_elsewhere_hits(actor, action: str = ID_ELSEWHERE_ACTION) -> int:
    from gongzhi.audit.models import AuditEntry

    since = timezone.now() - ID_ELSEWHERE_WINDOW
    return AuditEntry.objects.filter(actor=actor, action=action, at__gte=since).count()


def _daily_limit() -> int:
    return getattr(settings, "GONGZHI_ID_ELSEWHERE_LIMIT", 5)


def not_registrable() -> ValidationError:
    """The one refusal for an ID number that cannot be registered here for scope reasons.

    Whether the number is held outside the actor's scope or the actor's daily allowance of such
    refusals is spent, the answer is the same words and code; the way forward is a move-in request.
    """
    return ValidationError({"id_number": ValidationError(
        _("该身份证号码不能在此登记；如该居民从其他社区迁入，请提交迁入申请"), code=NOT_REGISTRABLE)})


def offers_move_in_request(error: ValidationError) -> bool:
    """Whether a refusal is the neutral one that a move-in request answers (the form offers it)."""
    return any(e.code == NOT_REGISTRABLE for e in getattr(error, "error_dict", {}).get("id_number", []))


def _unique_id_number(person: Person, *, actor, request=None) -> None:
    """Refuse an ID number another person already holds (runs after ``full_clean`` normalised it).

    A number held in the actor's own scope is answered plainly (they can see that person). A
    number held outside it gets the neutral refusal of ``not_registrable``, recorded
    (``registry.person.id_elsewhere``); past ``GONGZHI_ID_ELSEWHERE_LIMIT`` such refusals a day,
    every ID number the actor enters is refused the same way until the day has passed, so the
    limit cannot be probed around. Where the person is is never said: that is for the holding
    community to act on through a move-in request (``submit_move_in_request``).
    """
    if not person.id_number:
        return
    if _id_elsewhere_hits(actor) >= _daily_limit():
        raise not_registrable()
    holder = Person.objects.with_id_number(person.id_number).exclude(pk=person.pk).first()
    if holder is None:
        return
    if visible_records(Person, actor).filter(pk=holder.pk).exists():
        raise ValidationError({"id_number": ValidationError(_("该身份证号码已登记在其他人员名下。"),
                                                            code="duplicate_id_number")})
    record(actor=actor, action=ID_ELSEWHERE_ACTION, object_type="registry.person", object_id=str(holder.pk),
           object_repr=mask_name(holder.real_name), success=False, request=request,
           after={"id_number": mask_id_number(person.id_number), "area": person.area.code if person.area_id else ""})
    raise not_registrable()


# --- Persons ---------------------------------------------------------------------------------


def create_person(*, actor, area: Area, real_name: str, request=None, **fields: Any) -> Person:
    """Register a resident in ``area`` (which must be in the actor's scope) and audit it."""
    return _create(actor=actor, model=Person, fields=PERSON_FIELDS,
                   data={"area": area, "real_name": real_name, **fields}, action="registry.person.create",
                   request=request, after_clean=lambda p: _unique_id_number(p, actor=actor, request=request))


def update_person(*, actor, person: Person, request=None, **changes: Any) -> Person:
    """Change a person's fields; every changed field is kept (masked where sensitive) in the audit log.

    The birth date of a person with an ID number follows the number: it is refused on its own
    (whatever its value, so that the answer says nothing about the stored date, which is the
    masked middle of the ID number) and may be given together with a new ID number.
    """
    if "birth_date" in changes and "id_number" not in changes and person.id_number:
        raise ValidationError({"birth_date": ValidationError(
            _("已登记身份证号码的人员，出生日期以身份证号码为准；请同时填写身份证号码。"), code="birth_date_follows_id")})
    return _update(actor=actor, obj=person, fields=PERSON_FIELDS, changes=changes,
                   action="registry.person.update", request=request,
                   after_clean=(lambda p: _unique_id_number(p, actor=actor, request=request))
                   if "id_number" in changes else None)


def record_move(*, actor, person: Person, kind: str, date: datetime.date, place: str = "", note: str = "",
                request=None) -> PersonMove:
    """Record a move in or out, a birth or a death.

    The move keeps the person's house. A death marks the person deceased. A move out marks them
    moved out and takes them off their house and household (a head leaves the household without
    one); a move in or birth clears the mark. The person's record stays in its area.
    """
    _require_edit(actor, person.area)
    return _write_move(actor=actor, person=person, kind=kind, date=date, place=place, note=note, request=request)


def _write_move(*, actor, person: Person, kind: str, date: datetime.date, place: str = "", note: str = "",
                request=None) -> PersonMove:
    """``record_move`` once permission is settled (a decided move-in request settles it itself)."""
    move = PersonMove(person=person, kind=kind, date=date, place=place, note=note, recorded_by=actor,
                      house_id=person.house_id)
    move.full_clean()
    with transaction.atomic():
        move.save()
        # A birth (or a move in on the day of birth) dates the birth: kept masked like the birth date.
        shown_date = (mask_birth_date(move.date) if kind == MoveKind.BIRTH or move.date == person.birth_date
                      else move.date)
        after = {"kind": kind, "date": shown_date, "place": place, "note": note}
        if kind == MoveKind.DEATH and not person.deceased:
            person.deceased = True
            person.save(update_fields=["deceased", "updated_at"])
            after["deceased"] = True
        elif kind == MoveKind.MOVE_OUT:
            after.update(_leave_home(actor=actor, person=person, request=request))
        elif kind in (MoveKind.MOVE_IN, MoveKind.BIRTH) and person.moved_out:
            person.moved_out = False
            person.save(update_fields=["moved_out", "updated_at"])
            after["moved_out"] = False
        record(actor=actor, action="registry.person.move", obj=person, after=after, request=request)
    return move


def _leave_home(*, actor, person: Person, request=None) -> dict[str, Any]:
    """A move out: off the house and the household (its head cleared when it was them); returns
    what changed, for the person's audit entry."""
    changed: dict[str, Any] = {"moved_out": True}
    if person.house_id is not None:
        changed["house"] = None  # the move itself keeps the house, for the house's page
    if person.household_id is not None:
        household = person.household
        if household.head_id == person.pk:
            _clear_head(actor=actor, household=household, request=request)
        changed["household"] = None
    person.moved_out, person.house, person.household, person.relation_to_head = True, None, None, ""
    person.save(update_fields=["moved_out", "house", "household", "relation_to_head", "updated_at"])
    return changed


def _clear_head(*, actor, household: Household, request=None) -> None:
    record(actor=actor, action="registry.household.head", obj=household, before={"head": household.head_id},
           after={"head": None}, request=request)
    household.head = None
    household.save(update_fields=["head", "updated_at"])


def tag_person(*, actor, person: Person, group: SpecialGroup, attributes: dict | None = None,
               since: datetime.date | None = None, note: str = "", request=None) -> PersonTag:
    """Put a person in a special group (or update the attributes of their existing tag)."""
    _require_edit(actor, person.area)
    tag = PersonTag.objects.filter(person=person, group=group).first()
    before = {"attributes": tag.attributes, "since": tag.since, "note": tag.note} if tag else None
    tag = tag or PersonTag(person=person, group=group)
    tag.attributes, tag.since, tag.note = attributes or {}, since, note
    tag.full_clean()
    with transaction.atomic():
        tag.save()
        record(actor=actor, action="registry.person.tag", obj=person, object_repr=f"{person}：{group}",
               before=before, after={"group": group.code, "attributes": tag.attributes, "since": tag.since,
                                     "note": note}, request=request)
    return tag


def untag_person(*, actor, person: Person, group: SpecialGroup, request=None) -> bool:
    """Take a person out of a special group; ``False`` when they were not in it."""
    _require_edit(actor, person.area)
    tag = PersonTag.objects.filter(person=person, group=group).first()
    if tag is None:
        return False
    with transaction.atomic():
        tag.delete()
        record(actor=actor, action="registry.person.untag", obj=person, object_repr=f"{person}：{group}",
               before={"group": group.code, "attributes": tag.attributes}, request=request)
    return True


# --- Houses and households -------------------------------------------------------------------


def create_house(*, actor, area: Area, address: str, request=None, **fields: Any) -> House:
    """Register a house (房屋) in ``area``."""
    return _create(actor=actor, model=House, fields=HOUSE_FIELDS, data={"area": area, "address": address, **fields},
                   action="registry.house.create", request=request)


def update_house(*, actor, house: House, request=None, **changes: Any) -> House:
    """Change a house's fields (use, owner, tenant, last rental check…), audited."""
    return _update(actor=actor, obj=house, fields=HOUSE_FIELDS, changes=changes, action="registry.house.update",
                   request=request)


def create_household(*, actor, area: Area, number: str = "", house: House | None = None,
                     head: Person | None = None, request=None) -> Household:
    """Register a household (户), optionally with its head (who becomes a member)."""
    with transaction.atomic():
        household = _create(actor=actor, model=Household, fields=HOUSEHOLD_FIELDS,
                            data={"area": area, "number": number, "house": house},
                            action="registry.household.create", request=request)
        if head is not None:
            set_household_head(actor=actor, household=household, person=head, request=request)
    return household


def set_household_head(*, actor, household: Household, person: Person, request=None) -> Household:
    """Make ``person`` the head of ``household``, joining them to it when needed.

    A household has one head and a person heads at most one household: the previous head stays a
    member with the relation left open (to be entered), and a household the person headed before
    is left without a head. Every change is audited.
    """
    _require_edit(actor, household.area)
    with transaction.atomic():
        previous = Household.objects.filter(head=person).exclude(pk=household.pk).first()
        if previous is not None:
            _clear_head(actor=actor, household=previous, request=request)
        if household.head_id is not None and household.head_id != person.pk:
            former = household.head
            if former.household_id == household.pk and former.relation_to_head == RelationToHead.HEAD:
                update_person(actor=actor, person=former, relation_to_head="", request=request)
        if person.household_id != household.pk or person.relation_to_head != RelationToHead.HEAD:
            update_person(actor=actor, person=person, household=household, relation_to_head=RelationToHead.HEAD,
                          request=request)
        before = {"head": household.head_id}
        household.head = person
        household.full_clean()
        household.save(update_fields=["head", "updated_at"])
        record(actor=actor, action="registry.household.head", obj=household, before=before,
               after={"head": person.pk}, request=request)
    return household


# --- Estates ------------------------------------------------------------------------------------


def create_estate(*, actor, area: Area, name: str, request=None, **fields: Any) -> Estate:
    """Register an estate (小区/院落) with its property company, 业委会 and management mode."""
    return _create(actor=actor, model=Estate, fields=ESTATE_FIELDS, data={"area": area, "name": name, **fields},
                   action="registry.estate.create", request=request)


def update_estate(*, actor, estate: Estate, request=None, **changes: Any) -> Estate:
    """Change an estate's fields, audited. The property company and the 业委会 must be organisations
    of their kind the actor may see; the 业委会 one of the estate's own community (``Estate.clean``)."""
    return _update(actor=actor, obj=estate, fields=ESTATE_FIELDS, changes=changes, action="registry.estate.update",
                   request=request)


# --- Organisations, facilities, vehicles -----------------------------------------------------


def create_organisation(*, actor, area: Area, kind: str, name: str, request=None, **fields: Any) -> Organisation:
    """Register an organisation (驻区单位, 商户, 社会组织…); the USCC is checked when given."""
    return _create(actor=actor, model=Organisation, fields=ORGANISATION_FIELDS,
                   data={"area": area, "kind": kind, "name": name, **fields}, action="registry.organisation.create",
                   request=request)


def update_organisation(*, actor, organisation: Organisation, request=None, **changes: Any) -> Organisation:
    """Change an organisation's fields, audited."""
    return _update(actor=actor, obj=organisation, fields=ORGANISATION_FIELDS, changes=changes,
                   action="registry.organisation.update", request=request)


def create_facility(*, actor, area: Area, category: str, name: str, request=None, **fields: Any) -> Facility:
    """Register a public-service facility with its location."""
    return _create(actor=actor, model=Facility, fields=FACILITY_FIELDS,
                   data={"area": area, "category": category, "name": name, **fields},
                   action="registry.facility.create", request=request)


def update_facility(*, actor, facility: Facility, request=None, **changes: Any) -> Facility:
    """Change a facility's fields, audited."""
    return _update(actor=actor, obj=facility, fields=FACILITY_FIELDS, changes=changes,
                   action="registry.facility.update", request=request)


def create_vehicle(*, actor, area: Area, plate: str, request=None, **fields: Any) -> Vehicle:
    """Register a vehicle; the plate format is checked."""
    return _create(actor=actor, model=Vehicle, fields=VEHICLE_FIELDS, data={"area": area, "plate": plate, **fields},
                   action="registry.vehicle.create", request=request)


def update_vehicle(*, actor, vehicle: Vehicle, request=None, **changes: Any) -> Vehicle:
    """Change a vehicle's fields, audited."""
    return _update(actor=actor, obj=vehicle, fields=VEHICLE_FIELDS, changes=changes,
                   action="registry.vehicle.update", request=request)


# --- Move-in requests (迁入申请) ----------------------------------------------------------------

MOVE_IN_SUBMIT_ACTION = "registry.move_in.submit"
MOVE_IN_REASON_MIN_LENGTH = 10


def submit_move_in_request(*, actor, area: Area, id_number: str, real_name: str, reason: str,
                           request=None) -> MoveInRequest | None:
    """Ask the community holding ``id_number`` to move that person to ``area`` (the actor's).

    The deliberate step in place of a free "registered elsewhere" answer: every submission is
    audited (``registry.move_in.submit``) and counted against ``GONGZHI_ID_ELSEWHERE_LIMIT`` a day
    for the actor. The holding area and person are resolved here from the blind index and kept on
    the request for the holder's staff; the requester is told only that the request was filed.
    ``None`` means no one holds the number, so no request is needed: the person can simply be
    registered (an answer the registration itself would give by succeeding).
    """
    _require_edit(actor, area)
    errors: dict[str, ValidationError] = {}
    real_name, reason = (real_name or "").strip(), (reason or "").strip()
    try:
        id_number = validators.clean_id_number(id_number or "")
    except ValidationError as error:
        errors["id_number"] = error
    if not real_name:
        errors["real_name"] = ValidationError(_("请填写姓名。"), code="required")
    if len(reason) < MOVE_IN_REASON_MIN_LENGTH:
        errors["reason"] = ValidationError(_("请写明迁入事由（至少 %(n)d 个字）。") % {"n": MOVE_IN_REASON_MIN_LENGTH},
                                           code="reason_too_short")
    if errors:
        raise ValidationError(errors)
    limit = _daily_limit()
    if _id_elsewhere_hits(actor, MOVE_IN_SUBMIT_ACTION) >= limit:
        raise ValidationError({"id_number": ValidationError(
            _("今日提交的迁入申请已达 %(n)d 次上限，请明天再提交。") % {"n": limit}, code="move_in_limit")})
    holder = Person.objects.with_id_number(id_number).select_related("area").first()
    audited = {"id_number": mask_id_number(id_number), "area": area.code}
    if holder is None:
        record(actor=actor, action=MOVE_IN_SUBMIT_ACTION, object_type="registry.moveinrequest", object_id="",
               object_repr=mask_name(real_name), after={**audited, "outcome": "not_held"}, request=request)
        return None
    if visible_records(Person, actor).filter(pk=holder.pk).exists():
        raise ValidationError({"id_number": ValidationError(_("该身份证号码已登记在其他人员名下。"),
                                                            code="duplicate_id_number")})
    already = ValidationError({"id_number": ValidationError(_("该身份证号码已有待处理的迁入申请，请勿重复提交。"),
                                                            code="move_in_pending")})
    if MoveInRequest.objects.filter(blind_lookup(MoveInRequest, "id_index", id_number), requesting_area=area,
                                    status=MoveInStatus.PENDING).exists():
        raise already
    move_in = MoveInRequest(id_number=id_number, real_name=real_name, reason=reason, requesting_area=area,
                            holding_area=holder.area, person=holder, requested_by=actor)
    with transaction.atomic():
        try:
            with transaction.atomic():
                move_in.save()
        except IntegrityError:  # the same request filed at the same moment (one pending per number and area)
            raise already from None
        record(actor=actor, action=MOVE_IN_SUBMIT_ACTION, obj=move_in, object_repr=mask_name(real_name),
               after={**audited, "outcome": "filed", "holding_area": holder.area.code, "person": holder.pk},
               request=request)
        _tell_holding_staff(move_in)
    return move_in


def _tell_holding_staff(move_in: MoveInRequest) -> None:
    """A notice to everyone who may decide the request: the holders of ``registry.edit`` in the
    holding area or above it (its grid worker, community staff). The name is masked: the notice
    may be delivered outside the platform."""
    from gongzhi.accounts.roles import MATRIX
    from gongzhi.accounts.selectors import staff_over

    deciders = staff_over(move_in.holding_area, [role for role, perms in MATRIX.items() if Perm.REGISTRY_EDIT in perms])
    send_notice(recipients=[user for user in deciders if user.pk != move_in.requested_by_id], kind="move_in",
                title=_("迁入申请待处理：%(name)s") % {"name": mask_name(move_in.real_name)},
                body=_("%(area)s 申请将该居民迁入，请核实后同意或不同意。") % {"area": move_in.requesting_area.name},
                link=reverse("registry:move_in_list"))


def _decide(*, actor, move_in: MoveInRequest, status: str, note: str, request=None) -> None:
    move_in.status, move_in.decided_by, move_in.decided_at = status, actor, timezone.now()
    move_in.decision_note = note
    move_in.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(actor=actor, action=f"registry.move_in.{status}", obj=move_in, object_repr=mask_name(move_in.real_name),
           before={"status": MoveInStatus.PENDING}, after={"status": status, "note": note}, request=request)


def _locked_pending(move_in: MoveInRequest) -> MoveInRequest:
    locked = MoveInRequest.objects.select_for_update(of=("self",)).select_related("person__area", "requesting_area",
                                                                      "holding_area").get(pk=move_in.pk)
    if locked.status != MoveInStatus.PENDING:
        raise ValidationError(_("该迁入申请已处理，不能再次处理。"), code="not_pending")
    return locked


def _notify_requester(move_in: MoveInRequest) -> None:
    if move_in.requested_by_id is None:
        return
    from django.urls import reverse

    words = {"name": move_in.real_name, "status": move_in.get_status_display()}
    body = move_in.decision_note
    send_notice(recipients=[move_in.requested_by], title=_("迁入申请（%(name)s）：%(status)s") % words,
                body=body, link=reverse("registry:move_in_list"), kind="registry")


def accept_move_in_request(*, actor, move_in: MoveInRequest, note: str = "", request=None) -> MoveInRequest:
    """The holding community agrees: the person moves to the requesting area.

    Recorded as a move out of the holding area (off their house and household there) and a move
    in to the requesting area, both in the person's history; the requester is notified.
    """
    _require_edit(actor, move_in.holding_area)
    with transaction.atomic():
        move_in = _locked_pending(move_in)
        person = move_in.person
        if person is None:
            raise ValidationError(_("该人员记录已不存在，只能不同意此申请。"), code="person_gone")
        _require_edit(actor, person.area)
        source, target, today = person.area, move_in.requesting_area, timezone.localdate()
        record_move(actor=actor, person=person, kind=MoveKind.MOVE_OUT, date=today, place=target.name,
                    note=_("迁入申请同意迁出"), request=request)
        person.area = target
        person.save(update_fields=["area", "updated_at"])
        record(actor=actor, action="registry.person.update", obj=person, before={"area": source.pk},
               after={"area": target.pk}, request=request)
        _write_move(actor=actor, person=person, kind=MoveKind.MOVE_IN, date=today, place=source.name,
                    note=_("迁入申请同意迁入"), request=request)
        _decide(actor=actor, move_in=move_in, status=MoveInStatus.ACCEPTED, note=note.strip(), request=request)
        _notify_requester(move_in)
    return move_in


def decline_move_in_request(*, actor, move_in: MoveInRequest, note: str, request=None) -> MoveInRequest:
    """The holding community refuses, saying why; the requester is notified."""
    _require_edit(actor, move_in.holding_area)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ValidationError(_("请填写不同意的理由。"), code="required")})
    with transaction.atomic():
        move_in = _locked_pending(move_in)
        _decide(actor=actor, move_in=move_in, status=MoveInStatus.DECLINED, note=note, request=request)
        _notify_requester(move_in)
    return move_in


def withdraw_move_in_request(*, actor, move_in: MoveInRequest, request=None) -> MoveInRequest:
    """The requester takes back a pending request of their own."""
    if move_in.requested_by_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        move_in = _locked_pending(move_in)
        _decide(actor=actor, move_in=move_in, status=MoveInStatus.WITHDRAWN, note="", request=request)
    return move_in
