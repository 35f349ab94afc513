"""Reads of votes: whose votes a user sees, and the lines of a vote's roll staff look up."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from gongzhi.accounts.permissions import has_perm, perm_paths
from gongzhi.areas.models import ancestor_paths, ancestor_paths_of
from gongzhi.areas.scope import paths_q, scope_paths
from gongzhi.privacy.masking import mask_name

from .models import Participation, Vote
from .votes import MANAGE, person_of

STATES = ("open", "pending", "closed")


def manages(user, vote: Vote) -> bool:
    return has_perm(user, MANAGE, vote.area)


def votes_for(user) -> QuerySet[Vote]:
    """Staff: the votes of their area. Residents: the votes of the areas they live in (and of
    their account's area)."""
    votes = Vote.objects.select_related("area")
    if has_perm(user, MANAGE):
        return votes.filter(paths_q(perm_paths(user, MANAGE), "area__path"))
    paths = set()
    person = person_of(user)
    if person is not None:
        paths.update(ancestor_paths(person.area))
    for path in scope_paths(user):
        paths.update(ancestor_paths_of(path))
    if not paths:
        return votes.none()
    return votes.filter(area__path__in=paths)


def filtered(votes: QuerySet[Vote], *, state: str = "", q: str = "") -> QuerySet[Vote]:
    now = timezone.now()
    if state == "open":
        votes = votes.filter(opens__lte=now, closes__gt=now, cancelled_at__isnull=True)
    elif state == "pending":
        votes = votes.filter(opens__gt=now, cancelled_at__isnull=True)
    elif state == "closed":
        votes = votes.filter(Q(closes__lte=now) | Q(cancelled_at__isnull=False))
    if q:
        votes = votes.filter(title__icontains=q)
    return votes.order_by("-opens", "-pk")


def voted_ids(user, votes) -> set[int]:
    """Of ``votes``, those the user (or their household) has voted in: one query."""
    person = person_of(user)
    if person is None:
        return set()
    mine = Q(elector__person_id=person.pk)
    if person.household_id:
        mine |= Q(elector__household_id=person.household_id)
    return set(Participation.objects.filter(mine, vote__in=[v.pk for v in votes]).values_list("vote_id", flat=True))


def roll_search(vote: Vote, q: str, limit: int = 20) -> list[dict]:
    """Lines of the roll whose person's name contains ``q`` (masked for the page), with whether
    they voted: what staff pick from when entering a paper ballot."""
    electors = vote.electors.select_related("person", "household").order_by("pk")
    if q:
        electors = electors.filter(person__real_name__contains=q)
    voted = set(Participation.objects.filter(vote=vote).values_list("elector_id", flat=True))
    rows = []
    for elector in electors[:limit]:
        name = mask_name(elector.person.real_name) if elector.person_id else ""
        label = name or elector.key
        if elector.household_id:
            label = f"{label}（{elector.household}）"
        rows.append({"id": elector.pk, "label": label, "voted": elector.pk in voted,
                     "area": f"{elector.area_weight:.2f}" if elector.area_weight else ""})
    return rows
