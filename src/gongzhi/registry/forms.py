"""Forms of the community-records pages: list filters, person edits, tags, moves, field visits.

Forms only parse input; every write goes through ``registry.services`` (permission, validation,
audit), and the service's ``ValidationError`` is put back on the form next to its field.
"""

from __future__ import annotations

import datetime
import hashlib
from html import escape
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.permissions import perm_paths
from gongzhi.accounts.roles import Perm
from gongzhi.areas.models import Area, Level
from gongzhi.areas.scope import scope_paths

from . import services
from .choices import (
    MANAGEMENT_MODE_HELP,
    Employment,
    EstateKind,
    FacilityCategory,
    Gender,
    HouseUse,
    ManagementMode,
    MoveKind,
    OrganisationKind,
    Registration,
    RelationToHead,
    ResidenceStatus,
)
from .models import Person, SpecialGroup
from .selectors import PERSON_ORDERS

# Age bands offered on the person list: code -> (label, age_min, age_max).
AGE_BANDS = {
    "0-17": (_("0–17 岁"), 0, 17),
    "18-59": (_("18–59 岁"), 18, 59),
    "60-79": (_("60–79 岁"), 60, 79),
    "80+": (_("80 岁及以上"), 80, None),
}
ORDER_LABELS = {
    "name": _("姓名"),
    "-name": _("姓名（倒序）"),
    "birth_date": _("出生日期（年长在前）"),
    "-birth_date": _("出生日期（年幼在前）"),
    "updated": _("最近更新"),
}
FILTER_AREA_LEVELS = (Level.STREET, Level.COMMUNITY, Level.GRID)
SEARCH_MAX_LENGTH = 50


def _blank(label) -> list[tuple[str, Any]]:
    return [("", label)]


# The filter bars' area and group options, kept for a few minutes: a district's bar lists every
# street, community and grid (thousands of areas), read and built anew on every list page before.
# Saving an area or a group starts a new generation in this process; other processes see
# the change within ``CHOICES_SECONDS``.
CHOICES_SECONDS = 300
_GENERATION_KEY = "registry:choices:generation"


def _generation() -> int:
    return cache.get_or_set(_GENERATION_KEY, 1, None)


def forget_choices(**_signal) -> None:
    """A new generation of cached filter options (connected to saves of areas and groups)."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:
        cache.set(_GENERATION_KEY, 1, None)


def area_choices(user, levels=FILTER_AREA_LEVELS) -> list[tuple[str, str]]:
    """Areas of the user's registry scope to filter by, indented by level (one query, or none)."""
    from .selectors import _view_q

    paths = ",".join(sorted(set(scope_paths(user)))) + "|" + ",".join(perm_paths(user, Perm.REGISTRY_VIEW))
    key = "registry:area-choices:%d:%s" % (_generation(), hashlib.sha256(
        f"{paths}|{','.join(levels)}".encode()).hexdigest())

    def read() -> list[tuple[str, str]]:
        areas = (Area.objects.visible_to(user).filter(_view_q(user, "path"), level__in=levels)
                 .order_by("path").values_list("code", "name", "level"))
        indent = {Level.DISTRICT: "", Level.STREET: "", Level.COMMUNITY: "　", Level.GRID: "　　"}
        return [(code, f"{indent.get(level, '')}{name}") for code, name, level in areas]

    return cache.get_or_set(key, read, CHOICES_SECONDS)


def group_ids() -> dict[str, int]:
    """Every special group's id by code (kept like the options: filters probe tags by group id)."""
    return cache.get_or_set(f"registry:group-ids:{_generation()}",
                            lambda: dict(SpecialGroup.objects.values_list("code", "pk")), CHOICES_SECONDS)


def group_choices() -> list[tuple[str, str]]:
    return cache.get_or_set(
        f"registry:group-choices:{_generation()}",
        lambda: list(SpecialGroup.objects.filter(active=True).order_by("order", "code").values_list("code", "name")),
        CHOICES_SECONDS)


class PlainSelect(forms.Select):
    """The same ``<select>`` markup as Django's, written in Python.

    Django renders every option through a template: a district's filter bar (hundreds to
    thousands of areas) cost more than the page's own queries. ``html.escape`` is what Django's
    ``escape`` calls, without its check for lazy arguments on every call.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))

        def options(choices) -> str:
            return "".join(
                f'<option value="{escape(str(code))}"{" selected" if str(code) in chosen else ""}>'
                f'{escape(str(label))}</option>'
                for code, label in choices)

        parts = [f'<optgroup label="{escape(str(code))}">{options(label)}</optgroup>' if isinstance(label, (list, tuple))
                 else options([(code, label)]) for code, label in self.choices]
        final_attrs = self.build_attrs(self.attrs, attrs)
        return mark_safe(f'<select name="{escape(str(name))}"{flatatt(final_attrs)}>{"".join(parts)}</select>')  # noqa: S308


class _GetForm(forms.Form):
    """A GET filter form: invalid values are reported and then ignored, never an error page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = PlainSelect(attrs=field.widget.attrs, choices=field.widget.choices)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class PersonFilterForm(_GetForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={
                            "type": "search",
                            "placeholder": _("姓名、拼音或首字母、证件/电话后四位、地址"),
                        }))
    area = forms.ChoiceField(label=_("区域"), required=False)
    age = forms.ChoiceField(label=_("年龄段"), required=False,
                            choices=_blank(_("全部年龄")) + [(k, v[0]) for k, v in AGE_BANDS.items()])
    tag = forms.ChoiceField(label=_("特殊人群"), required=False)
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=_blank(_("全部性别")) + Gender.choices)
    registration = forms.ChoiceField(label=_("户籍类别"), required=False,
                                     choices=_blank(_("户籍/非户籍")) + Registration.choices)
    residence_status = forms.ChoiceField(label=_("居住状态"), required=False,
                                         choices=_blank(_("全部居住状态")) + ResidenceStatus.choices)
    order = forms.ChoiceField(label=_("排序"), required=False,
                              choices=[(k, ORDER_LABELS[k]) for k in PERSON_ORDERS])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _blank(_("全部区域")) + area_choices(user)
        self.fields["tag"].choices = _blank(_("全部人群")) + group_choices()

    def selector_arguments(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.persons_for``."""
        f = self.filters()
        args: dict[str, Any] = {"q": f.get("q", ""), "area_code": f.get("area"), "order": f.get("order", "name")}
        if "age" in f:
            _label, args["age_min"], args["age_max"] = AGE_BANDS[f["age"]]
        if "tag" in f:
            args["tags"] = [f["tag"]]
        for name in ("gender", "registration", "residence_status"):
            args[name] = f.get(name)
        return args


class HouseFilterForm(_GetForm):
    q = forms.CharField(label=_("地址"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("按地址搜索")}))
    area = forms.ChoiceField(label=_("区域"), required=False)
    use = forms.ChoiceField(label=_("用途"), required=False, choices=_blank(_("全部用途")) + HouseUse.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _blank(_("全部区域")) + area_choices(user)


class OrganisationFilterForm(_GetForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称、地址或信用代码")}))
    kind = forms.ChoiceField(label=_("类型"), required=False,
                             choices=_blank(_("全部类型")) + OrganisationKind.choices)


class EstateFilterForm(_GetForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("名称、地址、物业公司或业委会")}))
    area = forms.ChoiceField(label=_("区域"), required=False)
    management_mode = forms.ChoiceField(label=_("管理方式"), required=False,
                                        choices=_blank(_("全部管理方式")) + ManagementMode.choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _blank(_("全部区域")) + area_choices(user)


class EstateForm(forms.Form):
    """An estate's name, address and the bodies that run it. The property company and the 业委会 are
    offered from the organisations the editor may see in the estate's street and community
    (``selectors.organisation_choices``); the service checks them again."""

    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=EstateKind.choices)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    management_mode = forms.ChoiceField(
        label=_("管理方式"), required=False, choices=_blank(_("未填写")) + ManagementMode.choices,
        help_text=format_lazy("；".join(["{}：{}"] * len(MANAGEMENT_MODE_HELP)),
                              *(part for mode, text in MANAGEMENT_MODE_HELP.items() for part in (mode.label, text))))
    property_company = forms.ChoiceField(label=_("物业公司"), required=False)
    owners_committee = forms.ChoiceField(label=_("业委会"), required=False,
                                         help_text=_("须为本社区登记的业委会（在“机构”中登记，类型为业委会）。"))

    def __init__(self, *args, estate, user, **kwargs):
        from . import selectors

        initial = {"name": estate.name, "kind": estate.kind, "address": estate.address,
                   "management_mode": estate.management_mode,
                   "property_company": estate.property_company_id or "",
                   "owners_committee": estate.owners_committee_id or ""}
        super().__init__(*args, initial=initial, **kwargs)
        self.estate = estate
        self.options: dict[str, dict[str, Any]] = {}
        for name, kind in (("property_company", OrganisationKind.PROPERTY_COMPANY),
                           ("owners_committee", OrganisationKind.OWNERS_COMMITTEE)):
            found = {str(org.pk): org for org in selectors.organisation_choices(user, estate, kind)}
            current = getattr(estate, name)
            if current is not None:
                found.setdefault(str(current.pk), current)  # kept on the list even if now elsewhere
            self.options[name] = found
            self.fields[name].choices = _blank(_("无")) + [(pk, org.name) for pk, org in found.items()]

    def changes(self) -> dict[str, Any]:
        """Fields whose submitted value differs from the stored one (organisations as instances)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        for name in ("name", "kind", "address", "management_mode"):
            if data[name] != getattr(self.estate, name):
                changes[name] = data[name]
        for name in ("property_company", "owners_committee"):
            chosen = self.options[name].get(data[name]) if data[name] else None
            if (chosen.pk if chosen else None) != getattr(self.estate, f"{name}_id"):
                changes[name] = chosen
        return changes


class FacilityFilterForm(_GetForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=SEARCH_MAX_LENGTH,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称或地址")}))
    category = forms.ChoiceField(label=_("类别"), required=False,
                                 choices=_blank(_("全部类别")) + FacilityCategory.choices)


class StatisticsAreaForm(_GetForm):
    area = forms.ChoiceField(label=_("区域"), required=False)

    def __init__(self, *args, user, choices: list[tuple[str, str]] | None = None, **kwargs):
        """``choices``: the areas already read for ``user`` by another form of the same page."""
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = choices if choices is not None else area_choices(
            user, levels=(Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID))


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: next to its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Person edits ------------------------------------------------------------------------------

PERSON_EDIT_FIELDS = (
    "real_name", "gender", "birth_date", "ethnicity", "registration", "residence_status", "political_status",
    "education", "employment", "relation_to_head", "address_text",
)
KEEP_HINT = _("留空表示不修改")


class PersonForm(forms.Form):
    """Edit a person. ID number and phone start blank: a blank value keeps the stored one.

    An editor without ``personal.unmask`` (``may_unmask=False``) gets no birth-date field: it would
    show the masked middle of the ID number. The birth date then follows a newly typed ID number.
    """

    id_number = forms.CharField(label=_("身份证号码"), required=False, max_length=30, help_text=KEEP_HINT,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30, help_text=KEEP_HINT,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))

    def __init__(self, *args, person: Person, may_unmask: bool = True, **kwargs):
        self.edited = PERSON_EDIT_FIELDS if may_unmask else tuple(n for n in PERSON_EDIT_FIELDS if n != "birth_date")
        initial = {name: getattr(person, name) for name in self.edited}
        super().__init__(*args, initial=initial, **kwargs)
        model_fields = forms.fields_for_model(Person, fields=PERSON_EDIT_FIELDS)
        model_fields["birth_date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        ordered = {}
        for name in PERSON_EDIT_FIELDS:
            if name in self.edited:
                ordered[name] = model_fields[name]
            if name == "birth_date":
                ordered["id_number"] = self.fields["id_number"]
                ordered["phone"] = self.fields["phone"]
        self.fields = ordered
        self.person = person

    def changes(self) -> dict[str, Any]:
        """Fields whose submitted value differs from the stored one (blank identifiers are kept)."""
        data = self.cleaned_data
        changes = {name: data[name] for name in self.edited if data[name] != getattr(self.person, name)}
        for name in ("id_number", "phone"):
            if data[name].strip():
                changes[name] = data[name].strip()
        if "birth_date" not in self.edited and "id_number" in changes:
            changes["birth_date"] = None  # taken from the new ID number when the person is validated
        return changes


class TagForm(forms.Form):
    """Put a person in a special group, with the group's own attributes as fields.

    Every active group's attributes are fields named ``attr-<group code>-<key>``, typed from the
    group's ``attribute_schema`` (choices as drop-downs, dates as date inputs, yes/no, numbers);
    the page shows those of the chosen group (``registry/_tag_form.html``; without script every
    group's fieldset shows under its name). Only the chosen group's fields are read, and the
    group checks them (``SpecialGroup.clean_attributes``).
    """

    group = forms.ChoiceField(label=_("特殊人群"))
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=500)

    def __init__(self, *args, groups: list[SpecialGroup] | None = None, **kwargs):
        """``groups``: the active groups, when a page shows several of these forms (read once)."""
        super().__init__(*args, **kwargs)
        self.groups = groups if groups is not None else active_groups()
        self.fields["group"].choices = [("", _("请选择"))] + [(str(g.pk), g.name) for g in self.groups]
        for group in self.groups:
            for item in group.attribute_schema:
                self.fields[attribute_field_name(group, item["key"])] = _attribute_field(item)

    def group_fieldsets(self) -> list[dict[str, Any]]:
        """Per group: the group and its bound attribute fields, for the template."""
        return [{"group": group, "fields": [self[attribute_field_name(group, item["key"])]
                                           for item in group.attribute_schema]}
                for group in self.groups if group.attribute_schema]

    def clean_group(self) -> SpecialGroup:
        chosen = self.cleaned_data["group"]
        return next(group for group in self.groups if str(group.pk) == chosen)  # the field checked the choice

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        group = data.get("group")
        if group is None:
            return data
        attributes = {}
        for item in group.attribute_schema:
            value = data.get(attribute_field_name(group, item["key"]))
            if value not in (None, ""):
                attributes[item["key"]] = value
        try:
            data["attributes"] = group.clean_attributes(attributes)
        except ValidationError as error:
            by_label = {item["label"]: attribute_field_name(group, item["key"]) for item in group.attribute_schema}
            for message in error.error_list:
                label = (message.params or {}).get("label")
                self.add_error(by_label.get(label), message)
        return data

    def apply(self, *, actor, person, request=None) -> bool:
        """Tag ``person`` through the service; on refusal the reasons go onto the form (False)."""
        data = self.cleaned_data
        try:
            services.tag_person(actor=actor, person=person, group=data["group"], attributes=data["attributes"],
                                since=data["since"], note=data["note"], request=request)
        except ValidationError as error:
            add_service_errors(self, error)
            return False
        return True


def active_groups() -> list[SpecialGroup]:
    return list(SpecialGroup.objects.filter(active=True).order_by("order", "code"))


def attribute_field_name(group: SpecialGroup, key: str) -> str:
    return f"attr-{group.code}-{key}"


def _attribute_field(item: dict[str, Any]) -> forms.Field:
    """A form field for one attribute of a group's schema; "required" is checked for the chosen group only."""
    label, kind = item["label"], item["type"]
    if kind == "choice":
        return forms.ChoiceField(label=label, required=False,
                                 choices=[("", _("请选择"))] + [(c, c) for c in item.get("choices", [])])
    if kind == "boolean":
        return forms.TypedChoiceField(label=label, required=False, empty_value=None,
                                      coerce=lambda value: value == "yes",
                                      choices=[("", _("未填")), ("yes", _("是")), ("no", _("否"))])
    if kind == "date":
        return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == "integer":
        return forms.IntegerField(label=label, required=False)
    return forms.CharField(label=label, required=False, max_length=200)


class MoveForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=MoveKind.choices)
    date = forms.DateField(label=_("日期"), initial=datetime.date.today,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label=_("迁自/迁往"), required=False, max_length=200)
    note = forms.CharField(label=_("备注"), required=False, max_length=500)


# --- Field visits (mobile) ---------------------------------------------------------------------


class VisitUpdateForm(forms.Form):
    """What a grid worker checks at the door: phone, residence status, employment."""

    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30, help_text=KEEP_HINT,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    residence_status = forms.ChoiceField(label=_("居住状态"), required=False,
                                         choices=_blank(_("未填写")) + ResidenceStatus.choices)
    employment = forms.ChoiceField(label=_("就业状况"), required=False,
                                   choices=_blank(_("未填写")) + Employment.choices)

    def changes(self, person: Person) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {name: data[name] for name in ("residence_status", "employment")
                   if data[name] != getattr(person, name)}
        if data["phone"].strip():
            changes["phone"] = data["phone"].strip()
        return changes


class MoveOutForm(forms.Form):
    date = forms.DateField(label=_("迁出日期"), initial=datetime.date.today,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    place = forms.CharField(label=_("迁往"), required=False, max_length=200)


class MoveInForm(forms.Form):
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    relation_to_head = forms.ChoiceField(label=_("与户主关系"), required=False,
                                         choices=_blank(_("未填写")) + RelationToHead.choices)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))



class MoveInRequestForm(forms.Form):
    """A move-in request (迁入申请) to whichever community holds the ID number."""

    area = forms.ChoiceField(label=_("迁入区域"))
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=30)
    reason = forms.CharField(label=_("迁入事由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text=_("原登记社区据此决定是否同意迁入。"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(user, levels=(Level.COMMUNITY, Level.GRID))


class MoveInDecisionForm(forms.Form):
    note = forms.CharField(label=_("处理意见"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
