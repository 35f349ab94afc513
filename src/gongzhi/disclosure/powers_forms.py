"""Forms of the small-powers pages: they parse input; ``powers_services`` checks and writes."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import paths_q

from .models import AppliesTo, ExerciseOutcome, PowerItem, PowerStep
from .powers_services import parse_steps

SEARCH_MAX_LENGTH = 50


def publishing_communities(user):
    """The communities (社区/村) where ``user`` may log exercises (``disclosure.publish``)."""
    paths = perm_paths(user, Perm.DISCLOSURE_PUBLISH)
    return Area.objects.filter(paths_q(paths, "path"), level=Level.COMMUNITY).order_by("code")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("事项名称或摘要")}))
    item = forms.ChoiceField(label=_("权力事项"), required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("全部事项"))] + [(i.code, i.name) for i in items]


class BlankTextInput(forms.TextInput):
    """A text input never filled back in: an ID number typed is not shown again on the answer page."""

    def format_value(self, value):
        return None


class ExerciseForm(forms.Form):
    """One exercise: the step it reached is chosen from the steps grouped by item (the item follows)."""

    area = forms.ModelChoiceField(label=_("社区/村"), queryset=Area.objects.none(), empty_label=None)
    step = forms.ChoiceField(label=_("权力事项及办理到的步骤"))
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    outcome = forms.ChoiceField(label=_("结果"), choices=ExerciseOutcome.choices)
    public_summary = forms.CharField(
        label=_("公开摘要"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("将在公开页面显示。不得写入姓名、身份证号、电话、住址等个人信息，可写“申请人”“某户”。"))
    subject_id_number = forms.CharField(
        label=_("当事人身份证号码（选填）"), required=False, max_length=20,
        help_text=_("关联辖区档案中的当事人，仅本辖区工作人员可见，不会公开。页面出错时须重新输入。"),
        widget=BlankTextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = publishing_communities(user)
        groups = []
        for item in PowerItem.objects.filter(active=True).prefetch_related("steps").order_by("sort", "code"):
            label = item.name if item.applies_to == AppliesTo.BOTH else f"{item.name}（{item.get_applies_to_display()}）"
            # The closed list shows only the option: it names the item too.
            groups.append((label, [(str(s.pk), f"{s.order}. {s.title}（{item.name}）") for s in item.steps.all()]))
        self.fields["step"].choices = [("", _("请选择"))] + groups
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def clean_step(self):
        step = PowerStep.objects.select_related("item").filter(pk=self.cleaned_data["step"]).first()
        if step is None:
            raise forms.ValidationError(_("请选择办理到的步骤。"))
        return step


class PowerItemForm(forms.ModelForm):
    steps = forms.CharField(
        label=_("办理步骤"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一个步骤，按顺序填写；“｜”后写承办人或机构，如“入户调查核实｜村（居）委会”。"))

    class Meta:
        model = PowerItem
        fields = ["code", "name", "applies_to", "legal_basis", "responsible", "time_limit", "description", "sort",
                  "active"]
        widgets = {"legal_basis": forms.Textarea(attrs={"rows": 3}), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean_steps(self):
        return parse_steps(self.cleaned_data["steps"])

    def validate_unique(self):  # the service checks the code (and reports it next to the field)
        pass
