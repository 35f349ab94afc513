"""The votes API at /api/v1/votes (issue 13's fixed interface).

- ``POST /votes`` (staff holding ``deliberation.manage`` in the scope) → 201 with the vote;
- ``GET /votes/{id}``; ``GET /votes/{id}/result``; ``GET /votes/{id}/ledger`` (no secret choice in it);
- ``POST /votes/{id}/ballots`` ``{"choice"}`` → 201 with the receipt; 409 ``already_voted`` when the
  caller (or their household) voted; 403 ``not_eligible``; 400 ``vote_not_open``.

A vote is a public record: any signed-in account may read it, its result and its ledger.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from gongzhi.areas.models import Area
from gongzhi.core import ratelimit
from gongzhi.core.api import ApiErrorOut
from gongzhi.core.errors import InvalidInput

from . import vote_selectors as selectors
from . import votes as services
from .models import Electorate, Rule, Vote

router = Router(tags=["votes"])
MAX_ID = 2**63 - 1

ElectorateName = Literal["residents", "households", "committee", "owners", "party_members",
                         "villager_representatives"]
RuleName = Literal["simple_majority", "two_thirds", "households_60", "owners_ordinary", "owners_major",
                   "residents_meeting", "villagers_meeting", "representatives_meeting", "party_members_meeting"]


class VoteIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    scope: str = Field(..., min_length=1, max_length=20, description="area code (community, grid…)")
    electorate: ElectorateName
    options: list[str] = Field(default_factory=lambda: list(services.YES_NO_ABSTAIN), min_length=2, max_length=20)
    opens: datetime.datetime
    closes: datetime.datetime
    rule: RuleName = "simple_majority"
    secret: bool = True
    description: str = Field("", max_length=5000)


class RollOut(Schema):
    count: int
    households: int
    area: str


class VoteOut(Schema):
    id: int
    title: str
    description: str
    scope: str
    scope_name: str
    electorate: str
    electorate_label: str
    rule: str
    rule_label: str
    options: list[str]
    opens: datetime.datetime
    closes: datetime.datetime
    secret: bool
    state: str
    roll: RollOut
    ballots: int
    ledger_head: str
    topic: int | None

    @staticmethod
    def resolve_scope(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_scope_name(obj) -> str:
        return obj.area.name

    @staticmethod
    def resolve_electorate_label(obj) -> str:
        return str(Electorate(obj.electorate).label)

    @staticmethod
    def resolve_rule_label(obj) -> str:
        return str(Rule(obj.rule).label)

    @staticmethod
    def resolve_roll(obj) -> dict:
        return {"count": obj.roll_count, "households": obj.roll_households, "area": f"{obj.roll_area:.2f}"}

    @staticmethod
    def resolve_ballots(obj) -> int:
        return obj.ledger_length

    @staticmethod
    def resolve_topic(obj) -> int | None:
        return obj.topic_id


class BallotIn(Schema):
    choice: str = Field(..., max_length=200)


class ReceiptOut(Schema):
    receipt: str
    vote: int
    seq: int
    hash: str
    at: datetime.datetime


class CheckOut(Schema):
    name: str
    required: str
    actual: str
    met: bool
    numerator: str
    denominator: str


class ResultOut(Schema):
    counts: dict[str, int]
    turnout: dict[str, Any]
    passed: bool
    checks: list[CheckOut]
    rule: str
    rule_label: str
    leader: str
    summary: str
    final: bool
    cancelled: bool
    ledger_length: int
    ledger_head: str


class LedgerEntryOut(Schema):
    seq: int
    receipt: str
    hash: str
    prev_hash: str
    kind: str
    method: str
    commitment: str
    choice: str = Field(description="empty for a secret ballot")
    area_weight: str
    counts: dict[str, Any] | None
    at: str


def _vote(pk: int) -> Vote:
    """A vote whose result and ledger are public (公开可核验): any signed-in caller may read them."""
    return get_object_or_404(Vote.objects.select_related("area"), pk=pk)


def _visible_vote(request, pk: int) -> Vote:
    """A vote of the caller's area (as the vote page): 404 for a vote elsewhere."""
    return get_object_or_404(selectors.votes_for(request.user), pk=pk)


@router.post("", response={201: VoteOut, 403: ApiErrorOut, 422: ApiErrorOut}, summary="Create a vote (staff)")
def create_vote(request, payload: VoteIn):
    area = Area.objects.filter(code=payload.scope.strip()).first()
    if area is None:
        raise InvalidInput(_("范围（区域代码）不存在。"), fields={"scope": _("区域代码不存在。")})
    draft = services.VoteDraft(title=payload.title, area=area, electorate=payload.electorate, rule=payload.rule,
                               options=payload.options, opens=payload.opens, closes=payload.closes,
                               secret=payload.secret, description=payload.description)
    vote = services.create_vote(actor=request.user, draft=draft, request=request)
    return Status(201, _vote(vote.pk))


@router.get("/{pk}", response=VoteOut, summary="One vote (404 when out of scope)")
def get_vote(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return _visible_vote(request, pk)


@router.post("/{pk}/ballots", response={201: ReceiptOut, 400: ApiErrorOut, 403: ApiErrorOut, 404: ApiErrorOut,
                                         409: ApiErrorOut, 422: ApiErrorOut, 429: ApiErrorOut},
             summary="Cast the caller's ballot (or their household's); returns the receipt")
def cast_ballot(request, payload: BallotIn, pk: int = Path(..., ge=1, le=MAX_ID)):
    _visible_vote(request, pk)
    ratelimit.check("ballot", request=request, user=request.user)
    entry = services.cast_ballot(user=request.user, vote_id=pk, choice=payload.choice, request=request)
    return Status(201, {"receipt": entry.receipt, "vote": pk, "seq": entry.seq, "hash": entry.hash, "at": entry.at})


@router.get("/{pk}/result", response=ResultOut, summary="The result, rule by rule (final once closed)")
def get_result(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    return services.final_result(_vote(pk))


@router.get("/{pk}/ledger", response=list[LedgerEntryOut], summary="The hash-chained ledger (no secret choice)")
def get_ledger(request, pk: int = Path(..., ge=1, le=MAX_ID)):
    vote = _vote(pk)
    return [services.public_entry(entry, secret=vote.secret) for entry in vote.ledger.order_by("seq")]
