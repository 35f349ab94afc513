"""The case state machine as one table: which action moves a case from which states to which, and who
may take it. Services, the API, the pages' buttons and docs/cases.md all read this table.

The reference is the national digital urban management workflow (GB/T 30428): 信息收集 → 案卷建立
(accept / reject / merge) → 任务派遣 (dispatch; the handling clock starts) → 任务处理 (acknowledge
= 报到, start) → 处理反馈 (feedback) → 核查 (verify on site, or rework) → 结案 (close, by the centre;
automatic after verification only where the district says so) → 综合评价 (rate, or for cases typed
in for a caller the 12345 回访: callback). Small matters stay in the grid or the community (handle:
"小事不出网格、大事不出社区"). For categories configured so, the community blows the whistle itself
(社区吹哨、部门报到: dispatch by community staff) — the street sees and supervises it and may take
it over (takeover); otherwise the community refers the case to the street centre with a reason
(refer). A department may return a case that is not theirs, ask for more time (extend), and the
centre may suspend it as 挂账. An unsatisfied rating lets the centre reopen the case (reopen).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from gongzhi.accounts.permissions import has_perm
from gongzhi.accounts.roles import Perm, Role

from .models import Case, CaseStatus, HandlingLevel
from .models.case import department_ids

S = CaseStatus


class Actor(enum.StrEnum):
    """Who may take a step, relative to the case."""

    ACCEPTOR = "acceptor"  # cases.accept where the case is (community staff, the street centre)
    DISPATCHER = "dispatcher"  # cases.dispatch where the case is (the street centre, the district)
    COMMUNITY = "community"  # community staff holding cases.accept where the case is
    WHISTLER = "whistler"  # community staff, for a category the communities may whistle (社区吹哨)
    HANDLER = "handler"  # whoever handles the case at its level: the grid, the community or the lead department
    LEAD_DEPARTMENT = "lead_department"  # staff of the lead department
    VERIFIER = "verifier"  # cases.verify where the case is (its grid worker, community staff, the centre)
    SUPERVISOR = "supervisor"  # cases.supervise where the case is (the street centre, the district)
    # Who closes: the centre (cases.supervise); once verified, a grid or community case is closed by
    # the community that accepted it (cases.accept where it is).
    CLOSER = "closer"
    # 12345 回访: the centre (cases.supervise where the case is), never someone who handled the case
    # or typed it in.
    CALLBACK = "callback"
    REPORTER = "reporter"  # the resident (or worker) who reported it


@dataclass(frozen=True)
class Transition:
    action: str
    label: str | Promise
    sources: frozenset[str]
    target: str | None  # None: the status stays (extend, rate)
    actors: tuple[Actor, ...]
    note_required: bool = False
    style: str = ""  # how the page shows its button: "", "primary", "danger"
    actor_labels: tuple[tuple[Actor, str | Promise], ...] = ()  # a different label when taken as this actor

    def label_as(self, actor: Actor | None) -> str | Promise:
        return dict(self.actor_labels).get(actor, self.label)


_RUNNING = frozenset({S.HANDLING, S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS})

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("accept", pgettext_lazy("action", "立案"), frozenset({S.REPORTED}), S.ACCEPTED, (Actor.ACCEPTOR,), style="primary"),
    Transition("reject", pgettext_lazy("action", "不予立案"), frozenset({S.REPORTED}), S.REJECTED, (Actor.ACCEPTOR,),
               note_required=True, style="danger"),
    Transition("merge", pgettext_lazy("action", "合并重复"), frozenset({S.REPORTED, S.ACCEPTED}), S.MERGED, (Actor.ACCEPTOR,)),
    Transition("handle", pgettext_lazy("action", "交网格/社区处置"), frozenset({S.ACCEPTED, S.SUSPENDED}), S.HANDLING, (Actor.ACCEPTOR,)),
    Transition("dispatch", pgettext_lazy("action", "派遣部门"), frozenset({S.ACCEPTED, S.HANDLING, S.SUSPENDED}), S.DISPATCHED,
               (Actor.DISPATCHER, Actor.WHISTLER), style="primary",
               actor_labels=((Actor.WHISTLER, pgettext_lazy("action", "社区吹哨（派遣部门）")),)),
    Transition("refer", pgettext_lazy("action", "提请街道派遣"), frozenset({S.ACCEPTED, S.HANDLING}), S.ACCEPTED,
               (Actor.COMMUNITY,), note_required=True),
    Transition("takeover", pgettext_lazy("action", "街道接管改派"), frozenset({S.DISPATCHED, S.ACKNOWLEDGED, S.IN_PROGRESS}),
               S.DISPATCHED, (Actor.DISPATCHER,), note_required=True),
    Transition("acknowledge", pgettext_lazy("action", "报到签收"), frozenset({S.DISPATCHED}), S.ACKNOWLEDGED, (Actor.LEAD_DEPARTMENT,),
               style="primary"),
    Transition("return", pgettext_lazy("action", "退回（非本部门职责）"), frozenset({S.DISPATCHED, S.ACKNOWLEDGED}), S.ACCEPTED,
               (Actor.LEAD_DEPARTMENT,), note_required=True, style="danger"),
    Transition("start", pgettext_lazy("action", "开始处置"), frozenset({S.ACKNOWLEDGED, S.HANDLING}), S.IN_PROGRESS, (Actor.HANDLER,),
               style="primary"),
    Transition("feedback", pgettext_lazy("action", "处置反馈"), frozenset({S.IN_PROGRESS}), S.FEEDBACK, (Actor.HANDLER,),
               note_required=True, style="primary"),
    Transition("verify", pgettext_lazy("action", "核查通过"), frozenset({S.FEEDBACK}), S.VERIFIED, (Actor.VERIFIER,), style="primary"),
    Transition("rework", pgettext_lazy("action", "核查不通过，返工"), frozenset({S.FEEDBACK, S.VERIFIED}), S.IN_PROGRESS,
               (Actor.VERIFIER, Actor.SUPERVISOR), note_required=True, style="danger"),
    # After verification the closing step; from 待核查 or 挂账 the centre may close with a reason.
    Transition("close", pgettext_lazy("action", "结案"), frozenset({S.VERIFIED, S.FEEDBACK, S.SUSPENDED}), S.CLOSED,
               (Actor.CLOSER,), style="primary"),
    # Asked by the handler (hours and a reason), decided by the centre (approve or refuse).
    Transition("extend", pgettext_lazy("action", "延期"), _RUNNING, None, (Actor.HANDLER, Actor.SUPERVISOR)),
    Transition("suspend", pgettext_lazy("action", "挂账"), frozenset({S.ACCEPTED, *_RUNNING}), S.SUSPENDED, (Actor.SUPERVISOR,),
               note_required=True),
    Transition("rate", pgettext_lazy("action", "评价"), frozenset({S.CLOSED, S.MERGED}), None, (Actor.REPORTER,), style="primary"),
    Transition("callback", pgettext_lazy("action", "回访"), frozenset({S.CLOSED}), None, (Actor.CALLBACK,), style="primary"),
    Transition("reopen", pgettext_lazy("action", "不满意重办"), frozenset({S.CLOSED}), S.ACCEPTED, (Actor.SUPERVISOR,),
               note_required=True, style="danger"),
)}
ACTIONS = tuple(TRANSITIONS)


def role_paths(user, role: str) -> tuple[str, ...]:
    """Area paths where the user holds ``role`` (cached on the user object)."""
    cache = user.__dict__.setdefault("_gongzhi_role_paths", {})
    if role not in cache:
        from gongzhi.accounts.models import RoleAssignment

        cache[role] = tuple(RoleAssignment.objects.filter(user=user, role=role, area__isnull=False)
                            .values_list("area__path", flat=True))
    return cache[role]


def _holds_role_over(user, roles: tuple[str, ...], case: Case) -> bool:
    path = case.area.path
    return any(path.startswith(prefix) for role in roles for prefix in role_paths(user, role))


# The roles that handle a case at each level (besides holding cases.handle where the case is).
HANDLING_ROLES = {
    HandlingLevel.GRID: (Role.GRID_WORKER, Role.COMMUNITY_STAFF),
    HandlingLevel.COMMUNITY: (Role.COMMUNITY_STAFF,),
}


def is_actor(user, case: Case, actor: Actor) -> bool:
    """Whether ``user`` stands in ``actor``'s place for ``case`` (the status is not looked at)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if actor is Actor.REPORTER:
        return case.reporter_id == user.pk
    if actor in (Actor.COMMUNITY, Actor.WHISTLER):
        if actor is Actor.WHISTLER and not (case.category_id and case.category.community_whistle):
            return False
        return has_perm(user, Perm.CASES_ACCEPT, case.area) and _holds_role_over(user, (Role.COMMUNITY_STAFF,), case)
    if actor is Actor.CLOSER:
        # The status matters here: only a verified grid or community case is closed by its community.
        if has_perm(user, Perm.CASES_SUPERVISE, case.area):
            return True
        return (case.status == S.VERIFIED and case.level != HandlingLevel.DEPARTMENT
                and has_perm(user, Perm.CASES_ACCEPT, case.area))
    if actor is Actor.CALLBACK:
        return has_perm(user, Perm.CASES_SUPERVISE, case.area) and not took_part(user, case)
    if actor is Actor.LEAD_DEPARTMENT:
        return (case.lead_department_id is not None and case.lead_department_id in department_ids(user)
                and has_perm(user, Perm.CASES_HANDLE))
    if actor is Actor.HANDLER:
        if case.level == HandlingLevel.DEPARTMENT:
            return is_actor(user, case, Actor.LEAD_DEPARTMENT)
        roles = HANDLING_ROLES.get(case.level)
        return bool(roles) and has_perm(user, Perm.CASES_HANDLE, case.area) and _holds_role_over(user, roles, case)
    perm = {Actor.ACCEPTOR: Perm.CASES_ACCEPT, Actor.DISPATCHER: Perm.CASES_DISPATCH,
            Actor.VERIFIER: Perm.CASES_VERIFY, Actor.SUPERVISOR: Perm.CASES_SUPERVISE}[actor]
    return has_perm(user, perm, case.area)


#: Steps that make someone part of handling a case: they may not call its reporter back.
HANDLING_STEPS = ("handle", "dispatch", "takeover", "acknowledge", "start", "feedback", "extend")


def took_part(user, case: Case) -> bool:
    """Whether ``user`` typed the case in or handled it (a 回访 must be made by someone else)."""
    from .models import CaseEvent

    if case.reporter_id == user.pk or is_actor(user, case, Actor.LEAD_DEPARTMENT):
        return True
    return CaseEvent.objects.filter(case=case, actor=user, action__in=HANDLING_STEPS).exists()


def acting_as(user, case: Case, transition: Transition) -> Actor | None:
    """The first of the transition's actors the user stands for, or None."""
    return next((actor for actor in transition.actors if is_actor(user, case, actor)), None)


def status_allows(case: Case, transition: Transition) -> bool:
    if case.status not in transition.sources:
        return False
    if transition.action == "rate":
        # A merged case shares its outcome: its reporter rates once the case it joined is closed.
        # Cases typed in for a caller are rated through the callback, not by the typist.
        closed = case.status == S.CLOSED or (case.merged_into is not None and case.merged_into.status == S.CLOSED)
        return closed and awaits_rating(case) and not case.rated_by_callback
    if transition.action == "callback":
        return case.rated_by_callback and awaits_rating(case)
    if transition.action == "reopen":
        return case.rating is not None and case.rating <= UNSATISFIED_UP_TO and not awaits_rating(case)
    return True


#: Ratings of 不满意 (2) and 非常不满意 (1): the centre may reopen the case.
UNSATISFIED_UP_TO = 2


def awaits_rating(case: Case) -> bool:
    """Not rated since it was (last) closed: never rated, or rated before a reopening."""
    return case.rating is None or (case.rated_at is not None and case.closed_at is not None
                                   and case.rated_at < case.closed_at)


def available_actions(user, case: Case) -> list[Transition]:
    """The steps ``user`` may take on ``case`` now (what the page shows as buttons)."""
    return [t for t in TRANSITIONS.values() if status_allows(case, t) and acting_as(user, case, t) is not None]


def action_label(user, case: Case, transition: Transition) -> str:
    """The button's words for this user: the community's dispatch is its whistle."""
    if not transition.actor_labels:  # most steps: no second look at who the user stands for
        return str(transition.label)
    return str(transition.label_as(acting_as(user, case, transition)))
