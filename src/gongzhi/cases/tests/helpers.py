"""Bringing a case to a given state through the services, for the transition tests."""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.cases import services
from gongzhi.cases.models import Case

NOW = timezone.make_aware(datetime.datetime(2026, 12, 2, 9, 0))  # a Wednesday in an ordinary week

# The steps (actor, action, params) that lead to each state from a fresh report. A callable param
# is called with the demo when the step is taken (a merge needs the case it joins).
PATHS: dict[str, list[tuple[str, str, dict]]] = {
    "reported": [],
    "accepted": [("community", "accept", {"category": "0303"})],
    "rejected": [("community", "reject", {"note": "不属于受理范围"})],
    "handling": [("community", "accept", {"category": "0101"}), ("community", "handle", {"level": "grid"})],
    "dispatched": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {})],
    "acknowledged": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
                     ("dept", "acknowledge", {})],
    "in_progress": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
                    ("dept", "acknowledge", {}), ("dept", "start", {})],
    "feedback": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
                 ("dept", "acknowledge", {}), ("dept", "start", {}), ("dept", "feedback", {"note": "已修复"})],
    "verified": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
                 ("dept", "acknowledge", {}), ("dept", "start", {}), ("dept", "feedback", {"note": "已修复"}),
                 ("grid", "verify", {})],
    "closed": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
               ("dept", "acknowledge", {}), ("dept", "start", {}), ("dept", "feedback", {"note": "已修复"}),
               ("grid", "verify", {}), ("street", "close", {})],
    "suspended": [("community", "accept", {"category": "0303"}),
                  ("street", "suspend", {"note": "需列入明年改造计划", "review_date": "2027-03-01"})],
    # Closed, and rated 不满意 by its reporter: the centre may reopen it.
    "closed:unsatisfied": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
                           ("dept", "acknowledge", {}), ("dept", "start", {}),
                           ("dept", "feedback", {"note": "已修复"}), ("grid", "verify", {}), ("street", "close", {}),
                           ("resident", "rate", {"rating": 2})],
    # Typed in by the street centre for a caller (热线录入) and closed: rated through a 回访.
    "closed:hotline": [("community", "accept", {"category": "0303"}), ("street", "dispatch", {}),
                       ("dept", "acknowledge", {}), ("dept", "start", {}), ("dept", "feedback", {"note": "已修复"}),
                       ("grid", "verify", {}), ("street", "close", {})],
    # Joined a case that is already closed: its reporter may rate at once.
    "merged": [("community", "merge", {"duplicate_of": lambda demo: case_in(demo, "closed").pk})],
}


def resolve(demo, params: dict) -> dict:
    """A copy of ``params`` with callable values replaced by what they return for ``demo``."""
    return {name: value(demo) if callable(value) else value for name, value in params.items()}


def another_resident(demo, username: str = "neighbour") -> User:
    """A second resident of the demo grid (the demo has one resident account), added to ``demo.users``."""
    user = User.objects.create(username=username, real_name="陈邻居", home_area=demo.grid)
    RoleAssignment.objects.create(user=user, role=Role.RESIDENT, area=demo.grid.parent)
    demo.users[username] = user
    return user


def new_case(demo, *, description: str = "幸福路人行道地砖破损，容易绊倒行人", now=NOW, **extra) -> Case:
    return services.report_case(actor=demo.users["resident"], description=description, lon=demo.lon, lat=demo.lat,
                                now=now, **extra)


#: How a state's case is reported, when not by the demo resident.
REPORTED_AS = {"closed:hotline": {"source": "hotline", "reporter_name": "来电市民", "reporter_phone": "13800000009"}}


def case_in(demo, state: str, **extra) -> Case:
    """A case brought to ``state`` (a status, or "status:variant" for a variant of PATHS)."""
    case = new_case(demo, **{**REPORTED_AS.get(state, {}), **extra})
    moment = NOW
    for username, action, params in PATHS[state]:
        moment += datetime.timedelta(minutes=10)
        if action == "close" and case.status == "closed":
            continue  # the district closes on verification (the ``closes_on_verify`` fixture)
        params = resolve(demo, params)
        note = params.pop("note", "")
        case = services.act(actor=demo.users[username], case=case, action=action, note=note, now=moment, **params)
    assert case.status == state.split(":")[0]
    return case
