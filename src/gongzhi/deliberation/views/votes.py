"""Vote pages: the list, creating a vote, the ballot, staff entry of paper ballots and tallies, and
the public result and ledger (readable without login: anyone can check the chain and a receipt)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongzhi.accounts.permissions import has_perm
from gongzhi.core import ratelimit
from gongzhi.core.errors import DomainError
from gongzhi.privacy.masking import mask_name
from gongzhi.core.pagination import page_query, page_size_for

from .. import vote_selectors as selectors
from .. import votes as services
from ..models import HouseholdRepresentative, Participation, Topic, Vote
from ..vote_forms import BallotForm, CancelForm, PaperBallotForm, TallyForm, VoteForm

PAGE_SIZE = 20
LEDGER_PAGE_SIZE = 100



@login_required
@require_GET
def vote_list(request):
    state = request.GET.get("state", "")
    state = state if state in selectors.STATES else ""
    q = request.GET.get("q", "").strip()[:100]
    votes = selectors.filtered(selectors.votes_for(request.user), state=state, q=q)
    page = Paginator(votes, page_size_for(request.user, PAGE_SIZE)).get_page(request.GET.get("page"))
    voted = selectors.voted_ids(request.user, page.object_list)
    return render(request, "deliberation/vote_list.html", {
        "page": page, "state": state, "q": q, "query": page_query(request), "voted": voted,
        "may_create": has_perm(request.user, services.MANAGE), "states": [
            ("", _("全部")), ("open", _("进行中")), ("pending", _("未开始")), ("closed", _("已结束"))],
    })


def _topic_from(request):
    raw = request.GET.get("topic") or request.POST.get("topic")
    if not raw or not str(raw).isdigit():
        return None
    return Topic.objects.visible_to(request.user).filter(pk=int(raw)).first()


@login_required
@require_http_methods(["GET", "POST"])
def vote_create(request):
    if not has_perm(request.user, services.MANAGE):
        raise PermissionDenied
    topic = _topic_from(request)
    initial = {"title": topic.title, "area": topic.area_id, "estate": topic.estate_id} if topic else {}
    form = VoteForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = services.VoteDraft(
            title=data["title"], description=data["description"], area=data["area"], estate=data["estate"],
            electorate=data["electorate"], rule=data["rule"], options=data["options"], opens=data["opens"],
            closes=data["closes"], secret=data["secret"], topic=topic)
        try:
            vote = services.create_vote(actor=request.user, draft=draft, request=request)
        except DomainError as error:
            for field, message in error.fields.items():
                form.add_error(field if field in form.fields else None, message)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("已发起表决“%(title)s”，名册 %(n)s 人（户）。") % {
                "title": vote.title, "n": vote.roll_count})
            return redirect("deliberation:vote", pk=vote.pk)
    return render(request, "deliberation/vote_form.html", {"form": form, "topic": topic})


def _visible_vote(request, pk: int) -> Vote:
    vote = selectors.votes_for(request.user).filter(pk=pk).first()
    if vote is None:
        raise Http404
    return vote


@login_required
@require_GET
def vote_detail(request, pk: int):
    vote = _visible_vote(request, pk)
    manage = selectors.manages(request.user, vote)
    return render(request, "deliberation/vote_detail.html", _detail_context(request, vote, manage))


def _detail_context(request, vote: Vote, manage: bool, **forms) -> dict:
    eligible, reason, voted = False, "", False
    try:
        elector = services.elector_for(vote, request.user)
    except services.AlreadyVoted:  # another member of the household voted for it
        voted = True
    except services.NotEligible as refused:
        reason = refused.message
    else:
        eligible = True
        voted = Participation.objects.filter(vote=vote, elector=elector).exists()
    context = {
        "vote": vote, "manage": manage, "eligible": eligible, "not_eligible_reason": reason, "voted": voted,
        "result": services.final_result(vote) if vote.state != "pending" else None,
        "ballot_form": forms.get("ballot_form") or BallotForm(vote=vote),
        "is_yes_no": services.is_yes_no(vote.options),
        "receipt": request.session.get(f"vote_receipt_{vote.pk}", "") if voted else "",
    }
    person = services.person_of(request.user)
    if vote.by_household and person is not None and person.household_id and person.household.head_id == person.pk:
        current = HouseholdRepresentative.objects.filter(household_id=person.household_id).first()
        context.update(household_members=[(m.pk, mask_name(m.real_name)) for m in services.household_members(person)],
                       representative_id=current.person_id if current else None)
    if manage:
        q = request.GET.get("elector_q", "").strip()[:50]
        context.update({
            "paper_form": forms.get("paper_form") or PaperBallotForm(vote=vote),
            "tally_form": forms.get("tally_form") or TallyForm(vote=vote),
            "cancel_form": forms.get("cancel_form") or CancelForm(),
            "elector_q": q, "electors": selectors.roll_search(vote, q) if q else [],
            "participations": vote.participations.count(),
        })
    return context


@login_required
@require_POST
def vote_representative(request, pk: int):
    vote = _visible_vote(request, pk)
    raw = request.POST.get("member", "")
    try:
        named = services.name_representative(actor=request.user, member_id=int(raw) if raw.isdigit() else None,
                                             request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已指定户代表，按户表决时户代表可代表本户投票。") if named
                         else _("已取消户代表，由户主本人投票。"))
    return redirect("deliberation:vote", pk=vote.pk)


@login_required
@require_POST
def vote_cast(request, pk: int):
    vote = _visible_vote(request, pk)
    try:
        ratelimit.check("ballot", request=request, user=request.user)
    except ratelimit.RateLimited as refusal:
        messages.error(request, refusal.message)
        return redirect("deliberation:vote", pk=vote.pk)
    form = BallotForm(request.POST, vote=vote)
    if form.is_valid():
        try:
            entry = services.cast_ballot(user=request.user, vote_id=vote.pk, choice=form.cleaned_data["choice"],
                                         request=request)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("deliberation:vote", pk=vote.pk)
        request.session[f"vote_receipt_{vote.pk}"] = entry.receipt
        messages.success(request, _("投票成功。请保存您的回执号，可在公开账本中核对您的选票已被计入。"))
        return redirect("deliberation:vote", pk=vote.pk)
    vote.refresh_from_db()
    return render(request, "deliberation/vote_detail.html",
                  _detail_context(request, vote, selectors.manages(request.user, vote), ballot_form=form), status=422)


def _managed_vote(request, pk: int) -> Vote:
    vote = _visible_vote(request, pk)
    if not selectors.manages(request.user, vote):
        raise PermissionDenied
    return vote


@login_required
@require_POST
def vote_paper(request, pk: int):
    vote = _managed_vote(request, pk)
    form = PaperBallotForm(request.POST, vote=vote)
    if form.is_valid():
        try:
            entry = services.enter_paper_ballot(actor=request.user, vote_id=vote.pk,
                                                elector_id=form.cleaned_data["elector"],
                                                choice=form.cleaned_data["choice"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已录入纸质选票（第 %(seq)s 条，回执 %(receipt)s）。") % {
                "seq": entry.seq, "receipt": entry.receipt})
    else:
        messages.error(request, _("请从名册中选择表决人并选择选票上的选项。"))
    return redirect("deliberation:vote", pk=vote.pk)


@login_required
@require_POST
def vote_tally(request, pk: int):
    vote = _managed_vote(request, pk)
    form = TallyForm(request.POST, vote=vote)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.enter_tally(actor=request.user, vote_id=vote.pk, method=data["method"], counts=form.counts(),
                                 present=data["present"], present_households=data["present_households"] or 0,
                                 note=data["note"], request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已录入现场计票结果。"))
            return redirect("deliberation:vote", pk=vote.pk)
    return render(request, "deliberation/vote_detail.html",
                  _detail_context(request, vote, True, tally_form=form), status=422)


@login_required
@require_POST
def vote_cancel(request, pk: int):
    vote = _managed_vote(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_vote(actor=request.user, vote=vote, reason=form.cleaned_data["reason"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("表决已撤销。"))
    else:
        messages.error(request, _("请填写撤销原因。"))
    return redirect("deliberation:vote", pk=vote.pk)


# --- Public: the result and the ledger ------------------------------------------------------------------

def _public_vote(pk: int) -> Vote:
    return get_object_or_404(Vote.objects.select_related("area"), pk=pk)


@require_GET
def vote_result(request, pk: int):
    vote = _public_vote(pk)
    result = services.final_result(vote) if vote.state != "pending" else None
    return render(request, "deliberation/vote_result.html", {"vote": vote, "result": result})


@require_GET
def vote_ledger(request, pk: int):
    vote = _public_vote(pk)
    receipt = request.GET.get("receipt", "").strip().upper().replace(" ", "")[:32]
    found = None
    if receipt:
        entry = vote.ledger.filter(receipt=receipt).first()
        found = services.public_entry(entry, secret=vote.secret) if entry else False
    page = Paginator(vote.ledger.order_by("seq"), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [services.public_entry(entry, secret=vote.secret) for entry in page.object_list]
    return render(request, "deliberation/vote_ledger.html", {
        "vote": vote, "page": page, "rows": rows, "receipt": receipt, "found": found,
        "query": page_query(request)})


@require_GET
def vote_ledger_json(request, pk: int):
    vote = _public_vote(pk)
    entries = [services.public_entry(entry, secret=vote.secret) for entry in vote.ledger.order_by("seq")]
    response = JsonResponse({"vote": vote.pk, "title": vote.title, "secret": vote.secret,
                             "head": vote.ledger_head, "length": vote.ledger_length, "entries": entries},
                            json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-ledger.json"'
    return response


urls = [
    path("votes/", vote_list, name="votes"),
    path("votes/new/", vote_create, name="vote_new"),
    path("votes/<int:pk>/", vote_detail, name="vote"),
    path("votes/<int:pk>/ballot/", vote_cast, name="vote_cast"),
    path("votes/<int:pk>/representative/", vote_representative, name="vote_representative"),
    path("votes/<int:pk>/paper/", vote_paper, name="vote_paper"),
    path("votes/<int:pk>/tally/", vote_tally, name="vote_tally"),
    path("votes/<int:pk>/cancel/", vote_cancel, name="vote_cancel"),
    path("votes/<int:pk>/result/", vote_result, name="vote_result"),
    path("votes/<int:pk>/ledger/", vote_ledger, name="vote_ledger"),
    path("votes/<int:pk>/ledger.json", vote_ledger_json, name="vote_ledger_json"),
]
