"""Services for consultation topics (民事民提、民事民议): proposal, screening against the catalogue
(六议六不议), discussion with moderation, support (附议), and the catalogue itself.

Who may do what:
- propose: a verified resident (an account bound to a registry person, ``ResidentLink``) for their own
  community, or staff holding ``deliberation.manage`` in the topic's area;
- screen, moderate: staff holding ``deliberation.manage`` in the topic's area;
- comment and support: verified residents of the topic's community and those staff, while the
  topic is under discussion (and, for 网络协商, before its closing time);
- edit the catalogue: ``deliberation.configure``.
Staff holding ``deliberation.manage`` may also propose, comment and support FOR a resident of the
topic's community who cannot use a phone (代办, ``on_behalf``: see ``registry.on_behalf``): the action
is the resident's (their person, their account if any), counted once, marked and audited.
Every write is audited; the proposer and moderated authors are told through notices.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.areas.models import Area, Level
from gongzhi.audit.services import record
from gongzhi.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from gongzhi.notices.services import send_notice
from gongzhi.registry.models.places import community_path
from gongzhi.registry.on_behalf import OnBehalf

from .models import (
    Body,
    CatalogueItem,
    CatalogueKind,
    Comment,
    Form,
    ScopeKind,
    Support,
    Topic,
    TopicAttachment,
    TopicStatus,
)

MANAGE = "deliberation.manage"
CONFIGURE = "deliberation.configure"
NOTICE_KIND = "deliberation"
DISCUSSION_OPEN = (TopicStatus.DISCUSSING,)


# --- Who the user is here ------------------------------------------------------------------------

def resident_link(user):
    """The user's binding to a registry person (实名核验), or ``None`` (the registry's, cached on the user)."""
    from gongzhi.registry.verification import resident_link as bound

    return bound(user)


def resident_community_path(user) -> str | None:
    """The path of the community the verified resident lives in (``None``: not verified)."""
    link = resident_link(user)
    if link is None or link.person.area_id is None:
        return None
    return community_path(link.person.area)


def is_staff_for(user, area: Area) -> bool:
    return has_perm(user, MANAGE, area)


def is_verified_resident_of(user, area: Area) -> bool:
    path = resident_community_path(user)
    return path is not None and area.path.startswith(path)


def may_take_part(user, topic: Topic) -> bool:
    """Comment and support: staff of the topic's area, or verified residents of its community."""
    return is_staff_for(user, topic.area) or is_verified_resident_of(user, topic.area)


def discussion_open(topic: Topic, now=None) -> bool:
    now = now or timezone.now()
    return topic.status in DISCUSSION_OPEN and (topic.discussion_closes is None or topic.discussion_closes > now)


def topic_link(topic: Topic) -> str:
    return reverse("deliberation:topic_detail", args=[topic.pk])


# --- Proposing ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    area: Area
    kind: str
    estate: object | None = None
    building: object | None = None


def check_scope(*, area: Area, kind: str, estate=None, building=None) -> Scope:
    """A topic's scope: a community or grid, optionally narrowed to an estate or a building inside it."""
    if area.level not in (Level.COMMUNITY, Level.GRID):
        raise InvalidInput(_("议题范围须为社区（村）或网格。"), fields={"area": "level"})
    if kind not in ScopeKind.values:
        raise InvalidInput(_("请选择议题范围。"), fields={"scope_kind": "invalid"})
    if kind == ScopeKind.GRID and area.level != Level.GRID:
        raise InvalidInput(_("范围为网格时，请选择一个网格。"), fields={"area": "grid"})
    if kind == ScopeKind.COMMUNITY and area.level != Level.COMMUNITY:
        area = Area.objects.get(path=community_path(area))
    if building is not None:
        estate = building.estate
    if kind == ScopeKind.ESTATE and estate is None:
        raise InvalidInput(_("范围为小区时，请选择小区。"), fields={"estate": "required"})
    if kind == ScopeKind.BUILDING and building is None:
        raise InvalidInput(_("范围为楼栋时，请选择楼栋。"), fields={"building": "required"})
    if kind in (ScopeKind.COMMUNITY, ScopeKind.GRID):
        estate = building = None
    if kind == ScopeKind.ESTATE:
        building = None
    if estate is not None and not estate.area.path.startswith(area.path):
        raise InvalidInput(_("所选小区不在议题范围（%(area)s）内。") % {"area": area.name}, fields={"estate": "area"})
    if building is not None and not building.area.path.startswith(area.path):
        raise InvalidInput(_("所选楼栋不在议题范围（%(area)s）内。") % {"area": area.name},
                           fields={"building": "area"})
    return Scope(area=area, kind=kind, estate=estate, building=building)


def _store_attachments(topic: Topic, files, actor) -> list[TopicAttachment]:
    """Files already checked by ``core.uploads`` (DOCUMENT): PDFs kept as sent, pictures re-encoded
    without their metadata (a photo's EXIF may carry a location and a name) and checked for size in pixels."""
    from django.core.files.base import ContentFile

    from gongzhi.cases.errors import InvalidInput as CaseInvalidInput
    from gongzhi.cases.photos import process

    prepared = []  # every file checked and re-encoded before anything is stored
    for upload in files:
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        base = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:150]
        if head == b"%PDF-":
            content, content_type = upload.read(), "application/pdf"
            name = base if base.lower().endswith(".pdf") else f"{base}.pdf"
        else:
            try:
                photo = process(upload)
            except CaseInvalidInput as error:
                raise InvalidInput(error.message, fields={"attachments": "image"}) from None
            content, content_type = photo.content, photo.content_type
            name = f"{base.rsplit('.', 1)[0]}.{photo.extension}"
        prepared.append((name, content, content_type))
    stored = []
    for name, content, content_type in prepared:
        attachment = TopicAttachment(topic=topic, name=name, content_type=content_type, size=len(content),
                                     uploaded_by=actor)
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def may_propose(user) -> bool:
    return resident_link(user) is not None or has_perm(user, MANAGE)


@transaction.atomic
def propose(*, actor, title: str, description: str, area: Area, scope_kind: str = ScopeKind.COMMUNITY,
            estate=None, building=None, files=(), source_case=None, on_behalf: OnBehalf | None = None,
            request=None) -> Topic:
    """Put a matter up for consultation (民事民提). Staff's topics may come from a case; with
    ``on_behalf`` staff put up a resident's topic for them (代办: the resident is the proposer)."""
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise InvalidInput(_("请填写议题。"), fields={"title": "required"})
    if not description:
        raise InvalidInput(_("请说明议题的情况和诉求。"), fields={"description": "required"})
    acting = None
    if on_behalf is not None:
        acting = on_behalf.check(staff=actor, area=_community(area), perm=MANAGE)
        if source_case is not None:
            raise InvalidInput(_("代居民提出的议题不能来自事件。"), fields={"source_case": "on_behalf"})
    staff = is_staff_for(actor, area) and acting is None
    if acting is None and not staff:
        if resident_link(actor) is None:
            raise NotAllowed(_("实名核验后才能提出议题。请先在“实名核验”页面核验身份，或到社区窗口办理。"))
        if not is_verified_resident_of(actor, area):
            raise NotAllowed(_("只能对本人所在社区的事务提出议题。"))
    if source_case is not None and not staff:
        raise NotAllowed(_("只有社区工作人员可以把事件转为议题。"))
    scope = check_scope(area=area, kind=scope_kind, estate=estate, building=building)
    marks = acting.fields() if acting else {}
    topic = Topic.objects.create(
        area=scope.area, title=title[:200], description=description, scope_kind=scope.kind, estate=scope.estate,
        building=scope.building, source_case=source_case, proposed_by=acting.account if acting else actor,
        proposed_for=acting.person if acting else None, proposed_by_staff=staff, **marks)
    attachments = _store_attachments(topic, files, actor)
    record(actor=actor, action="deliberation.topic.propose_on_behalf" if acting else "deliberation.topic.propose",
           obj=topic, request=request, after={
               "title": topic.title, "scope": topic.scope_kind, "area": scope.area.code, "staff": staff,
               "source_case": getattr(source_case, "number", None), "attachments": len(attachments),
               **(acting.audit() if acting else {})})
    if acting:
        acting.notify(title=_("社区工作人员已代您提出议题：%(title)s") % {"title": topic.title[:60]},
                      link=topic_link(topic), kind=NOTICE_KIND)
    staff_users = _staff_of(topic.area)
    if staff_users:
        send_notice(recipients=staff_users, title=_("新议题待审核：%(title)s") % {"title": topic.title[:60]},
                    link=topic_link(topic), kind=NOTICE_KIND)
    return topic


def _community(area: Area) -> Area:
    """The community an area (a community or one of its grids) belongs to."""
    from gongzhi.registry.on_behalf import community_of

    return community_of(area)


def _staff_of(area: Area) -> list:
    """Community staff of the topic's community (who screen it)."""
    from gongzhi.accounts.models import RoleAssignment
    from gongzhi.accounts.roles import Role

    community = community_path(area)
    return list({a.user for a in RoleAssignment.objects.filter(
        role=Role.COMMUNITY_STAFF, area__path=community, user__is_active=True).select_related("user")})


# --- Screening ------------------------------------------------------------------------------------

def _require_staff(actor, topic: Topic) -> None:
    if not is_staff_for(actor, topic.area):
        raise NotAllowed(_("您没有审核本议题的权限。"))


def _require_proposed(topic: Topic) -> None:
    if topic.status != TopicStatus.PROPOSED:
        raise Conflict(_("议题已审核（%(status)s），不能再次审核。") % {"status": topic.get_status_display()})


def same_community(a: Area, b: Area) -> bool:
    return community_path(a) == community_path(b)


@transaction.atomic
def accept(*, actor, topic: Topic, catalogue_item: CatalogueItem | None, form: str, body: Body | None,
           discussion_closes=None, request=None) -> Topic:
    """Accept a topic for consultation: which 六议 item it falls under, the form and the body."""
    topic = Topic.objects.select_for_update().select_related("area").get(pk=topic.pk)
    _require_staff(actor, topic)
    _require_proposed(topic)
    if catalogue_item is None or catalogue_item.kind != CatalogueKind.MAY or not catalogue_item.active:
        raise InvalidInput(_("请选择议题对应的“六议”事项。"), fields={"catalogue_item": "required"})
    if form not in Form.values:
        raise InvalidInput(_("请选择协商形式。"), fields={"form": "required"})
    if body is None or not body.active or not same_community(body.area, topic.area):
        raise InvalidInput(_("请选择本社区的议事机构。"), fields={"body": "required"})
    if form == Form.ONLINE:
        if discussion_closes is None:
            raise InvalidInput(_("网络协商（微协商）须设定讨论截止时间。"), fields={"discussion_closes": "required"})
        if discussion_closes <= timezone.now():
            raise InvalidInput(_("讨论截止时间须晚于现在。"), fields={"discussion_closes": "past"})
    else:
        discussion_closes = discussion_closes if discussion_closes and discussion_closes > timezone.now() else None
    topic.status, topic.catalogue_item, topic.form, topic.body = TopicStatus.DISCUSSING, catalogue_item, form, body
    topic.discussion_closes = discussion_closes
    topic.screened_by, topic.screened_at, topic.screen_reason = actor, timezone.now(), ""
    topic.save()
    record(actor=actor, action="deliberation.topic.accept", obj=topic, request=request, after={
        "item": catalogue_item.text, "form": form, "body": body.name,
        "closes": discussion_closes.isoformat() if discussion_closes else None})
    _tell_proposer(topic, _("您提出的议题“%(title)s”已受理，进入协商（%(form)s）。") % {
        "title": topic.title[:60], "form": topic.get_form_display()})
    return topic


@transaction.atomic
def refuse(*, actor, topic: Topic, reason: str, catalogue_item: CatalogueItem | None = None,
           request=None) -> Topic:
    """Refuse a topic with a reason the proposer sees; ``catalogue_item``: the 六不议 item it falls under."""
    topic = Topic.objects.select_for_update().select_related("area").get(pk=topic.pk)
    _require_staff(actor, topic)
    _require_proposed(topic)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("不予受理须说明理由。"), fields={"reason": "required"})
    if catalogue_item is not None and catalogue_item.kind != CatalogueKind.MAY_NOT:
        raise InvalidInput(_("不予受理只能对应“六不议”事项。"), fields={"catalogue_item": "kind"})
    topic.status, topic.catalogue_item = TopicStatus.REFUSED, catalogue_item
    topic.screened_by, topic.screened_at, topic.screen_reason = actor, timezone.now(), reason
    topic.save()
    record(actor=actor, action="deliberation.topic.refuse", obj=topic, reason=reason, request=request,
           after={"item": catalogue_item.text if catalogue_item else None})
    _tell_proposer(topic, _("您提出的议题“%(title)s”不予受理。") % {"title": topic.title[:60]}, body=reason)
    return topic


def _tell_proposer(topic: Topic, title: str, body: str = "") -> None:
    if topic.proposed_by_id and not topic.proposed_by_staff:
        send_notice(recipients=[topic.proposed_by], title=title, body=body, link=topic_link(topic), kind=NOTICE_KIND)


# --- Discussion -----------------------------------------------------------------------------------

def _require_participant(actor, topic: Topic) -> None:
    if not may_take_part(actor, topic):
        if resident_link(actor) is None and not has_perm(actor, MANAGE):
            raise NotAllowed(_("实名核验后才能参与协商。请先在“实名核验”页面核验身份。"))
        raise NotAllowed(_("只有本社区的居民和工作人员可以参与本议题的协商。"))


@transaction.atomic
def comment(*, actor, topic: Topic, text: str, parent: Comment | None = None, on_behalf: OnBehalf | None = None,
            request=None) -> Comment:
    """A comment (or a reply to a top-level comment) in the topic's discussion; with ``on_behalf``
    staff write down what a resident said (代办: the comment is the resident's)."""
    acting = on_behalf.check(staff=actor, area=_community(topic.area), perm=MANAGE) if on_behalf else None
    if acting is None:
        _require_participant(actor, topic)
    if not discussion_open(topic):
        raise Conflict(_("本议题当前不在讨论阶段，不能发言。"))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("请填写发言内容。"), fields={"text": "required"})
    if len(text) > 2000:
        raise InvalidInput(_("发言不能超过 2000 字。"), fields={"text": "length"})
    if parent is not None:
        if parent.topic_id != topic.pk:
            raise InvalidInput(_("回复的发言不属于本议题。"), fields={"parent": "topic"})
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies: a reply to a reply joins its thread
    if acting is not None:
        item = Comment.objects.create(topic=topic, parent=parent, author=acting.account, person=acting.person,
                                      text=text, by_staff=False, **acting.fields())
        record(actor=actor, action="deliberation.comment.post_on_behalf", obj=topic, request=request,
               after={"comment": item.pk, "reply_to": parent.pk if parent else None, **acting.audit()})
        acting.notify(title=_("社区工作人员已代您在议题“%(title)s”中发言") % {"title": topic.title[:60]},
                      link=topic_link(topic), kind=NOTICE_KIND)
        return item
    item = Comment.objects.create(topic=topic, parent=parent, author=actor, text=text,
                                  by_staff=is_staff_for(actor, topic.area))
    record(actor=actor, action="deliberation.comment.post", obj=topic, request=request,
           after={"comment": item.pk, "reply_to": parent.pk if parent else None})
    return item


@transaction.atomic
def hide_comment(*, actor, comment: Comment, reason: str, request=None) -> Comment:
    """Hide a comment with a reason (the text is kept for the record); the author is told."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related("topic__area", "author").get(pk=comment.pk)
    if not is_staff_for(actor, comment.topic.area):
        raise NotAllowed(_("您没有管理本议题讨论的权限。"))
    if comment.hidden_at is not None:
        raise Conflict(_("该发言已被屏蔽。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("屏蔽发言须说明原因。"), fields={"reason": "required"})
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = timezone.now(), actor, reason[:200]
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    record(actor=actor, action="deliberation.comment.hide", obj=comment.topic, reason=comment.hidden_reason,
           request=request, after={"comment": comment.pk})
    if comment.author_id and comment.author_id != actor.pk:
        send_notice(recipients=[comment.author],
                    title=_("您在议题“%(title)s”中的发言已被屏蔽") % {"title": comment.topic.title[:60]},
                    body=_("原因：%(reason)s") % {"reason": comment.hidden_reason},
                    link=topic_link(comment.topic), kind=NOTICE_KIND)
    return comment


def support(*, actor, topic: Topic, on_behalf: OnBehalf | None = None, request=None) -> Support:
    """附议 by a verified resident of the topic's community, online or through staff (``on_behalf``,
    代办): one per resident (person, and account) and topic (unique constraints; a second one is
    refused either way, also under a race)."""
    acting = on_behalf.check(staff=actor, area=_community(topic.area), perm=MANAGE) if on_behalf else None
    if acting is None:
        _require_participant(actor, topic)
        if not is_verified_resident_of(actor, topic.area):
            raise NotAllowed(_("附议须由本社区已实名核验的居民提出。"))
    if not discussion_open(topic):
        raise Conflict(_("本议题当前不能附议。"))
    if acting is not None:
        user, person = acting.account, acting.person
    else:
        user, person = actor, resident_link(actor).person
    try:
        with transaction.atomic():
            item = Support.objects.create(topic=topic, user=user, person=person,
                                          **(acting.fields() if acting else {}))
            if acting is not None:
                record(actor=actor, action="deliberation.topic.support_on_behalf", obj=topic, request=request,
                       after=acting.audit())
            else:
                record(actor=actor, action="deliberation.topic.support", obj=topic, request=request)
    except IntegrityError:
        if acting is not None:
            raise Conflict(_("%(name)s已附议过本议题（本人在网上或经工作人员代办），不能重复附议。") % {
                "name": person.real_name}, code="already_supported") from None
        raise Conflict(_("您已附议过本议题（本人或经社区工作人员代办）。"), code="already_supported") from None
    if acting is not None:
        acting.notify(title=_("社区工作人员已代您附议议题：%(title)s") % {"title": topic.title[:60]},
                      link=topic_link(topic), kind=NOTICE_KIND)
    return item


# --- The catalogue (六议六不议) --------------------------------------------------------------------

def _require_configure(actor) -> None:
    if not has_perm(actor, CONFIGURE):
        raise NotAllowed(_("您没有配置协商事项目录的权限。"))


@transaction.atomic
def save_catalogue_item(*, actor, item: CatalogueItem | None = None, kind: str = "", text: str, order: int = 0,
                        active: bool = True, request=None) -> CatalogueItem:
    _require_configure(actor)
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("请填写事项内容。"), fields={"text": "required"})
    if len(text) > 200:
        raise InvalidInput(_("事项内容不能超过 200 字。"), fields={"text": "length"})
    if item is None:
        if kind not in CatalogueKind.values:
            raise InvalidInput(_("请选择类别。"), fields={"kind": "required"})
        item = CatalogueItem.objects.create(kind=kind, text=text, order=order, active=active)
        record(actor=actor, action="deliberation.catalogue.create", obj=item, request=request,
               after={"kind": kind, "text": text, "order": order, "active": active})
        return item
    before = {"text": item.text, "order": item.order, "active": item.active}
    item.text, item.order, item.active = text, order, active
    item.save()
    after = {"text": item.text, "order": item.order, "active": item.active}
    if before != after:
        record(actor=actor, action="deliberation.catalogue.update", obj=item, before=before, after=after,
               request=request)
    return item


def set_meeting_day(*, actor, district: Area, day: int, request=None):
    """The day of the month of the district's 协商议事日 (1–28)."""
    from .models import DeliberationSettings

    _require_configure(actor)
    if district.level != Level.DISTRICT or not has_perm(actor, CONFIGURE, district):
        raise NotAllowed(_("您不能配置该区县。"))
    if not 1 <= int(day) <= 28:
        raise InvalidInput(_("协商议事日须为每月 1–28 日之间。"), fields={"meeting_day": "range"})
    with transaction.atomic():
        row, _created = DeliberationSettings.objects.select_for_update().get_or_create(district=district)
        before = row.meeting_day if not _created else None
        row.meeting_day = int(day)
        row.save()
        record(actor=actor, action="deliberation.settings.meeting_day", obj=district, request=request,
               before={"meeting_day": before}, after={"meeting_day": row.meeting_day})
    return row


__all__ = [
    "DomainError", "accept", "check_scope", "comment", "hide_comment", "may_propose", "may_take_part", "propose",
    "refuse", "resident_link", "save_catalogue_item", "set_meeting_day", "support",
]
