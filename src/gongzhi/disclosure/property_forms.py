"""Forms of the property pages: they parse input; ``property_services`` checks and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.cases.models import Rating

from .models import ScoreCriterion


class CriterionForm(forms.ModelForm):
    class Meta:
        model = ScoreCriterion
        fields = ["name", "description", "max_points", "sort", "active"]


class WeightForm(forms.Form):
    sheet_weight = forms.IntegerField(label=_("考评表权重（%）"), min_value=0, max_value=100,
                                      help_text=_("其余为居民满意度的权重。"))


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("您对本小区本季度物业服务的评价"), coerce=int, choices=Rating.choices,
                                    widget=forms.RadioSelect)


class EvaluationForm(forms.Form):
    """The score sheet: one number per active criterion (``points_<id>``, 0 … its maximum) and comments."""

    def __init__(self, *args, criteria, evaluation=None, **kwargs):
        super().__init__(*args, **kwargs)
        given = {s.criterion_id: s.points for s in evaluation.scores.all()} if evaluation else {}
        for criterion in criteria:
            self.fields[f"points_{criterion.pk}"] = forms.CharField(
                label=_("%(name)s（满分%(max)d分）") % {"name": criterion.name, "max": criterion.max_points},
                help_text=criterion.description, initial=given.get(criterion.pk),
                widget=forms.NumberInput(attrs={"min": 0, "max": criterion.max_points, "step": "0.1",
                                                "inputmode": "decimal", "data-max": criterion.max_points}))
        self.fields["comments"] = forms.CharField(label=_("考评意见"), required=False, max_length=1000,
                                                  initial=evaluation.comments if evaluation else "",
                                                  widget=forms.Textarea(attrs={"rows": 4}))
        self.criteria = list(criteria)

    def points(self) -> dict:
        return {str(c.pk): self.data.get(f"points_{c.pk}", "") for c in self.criteria}
