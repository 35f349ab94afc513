"""Reads for the consultation pages, each scoped to the user.

Topics: staff holding ``deliberation.manage`` see every topic of their area; everybody else sees
the accepted, public topics of the areas in their scope (a resident: their community) and their own
proposals. Bodies and meetings are staff pages; residents see a topic's meetings on the topic page
(time, place, 应到/实到 and the opinion formed — no names).
"""

from __future__ import annotations

from collections import OrderedDict

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import paths_q, scope_paths
from gongzhi.privacy.masking import mask_name
from gongzhi.registry import on_behalf

from .models import Body, BodyMember, CatalogueItem, Comment, Meeting, Topic, TopicStatus
from .topics import MANAGE, is_staff_for

NOT_PUBLIC = (TopicStatus.PROPOSED, TopicStatus.REFUSED)


def is_staff(user) -> bool:
    return has_perm(user, MANAGE)


def topics_for(user, *, status: str = "", mine: bool = False) -> QuerySet[Topic]:
    """Topics ``user`` may see, newest first, with their support counts."""
    if not getattr(user, "is_authenticated", False):
        return Topic.objects.none()
    visible = (Q(proposed_by=user)
               | (Q(public=True) & ~Q(status__in=NOT_PUBLIC) & paths_q(scope_paths(user), "area__path")))
    managed = perm_paths(user, MANAGE) if is_staff(user) else ()
    if managed:
        visible |= paths_q(managed, "area__path")
    qs = Topic.objects.filter(visible)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(proposed_by=user)
    return (qs.select_related("area", "body", "catalogue_item")
            .annotate(support_count=Count("supports", distinct=True))
            .order_by("-created_at", "-pk"))


def topic_for(user, pk) -> Topic:
    topic = topics_for(user).filter(pk=pk).select_related("estate", "building", "source_case", "proposed_by", "proposed_for",
                                                         "on_behalf_by").first()
    if topic is None:
        raise Http404
    return topic


def comments_for(user, topic: Topic) -> list[Comment]:
    """Top-level comments with their replies, each with ``shown_author`` and ``shown_text`` as the user
    may read them: residents see staff as 社区工作人员, residents' names masked, hidden comments' reasons."""
    staff = is_staff_for(user, topic.area)
    related = ("author", "person", "on_behalf_by")
    replies = Prefetch("replies", queryset=Comment.objects.select_related(*related).order_by("created_at", "pk"))
    top = list(topic.comments.filter(parent__isnull=True).select_related(*related).prefetch_related(replies)
               .order_by("created_at", "pk"))
    for item in top:
        _present(item, user, staff)
        item.shown_replies = [_present(reply, user, staff) for reply in item.replies.all()]
    return top


def _present(item: Comment, user, staff: bool) -> Comment:
    name = item.author.display_name if item.author else ""
    item.mine = item.author_id is not None and item.author_id == getattr(user, "pk", None)
    if item.by_proxy:  # 代办: the resident's comment; residents never see who typed it
        item.shown_author = (on_behalf.shown_name(item, item.person, staff=True) if staff
                             else _("我（%(label)s）") % {"label": on_behalf.PUBLIC_LABEL} if item.mine
                             else on_behalf.shown_name(item, item.person, staff=False))
    elif item.mine:
        item.shown_author = name  # one's own name, as one wrote it
    elif item.by_staff:
        item.shown_author = name if staff else _("社区工作人员")
    else:
        item.shown_author = name if staff else mask_name(name)
    item.shown_text = item.text if item.hidden_at is None or staff else ""
    return item


def topic_meetings(topic: Topic) -> list[Meeting]:
    return list(topic.meetings.select_related("body").order_by("-scheduled_at", "-pk"))


def catalogue(kind: str | None = None, *, active_only: bool = True) -> QuerySet[CatalogueItem]:
    qs = CatalogueItem.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "order", "pk")


def managed_areas(user) -> QuerySet[Area]:
    """Communities and grids where the user holds ``deliberation.manage``."""
    paths = perm_paths(user, MANAGE) if is_staff(user) else ()
    return (Area.objects.filter(paths_q(paths, "path"), level__in=(Level.COMMUNITY, Level.GRID))
            .order_by("path"))


def bodies_for(user, *, kind: str = "") -> QuerySet[Body]:
    """Bodies in the areas where the user holds ``deliberation.manage``, with their member counts."""
    paths = perm_paths(user, MANAGE) if is_staff(user) else ()
    qs = Body.objects.filter(paths_q(paths, "area__path"))
    if kind:
        qs = qs.filter(kind=kind)
    return (qs.select_related("area", "estate", "building")
            .annotate(member_count=Count("members", filter=Q(members__active=True, members__topic__isnull=True),
                                         distinct=True),
                      party_count=Count("members", filter=Q(members__active=True, members__topic__isnull=False),
                                        distinct=True))
            .order_by("area__path", "kind", "name"))


def body_for(user, pk) -> Body:
    body = bodies_for(user).filter(pk=pk).first()
    if body is None:
        raise Http404
    return body


def bodies_of_community(user, area: Area) -> QuerySet[Body]:
    from gongzhi.registry.models.places import community_path

    return bodies_for(user).filter(active=True, area__path__startswith=community_path(area))


def members_by_kind(body: Body) -> tuple[OrderedDict, list[BodyMember], list[BodyMember]]:
    """Active members grouped by their kind (in the kinds' order), the interested parties (X), and all."""
    members = list(body.members.filter(active=True).select_related("kind", "person", "organisation", "topic")
                   .order_by("kind__order", "pk"))
    groups: OrderedDict = OrderedDict()
    parties = []
    for member in members:
        if member.topic_id is not None:
            parties.append(member)
        else:
            groups.setdefault(member.kind, []).append(member)
    return groups, parties, members


def meetings_for(user, *, status: str = "") -> QuerySet[Meeting]:
    paths = perm_paths(user, MANAGE) if is_staff(user) else ()
    qs = Meeting.objects.filter(paths_q(paths, "area__path"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("area", "body", "topic").order_by("-scheduled_at", "-pk")


def meeting_for(user, pk) -> Meeting:
    meeting = meetings_for(user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def person_candidates(user, body: Body, q: str, limit: int = 20):
    """Registry persons of the body's community matching ``q`` (name, pinyin, last four digits…), as the
    registry's own search finds them; shown masked."""
    from gongzhi.registry.models.places import community_path
    from gongzhi.registry.selectors import persons_for

    q = (q or "").strip()
    if not q or not has_perm(user, "registry.view"):
        return []
    return list(persons_for(user, q=q).filter(area__path__startswith=community_path(body.area),
                                              deceased=False, moved_out=False)[:limit])


def organisation_candidates(user, body: Body, limit: int = 200):
    """Organisations registered in the body's street (驻区单位, property companies, 业委会…)."""
    from gongzhi.registry.models.places import community_path
    from gongzhi.registry.selectors import organisations_for

    if not has_perm(user, "registry.view"):
        return []
    community = community_path(body.area)
    street = community[: community.rstrip("/").rfind("/") + 1]
    return list(organisations_for(user).filter(area__path__startswith=street)[:limit])
