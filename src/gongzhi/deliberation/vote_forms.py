"""Forms of the vote pages: creating a vote, a ballot, a paper ballot and an on-the-spot tally."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area, Level
from gongzhi.registry.models import Estate

from . import votes
from .models import BallotMethod, Electorate, Rule

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _default_opens():
    return timezone.localtime().replace(second=0, microsecond=0)


def _default_closes():
    return _default_opens() + datetime.timedelta(days=7)


class VoteForm(forms.Form):
    title = forms.CharField(label=_("表决事项"), max_length=200)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=5000)
    area = forms.ModelChoiceField(label=_("表决范围"), queryset=Area.objects.none(),
                                  error_messages={"invalid_choice": _("请选择您辖区内的社区、村或网格。")})
    estate = forms.ModelChoiceField(label=_("限定小区（可选）"), queryset=Estate.objects.none(), required=False)
    electorate = forms.ChoiceField(label=_("表决主体"), choices=Electorate.choices)
    rule = forms.ChoiceField(label=_("表决规则"), choices=Rule.choices)
    options = forms.CharField(label=_("选项（每行一个）"), widget=forms.Textarea(attrs={"rows": 4}),
                              initial="\n".join(votes.YES_NO_ABSTAIN),
                              help_text=_("“同意、反对、弃权”按同意票计算；其他选项以得票最多者为结果，并列则不通过。"))
    opens = forms.DateTimeField(label=_("开始时间"), widget=DATETIME_INPUT, initial=_default_opens)
    closes = forms.DateTimeField(label=_("截止时间"), widget=DATETIME_INPUT, initial=_default_closes)
    secret = forms.BooleanField(label=_("无记名投票（账本不公开选择，不显示投票人与选项的对应）"), required=False,
                                initial=True)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        areas = (Area.objects.visible_to(user).filter(level__in=(Level.COMMUNITY, Level.GRID))
                 .order_by("path"))
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda area: (
            f"{area.name}（{area.code}）" if area.level == Level.COMMUNITY else f"　{area.name}（{area.code}）")
        self.fields["estate"].queryset = Estate.objects.filter(
            pk__in=list(Estate.objects.visible_to(user).order_by("name").values_list("pk", flat=True)[:500]))

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class BallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("您的选择"), widget=forms.RadioSelect,
                               error_messages={"required": _("请选择一项。")})
    confirm = forms.BooleanField(label=_("我已确认选择，提交后不能更改"),
                                 error_messages={"required": _("请勾选确认后再提交。")})

    def __init__(self, *args, vote=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(option, option) for option in vote.options]


class PaperBallotForm(forms.Form):
    elector = forms.IntegerField(label=_("表决人"), widget=forms.HiddenInput)
    choice = forms.ChoiceField(label=_("选票上的选择"))

    def __init__(self, *args, vote=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(option, option) for option in vote.options]


class TallyForm(forms.Form):
    method = forms.ChoiceField(label=_("计票方式"), choices=[(BallotMethod.HANDS, BallotMethod.HANDS.label),
                                                          (BallotMethod.PAPER, BallotMethod.PAPER.label)])
    present = forms.IntegerField(label=_("到会人数"), min_value=0)
    present_households = forms.IntegerField(label=_("到会户数（村民会议）"), min_value=0, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, vote=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = list(vote.options)
        for index, option in enumerate(self.options):
            self.fields[f"count_{index}"] = forms.IntegerField(label=_("“%(option)s”票数") % {"option": option},
                                                               min_value=0, initial=0)

    def counts(self) -> dict[str, int]:
        return {option: self.cleaned_data[f"count_{index}"] for index, option in enumerate(self.options)}


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200)
