"""Announcements (宣传公告, 通知): published to an audience of an area — every resident, a special
group (all 独居老人 of a street), the owners of an estate, the households of a building, the grid
workers — each audience found by the registry's own query, as the publisher may see it.

Publishing (now, or at ``publish_at`` by the worker) keeps one receipt per recipient and sends an inbox
notice (and its channel copies) to every recipient with an account. A receipt is read when the
recipient opens the announcement, or marked told when the grid worker has told them at the door: the
read rate per announcement and the list of who has not been reached (by grid, printable) follow.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm, Role
from gongzhi.areas.models import Level
from gongzhi.audit.services import record
from gongzhi.core.errors import Conflict, InvalidInput, NotAllowed

from .models import Announcement, AnnouncementStatus, Audience, Receipt
from .services import send_notice


def audience_persons(announcement: Announcement, actor):
    """The registry persons an announcement to residents reaches: living there now, in its area, as
    ``actor`` may see them (``registry.selectors.persons_for``)."""
    from gongzhi.registry import selectors as registry
    from gongzhi.registry.models import House, Person

    area = announcement.area
    if announcement.audience == Audience.GROUP:
        persons = registry.persons_for(actor, area_code=area.code, tags=[announcement.group.code])
    elif announcement.audience == Audience.ESTATE_OWNERS:
        owners = House.objects.filter(building__estate=announcement.estate, owner__isnull=False).values("owner_id")
        persons = registry.persons_for(actor, area_code=area.code).filter(pk__in=owners)
    elif announcement.audience == Audience.BUILDING:
        persons = registry.persons_for(actor, area_code=area.code).filter(house__building=announcement.building)
    else:
        persons = registry.persons_for(actor, area_code=area.code)
    return Person.objects.filter(pk__in=persons.order_by().values("pk")).current()


def audience_users(announcement: Announcement):
    """The grid workers of the announcement's area."""
    from gongzhi.accounts.models import User

    return User.objects.filter(is_active=True, role_assignments__role=Role.GRID_WORKER,
                               role_assignments__area__path__startswith=announcement.area.path).distinct()


def _check(announcement: Announcement, actor) -> None:
    if not has_perm(actor, Perm.NOTICES_SEND, announcement.area):
        raise NotAllowed(_("您不能向该区域发布公告。"))
    if not announcement.title.strip() or not announcement.body.strip():
        raise InvalidInput(_("请填写公告标题和正文。"), fields={"title": "required"})
    needs = {Audience.GROUP: "group", Audience.ESTATE_OWNERS: "estate", Audience.BUILDING: "building"}
    wanted = needs.get(announcement.audience)
    if wanted and getattr(announcement, f"{wanted}_id") is None:
        raise InvalidInput(_("请选择公告对象的%(what)s。") % {"what": {"group": _("特殊人群"), "estate": _("小区"),
                                                                    "building": _("楼栋")}[wanted]},
                           fields={wanted: "required"})
    for place in (announcement.estate, announcement.building):
        if place is not None and not place.area.path.startswith(announcement.area.path):
            raise InvalidInput(_("所选小区或楼栋不在公告范围内。"), fields={"area": "mismatch"})
    if announcement.expires_at and announcement.publish_at and announcement.expires_at <= announcement.publish_at:
        raise InvalidInput(_("有效期须晚于发布时间。"), fields={"expires_at": "invalid"})


@transaction.atomic
def save(*, actor, announcement: Announcement, request=None) -> Announcement:
    """Create or change a draft (or a scheduled one: it stays scheduled at its new time)."""
    if announcement.pk and announcement.status in (AnnouncementStatus.PUBLISHED, AnnouncementStatus.WITHDRAWN):
        raise Conflict(_("已发布或已撤回的公告不能修改。"))
    _check(announcement, actor)
    created = announcement.pk is None
    announcement.created_by = announcement.created_by or actor
    announcement.save()
    record(actor=actor, action="notices.announcement_save", obj=announcement, object_repr=announcement.title,
           after={"audience": announcement.audience, "area": announcement.area.code, "created": created},
           request=request)
    return announcement


@transaction.atomic
def publish(*, actor, announcement: Announcement, at=None, request=None) -> Announcement:
    """Publish now, or schedule for ``at`` (the worker publishes it then, ``publish_due``)."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status not in (AnnouncementStatus.DRAFT, AnnouncementStatus.SCHEDULED):
        raise Conflict(_("该公告已发布或已撤回。"))
    _check(announcement, actor)
    now = timezone.now()
    if at is not None and at > now:
        announcement.status, announcement.publish_at = AnnouncementStatus.SCHEDULED, at
        announcement.save(update_fields=["status", "publish_at"])
        record(actor=actor, action="notices.announcement_schedule", obj=announcement,
               object_repr=announcement.title, after={"publish_at": at.isoformat()}, request=request)
        return announcement
    return _publish_now(announcement, actor=actor, now=now, request=request)


def _publish_now(announcement: Announcement, *, actor, now, request=None) -> Announcement:
    if announcement.audience == Audience.GRID_WORKERS:
        receipts = [Receipt(announcement=announcement, user=user) for user in audience_users(announcement)]
    else:
        persons = audience_persons(announcement, actor).select_related("area", "account_link__user")
        receipts = [Receipt(announcement=announcement, person=person,
                            user=getattr(getattr(person, "account_link", None), "user", None),
                            grid=person.area if person.area.level == Level.GRID else None) for person in persons]
    Receipt.objects.bulk_create(receipts, batch_size=2000)
    with_account = [r for r in Receipt.objects.filter(announcement=announcement, user__isnull=False)
                    .select_related("user")]
    link = reverse("notices:board_detail", args=[announcement.pk])
    title = (_("【紧急】") if announcement.urgent else "") + announcement.title
    notices = send_notice(recipients=[r.user for r in with_account], title=title, body=announcement.body[:500],
                          link=link, kind="announcement")
    for receipt, notice in zip(with_account, notices, strict=True):
        receipt.notice = notice
    Receipt.objects.bulk_update(with_account, ["notice"], batch_size=2000)
    announcement.status, announcement.published_at = AnnouncementStatus.PUBLISHED, now
    announcement.publish_at = announcement.publish_at or now
    announcement.save(update_fields=["status", "published_at", "publish_at"])
    record(actor=actor, action="notices.announcement_publish", obj=announcement, object_repr=announcement.title,
           after={"recipients": len(receipts), "with_account": len(with_account)}, request=request)
    return announcement


def publish_due(now=None) -> int:
    """Publish the scheduled announcements whose time has come (the worker, every minute)."""
    now = now or timezone.now()
    published = 0
    for pk in Announcement.objects.filter(status=AnnouncementStatus.SCHEDULED, publish_at__lte=now).values_list(
            "pk", flat=True):
        with transaction.atomic():
            announcement = (Announcement.objects.select_for_update(of=("self",)).select_related("created_by", "area")
                            .get(pk=pk))
            if announcement.status != AnnouncementStatus.SCHEDULED:
                continue
            _publish_now(announcement, actor=announcement.created_by, now=now)
            published += 1
    return published


@transaction.atomic
def withdraw(*, actor, announcement: Announcement, reason: str, request=None) -> Announcement:
    if not has_perm(actor, Perm.NOTICES_SEND, announcement.area):
        raise NotAllowed(_("您不能撤回该公告。"))
    if announcement.status == AnnouncementStatus.WITHDRAWN:
        raise Conflict(_("该公告已撤回。"))
    if not (reason or "").strip():
        raise InvalidInput(_("请填写撤回原因。"), fields={"reason": "required"})
    announcement.status = AnnouncementStatus.WITHDRAWN
    announcement.save(update_fields=["status"])
    record(actor=actor, action="notices.announcement_withdraw", obj=announcement, object_repr=announcement.title,
           reason=reason.strip()[:300], request=request)
    return announcement


def mark_read(*, user, announcement: Announcement, now=None) -> bool:
    """The signed-in recipient opened it: their receipt (as a person or as a user) is read."""
    updated = Receipt.objects.filter(announcement=announcement, user=user, read_at__isnull=True).update(
        read_at=now or timezone.now())
    return bool(updated)


@transaction.atomic
def mark_told(*, actor, receipt: Receipt, now=None, request=None) -> Receipt:
    """The grid worker told the resident at the door (for those without an account, or who did not read)."""
    receipt = (Receipt.objects.select_for_update(of=("self",)).select_related("announcement__area", "grid")
               .get(pk=receipt.pk))
    area = receipt.grid or receipt.announcement.area
    if not (has_perm(actor, Perm.NOTICES_SEND, area) or has_perm(actor, Perm.REGISTRY_VIEW, area)):
        raise NotAllowed(_("您不能登记该居民的告知情况。"))
    if receipt.told_at is None:
        receipt.told_at, receipt.told_by = now or timezone.now(), actor
        receipt.save(update_fields=["told_at", "told_by"])
    return receipt


def reach(announcement: Announcement) -> dict:
    """Recipients, how many read it, how many were told at the door, and the read rate."""
    counts = announcement.receipts.aggregate(
        total=Count("pk"), read=Count("pk", filter=Q(read_at__isnull=False)),
        told=Count("pk", filter=Q(read_at__isnull=True, told_at__isnull=False)))
    counts["rate"] = round(counts["read"] / counts["total"] * 100, 1) if counts["total"] else 0.0
    counts["unreached"] = counts["total"] - counts["read"] - counts["told"]
    return counts


def unreached(announcement: Announcement):
    """Who has neither read it nor been told, by grid then name (the door-to-door list)."""
    return (announcement.receipts.filter(read_at__isnull=True, told_at__isnull=True)
            .select_related("person__house", "user", "grid").order_by("grid__code", "person__name_pinyin", "pk"))
