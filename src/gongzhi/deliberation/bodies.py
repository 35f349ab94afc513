"""Services for consultation bodies and their members.

A community's 协商委员会 has the fixed member kinds (``MemberKind``, seven by default: the "7")
plus the interested parties of each topic (the "X": a ``BodyMember`` with ``topic`` set); a grid's
议事会, a building's 理事会 and an estate's 四位一体 council are smaller bodies with kinds of their own.
Members are registry persons or an organisation's contact. Every change is audited; names, phones
and ID numbers stay out of the audit text (members are recorded by their row and kind).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed
from gongzhi.registry.models.places import community_path

from .models import Body, BodyKind, BodyMember, MemberKind, Topic

MANAGE = "deliberation.manage"

# Where each kind of body sits: the level of its area, and what narrows it.
COMMUNITY_KINDS = (BodyKind.COMMITTEE, BodyKind.PARTY_BRANCH, BodyKind.TWO_COMMITTEES, BodyKind.REPRESENTATIVES)


def _require(actor, area: Area) -> None:
    if not has_perm(actor, MANAGE, area):
        raise NotAllowed(_("您没有管理该区域议事机构的权限。"))


@transaction.atomic
def create_body(*, actor, area: Area, kind: str, name: str = "", estate=None, building=None,
                request=None) -> Body:
    """A body of ``kind`` in ``area``: a community's committee, a grid's council, an estate's 四位一体
    council (``estate``) or a building's council (``building``)."""
    _require(actor, area)
    if kind not in BodyKind.values:
        raise InvalidInput(_("请选择议事机构类别。"), fields={"kind": "required"})
    if kind in COMMUNITY_KINDS and area.level != Level.COMMUNITY:
        raise InvalidInput(_("%(kind)s须设在社区（村）。") % {"kind": BodyKind(kind).label}, fields={"area": "level"})
    if kind == BodyKind.GRID_COUNCIL and area.level != Level.GRID:
        raise InvalidInput(_("网格议事会须设在网格。"), fields={"area": "level"})
    if kind == BodyKind.PROPERTY_COUNCIL and estate is None:
        raise InvalidInput(_("物业四位一体联席会须选择小区。"), fields={"estate": "required"})
    if kind == BodyKind.BUILDING_COUNCIL:
        if building is None:
            raise InvalidInput(_("楼栋理事会须选择楼栋。"), fields={"building": "required"})
        estate = building.estate
    if kind not in (BodyKind.PROPERTY_COUNCIL, BodyKind.BUILDING_COUNCIL):
        estate = building = None
    if kind == BodyKind.PROPERTY_COUNCIL:
        building = None
    for place in (estate, building):
        if place is not None and not place.area.path.startswith(community_path(area)):
            raise InvalidInput(_("所选小区或楼栋不在本社区。"), fields={"estate": "area"})
    if estate is not None and area.level not in (Level.COMMUNITY, Level.GRID):
        raise InvalidInput(_("请选择社区或网格。"), fields={"area": "level"})
    name = (name or "").strip() or _default_name(kind, area, estate, building)
    if Body.objects.filter(area=area, name=name).exists():
        raise Conflict(_("本区域已有名为“%(name)s”的议事机构。") % {"name": name})
    body = Body.objects.create(area=area, kind=kind, name=name[:100], estate=estate, building=building)
    record(actor=actor, action="deliberation.body.create", obj=body, request=request,
           after={"kind": kind, "name": body.name, "area": area.code})
    return body


def _default_name(kind: str, area: Area, estate, building) -> str:
    if kind == BodyKind.PROPERTY_COUNCIL:
        return _("%(estate)s物业四位一体联席会") % {"estate": estate.name}
    if kind == BodyKind.BUILDING_COUNCIL:
        return _("%(estate)s%(building)s楼栋理事会") % {"estate": estate.name, "building": building.name}
    if kind == BodyKind.GRID_COUNCIL:
        return _("%(area)s议事会") % {"area": area.name}
    if kind == BodyKind.COMMITTEE:
        return _("%(area)s协商委员会") % {"area": area.name}
    return f"{area.name}{BodyKind(kind).label}"


def kinds_of(body: Body) -> list[MemberKind]:
    return list(MemberKind.objects.filter(body_kind=body.kind, active=True).order_by("order", "pk"))


def missing_kinds(body: Body, members=None) -> list[MemberKind]:
    """The fixed member kinds the body has no active member of (the "7" of 7+X, the 四位一体)."""
    if members is None:
        members = body.members.filter(active=True, topic__isnull=True)
    held = {m.kind_id for m in members if m.active and m.topic_id is None}
    return [kind for kind in kinds_of(body) if kind.pk not in held]


@transaction.atomic
def add_member(*, actor, body: Body, kind: MemberKind | None = None, topic: Topic | None = None, person=None,
               organisation=None, contact_name: str = "", title: str = "", request=None) -> BodyMember:
    """Seat a registry person, or an organisation's contact, on ``body``: as one of its fixed kinds, or
    (``topic`` set, no kind) as an interested party of that topic."""
    _require(actor, body.area)
    if not body.active:
        raise Conflict(_("该议事机构已停用。"))
    if person is None and organisation is None:
        raise InvalidInput(_("请选择人员或单位。"), fields={"person": "required"})
    if person is not None and organisation is not None:
        raise InvalidInput(_("人员和单位只能选择一项。"), fields={"person": "both"})
    if topic is None and kind is None:
        raise InvalidInput(_("请选择成员类别，或选择议题作为利益相关方。"), fields={"kind": "required"})
    if kind is not None and kind.body_kind != body.kind:
        raise InvalidInput(_("所选成员类别不属于该议事机构。"), fields={"kind": "body"})
    if topic is not None:
        kind = None
        if community_path(topic.area) != community_path(body.area):
            raise InvalidInput(_("所选议题不在本社区。"), fields={"topic": "area"})
    community = community_path(body.area)
    place = person if person is not None else organisation
    if place.area_id is None or not place.area.path.startswith(community[: community.rstrip("/").rfind("/") + 1]):
        # persons of the community; organisations of its street (a 驻区单位 or a property company
        # may be registered at street level)
        raise InvalidInput(_("所选人员或单位不在本辖区。"), fields={"person": "area"})
    if person is not None and not person.area.path.startswith(community):
        raise InvalidInput(_("所选人员不在本社区。"), fields={"person": "area"})
    contact_name = (contact_name or "").strip()
    if organisation is not None and not contact_name:
        raise InvalidInput(_("请填写单位联系人。"), fields={"contact_name": "required"})
    same = body.members.filter(active=True, topic=topic, kind=kind)
    if person is not None:
        duplicate = same.filter(person=person).exists()
    else:  # the contact's name is encrypted: compared after reading
        duplicate = any(m.contact_name == contact_name for m in same.filter(organisation=organisation))
    if duplicate:
        raise Conflict(_("该成员已在本议事机构中。"))
    member = BodyMember.objects.create(body=body, kind=kind, topic=topic, person=person, organisation=organisation,
                                       contact_name=contact_name[:50] if organisation is not None else "",
                                       title=(title or "").strip()[:50], joined_on=timezone.localdate())
    record(actor=actor, action="deliberation.member.add", obj=body, request=request, after={
        "member": member.pk, "kind": kind.name if kind else None, "topic": topic.pk if topic else None,
        "person": person.pk if person else None, "organisation": organisation.pk if organisation else None})
    return member


@transaction.atomic
def remove_member(*, actor, member: BodyMember, request=None) -> BodyMember:
    """Take a member off the body (kept for the record of past meetings)."""
    member = BodyMember.objects.select_for_update(of=("self",)).select_related("body__area", "kind").get(pk=member.pk)
    _require(actor, member.body.area)
    if not member.active:
        raise Conflict(_("该成员已移出。"))
    member.active = False
    member.save(update_fields=["active"])
    record(actor=actor, action="deliberation.member.remove", obj=member.body, request=request,
           before={"member": member.pk, "kind": member.kind.name if member.kind else None,
                   "topic": member.topic_id})
    return member
