"""Staff acting for residents who cannot use a phone (代办): proposing a topic, 附议, speaking in the
discussion and evaluating the outcome, each stored as the resident's (``registry.on_behalf``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.models import Area, Level
from gongzhi.cases.models import Rating
from gongzhi.registry.on_behalf import OnBehalfForm, on_behalf_page

from .. import follow_up, selectors, topics
from ..models import ScopeKind


class ProposeForm(OnBehalfForm):
    title = forms.CharField(label=gettext_lazy("议题"), max_length=200)
    description = forms.CharField(label=gettext_lazy("情况和诉求（按居民所说填写）"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    area = forms.ChoiceField(label=gettext_lazy("议题范围"))

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = {str(a.pk): a for a in areas}
        self.fields["area"].choices = [(pk, a.name) for pk, a in self.areas.items()]


class SupportForm(OnBehalfForm):
    pass


class CommentForm(OnBehalfForm):
    text = forms.CharField(label=gettext_lazy("发言内容（按居民所说填写）"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class EvaluateForm(OnBehalfForm):
    rating = forms.TypedChoiceField(label=gettext_lazy("居民对落实结果的满意度"), coerce=int,
                                    choices=sorted(Rating.choices, reverse=True), widget=forms.RadioSelect,
                                    error_messages={"required": gettext_lazy("请选择满意度。")})
    comment = forms.CharField(label=gettext_lazy("意见建议（可选）"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class RepresentativeForm(OnBehalfForm):
    member = forms.ChoiceField(label=gettext_lazy("户主指定的户代表"), required=False,
                               help_text=gettext_lazy("先查找并选择户主；户代表须是本户年满十八周岁的成员"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        note = self.fields["note"]  # a mandate: how the head gave it is written down
        note.required, note.label = True, _("户主如何委托")
        note.help_text = _("如：户主到窗口书面委托；电话委托时家人在场。仅工作人员和审计可见")
        note.error_messages["required"] = _("请填写代办说明（居民的原话或情况）。")
        self.fields["member"].choices = [("", _("取消户代表（由户主本人投票）"))] + list(members)


def _household_members(people) -> list[tuple[str, str]]:
    """The adult members of the households whose heads were found, for the representative's choice."""
    from ..votes import household_members

    choices = []
    for head in people:
        if head.household_id and head.household.head_id == head.pk:
            choices += [(str(m.pk), _("%(head)s户：%(member)s") % {"head": head.real_name, "member": m.real_name})
                        for m in household_members(head)]
    return choices


def _community(topic_or_area) -> Area:
    area = getattr(topic_or_area, "area", topic_or_area)
    return topics._community(area)


def _staff_topic(request, pk: int):
    topic = selectors.topic_for(request.user, pk)
    if not topics.is_staff_for(request.user, topic.area):
        raise Http404
    return topic


@login_required
def propose(request):
    communities = [a for a in selectors.managed_areas(request.user) if a.level == Level.COMMUNITY]
    if not communities:
        raise Http404
    community = next((a for a in communities if str(a.pk) == request.GET.get("area")), communities[0])
    areas = [community, *Area.objects.filter(parent=community, level=Level.GRID).order_by("name")]

    def submit(form):
        area = form.areas[form.cleaned_data["area"]]
        topics.propose(actor=request.user, title=form.cleaned_data["title"],
                       description=form.cleaned_data["description"], area=area,
                       scope_kind=ScopeKind.GRID if area.level == Level.GRID else ScopeKind.COMMUNITY,
                       on_behalf=form.on_behalf(), request=request)

    return on_behalf_page(
        request, area=community, perm=topics.MANAGE, title=_("代居民提出议题"),
        subject=_("议题记在居民名下，按协商事项目录审核，结果通知居民。"), form_class=ProposeForm,
        form_kwargs={"areas": areas}, submit=submit, back_url=reverse("deliberation:topic_list"),
        done=_("已代居民提出议题，待审核。"))


@login_required
def support(request, pk: int):
    topic = _staff_topic(request, pk)
    return on_behalf_page(
        request, area=_community(topic), perm=topics.MANAGE, title=_("代居民附议"),
        subject=_("议题：%(title)s") % {"title": topic.title}, form_class=SupportForm,
        submit=lambda form: topics.support(actor=request.user, topic=topic, on_behalf=form.on_behalf(),
                                           request=request),
        back_url=reverse("deliberation:topic_detail", args=[topic.pk]), done=_("已代居民附议。"))


@login_required
def comment(request, pk: int):
    topic = _staff_topic(request, pk)
    return on_behalf_page(
        request, area=_community(topic), perm=topics.MANAGE, title=_("代居民发言"),
        subject=_("议题：%(title)s") % {"title": topic.title}, form_class=CommentForm,
        submit=lambda form: topics.comment(actor=request.user, topic=topic, text=form.cleaned_data["text"],
                                           on_behalf=form.on_behalf(), request=request),
        back_url=reverse("deliberation:topic_detail", args=[topic.pk]) + "#discussion",
        done=_("已代居民发言。"))


@login_required
def evaluate(request, pk: int):
    topic = follow_up.managed_topic(request.user, pk)
    return on_behalf_page(
        request, area=topic.area, perm=topics.MANAGE, title=_("代居民评价落实结果"),
        subject=_("议题：%(title)s") % {"title": topic.title}, form_class=EvaluateForm,
        submit=lambda form: follow_up.evaluate(actor=request.user, topic=topic, rating=form.cleaned_data["rating"],
                                               comment=form.cleaned_data["comment"], on_behalf=form.on_behalf(),
                                               request=request),
        back_url=reverse("deliberation:topic_tasks", args=[topic.pk]), done=_("已代居民评价。"))


@login_required
def representative(request, pk: int):
    from ..votes import name_representative
    from .votes import _managed_vote

    vote = _managed_vote(request, pk)

    def submit(form):
        member = form.cleaned_data["member"]
        name_representative(actor=request.user, member_id=int(member) if member else None,
                            on_behalf=form.on_behalf(), request=request)

    return on_behalf_page(
        request, area=_community(vote.area), perm=topics.MANAGE, title=_("代户主指定户代表"),
        subject=_("按户表决时，户代表可代表本户投票；户主本人也可投票，每户只计一票。"), form_class=RepresentativeForm,
        form_kwargs=lambda people: {"members": _household_members(people)}, submit=submit,
        back_url=reverse("deliberation:vote", args=[vote.pk]), done=_("已按户主的意见办理户代表。"))


urls = [
    path("votes/<int:pk>/representative/on-behalf/", representative, name="vote_representative_on_behalf"),
    path("topics/new/on-behalf/", propose, name="topic_propose_on_behalf"),
    path("topics/<int:pk>/support/on-behalf/", support, name="topic_support_on_behalf"),
    path("topics/<int:pk>/comments/on-behalf/", comment, name="topic_comment_on_behalf"),
    path("topics/<int:pk>/evaluate/on-behalf/", evaluate, name="topic_evaluate_on_behalf"),
]
