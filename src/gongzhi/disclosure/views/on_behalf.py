"""Staff acting for residents who cannot use a phone (代办): a question on the community's disclosure
and the quarterly rating of the estate's property service, each stored as the resident's
(``registry.on_behalf``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.roles import Perm
from gongzhi.registry.on_behalf import OnBehalfForm, community_of, on_behalf_page

from .. import property_services, selectors, services_items
from ..models import DisclosureItem, Status
from .items import require_staff
from .property import _estates


class QuestionForm(OnBehalfForm):
    item = forms.ChoiceField(label=gettext_lazy("关于哪项公开内容"), required=False)
    text = forms.CharField(label=gettext_lazy("居民的问题"), max_length=services_items.QUESTION_MAX,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {str(i.pk): i for i in items}
        self.fields["item"].choices = [("", _("本社区的公开工作（不针对具体事项）"))] + [
            (pk, i.title) for pk, i in self.items.items()]


class RatingForm(OnBehalfForm):
    rating = forms.TypedChoiceField(label=gettext_lazy("居民对物业服务的满意程度"), coerce=int,
                                    choices=[(5, gettext_lazy("非常满意")), (4, gettext_lazy("满意")),
                                             (3, gettext_lazy("基本满意")), (2, gettext_lazy("不满意")),
                                             (1, gettext_lazy("非常不满意"))],
                                    widget=forms.RadioSelect,
                                    error_messages={"required": gettext_lazy("请选择满意程度。")})


@login_required
def ask(request):
    require_staff(request.user)
    communities = list(selectors.staff_communities(request.user).order_by("code")[:200])
    if not communities:
        raise Http404
    area = next((a for a in communities if a.code == request.GET.get("area")), communities[0])
    items = list(DisclosureItem.objects.filter(area=area, status=Status.PUBLISHED).order_by("-published_at")[:50])

    def submit(form):
        services_items.ask(actor=request.user, area=area, text=form.cleaned_data["text"],
                           item=form.items.get(form.cleaned_data["item"] or ""), on_behalf=form.on_behalf(),
                           request=request)

    return on_behalf_page(
        request, area=area, perm=Perm.DISCLOSURE_PUBLISH, title=_("代居民提问"),
        subject=_("%(area)s的居务公开。答复后居民有账号的会收到通知，其他居民请电话或上门告知。") % {"area": area.name},
        form_class=QuestionForm, form_kwargs={"items": items}, submit=submit,
        back_url=reverse("disclosure:manage_questions"), done=_("已代居民提问，请及时答复。"))


@login_required
def rate(request, pk: int):
    estate = get_object_or_404(_estates(request.user), pk=pk)
    year, quarter = property_services.current_quarter()
    return on_behalf_page(
        request, area=community_of(estate.area), perm=Perm.DISCLOSURE_PUBLISH, title=_("代居民评价物业服务"),
        subject=_("%(estate)s · %(period)s（每位居民每季度一次）") % {
            "estate": estate.name, "period": property_services.quarter_label(year, quarter)},
        form_class=RatingForm,
        submit=lambda form: property_services.rate(user=request.user, estate=estate,
                                                   rating=form.cleaned_data["rating"],
                                                   on_behalf=form.on_behalf(), request=request),
        back_url=reverse("disclosure:property"), done=_("已代居民评价物业服务。"))


urls = [
    path("manage/questions/on-behalf/", ask, name="question_on_behalf"),
    path("property/estates/<int:pk>/rate/on-behalf/", rate, name="property_rate_on_behalf"),
]
