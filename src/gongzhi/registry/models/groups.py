"""Special groups (特殊人群) as configuration, and the tags that put a person in one.

Which groups exist and which attributes each records (a disabled person's type and grade, a
subsistence recipient's category…) is data: ``SpecialGroup.attribute_schema`` declares the
attributes, and a ``PersonTag``'s ``attributes`` are checked against it. The defaults ship in a
data migration and administrators may edit them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.scope import AreaScopedQuerySet

from ..choices import AttributeType, Gender
from .people import Person

_ATTRIBUTE_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


class SpecialGroup(models.Model):
    """A special group. ``attribute_schema`` is a list of ``{key, label, type, choices?, required?}``."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    attribute_schema = models.JSONField(_("属性定义"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Who may belong, where the group's definition says (留守儿童: 不满十六周岁): checked when a person
    # is tagged, with the age in whole years on the day (``Person.age_on``); unknown birth dates pass.
    age_from = models.PositiveSmallIntegerField(_("年满（周岁）"), null=True, blank=True,
                                                help_text=_("年满该周岁的人员才能列入，如留守老人 60"))
    age_below = models.PositiveSmallIntegerField(_("不满（周岁）"), null=True, blank=True,
                                                 help_text=_("不满该周岁的人员才能列入，如留守儿童 16"))
    gender = models.CharField(_("限定性别"), max_length=1, choices=Gender.choices, blank=True)

    class Meta:
        verbose_name = _("特殊人群类别")
        verbose_name_plural = _("特殊人群类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = schema_errors(self.attribute_schema)
        if errors:
            raise ValidationError({"attribute_schema": errors})
        if self.age_from is not None and self.age_below is not None and self.age_below <= self.age_from:
            raise ValidationError({"age_below": ValidationError(_("“不满”的周岁须大于“年满”的周岁。"),
                                                                code="age_order")})

    def ineligibility(self, *, birth_date: datetime.date | None, gender: str, day: datetime.date) -> list[str]:
        """Why a person born on ``birth_date`` of ``gender`` does not fit the group's definition on ``day``
        (empty when they fit, or when what would be checked is unknown)."""
        reasons = []
        if birth_date is not None:
            age = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
            params = {"group": self.name, "age": age}
            if self.age_below is not None and age >= self.age_below:
                reasons.append(_("“%(group)s”限不满 %(limit)d 周岁的人员，此人已满 %(age)d 周岁。")
                               % {**params, "limit": self.age_below})
            if self.age_from is not None and age < self.age_from:
                reasons.append(_("“%(group)s”限年满 %(limit)d 周岁的人员，此人 %(age)d 周岁。")
                               % {**params, "limit": self.age_from})
        if self.gender and gender and gender != self.gender:
            reasons.append(_("“%(group)s”限%(gender)s性。") % {"group": self.name,
                                                            "gender": Gender(self.gender).label})
        return reasons

    def labelled(self, attributes: dict[str, Any] | None) -> list["LabelledAttribute"]:
        """``attributes`` with their names and values in words (see ``labelled_attributes``)."""
        return labelled_attributes(self.attribute_schema, attributes)

    def clean_attributes(self, attributes: Any) -> dict[str, Any]:
        """``attributes`` checked against the schema and normalised; raises ``ValidationError``.

        Unknown keys, values of the wrong type, choices not in the list and missing required
        attributes are refused. Empty optional values are dropped.
        """
        if attributes is None:
            attributes = {}
        if not isinstance(attributes, dict):
            raise ValidationError(_("属性应为“名称: 值”的集合。"), code="invalid_attributes")
        spec = {item["key"]: item for item in self.attribute_schema}
        errors: list[ValidationError] = []
        cleaned: dict[str, Any] = {}
        failed: set[str] = set()
        for key, value in attributes.items():
            if key not in spec:
                errors.append(ValidationError(_("“%(group)s”没有属性“%(key)s”。"), code="unknown_attribute",
                                              params={"group": self.name, "key": key}))
                continue
            if value is None or value == "":
                continue
            try:
                cleaned[key] = _clean_value(spec[key], value)
            except ValidationError as error:
                errors.append(error)
                failed.add(key)
        for key, item in spec.items():
            if item.get("required") and key not in cleaned and key not in failed:
                errors.append(ValidationError(_("请填写“%(label)s”。"), code="required_attribute",
                                              params={"label": item["label"]}))
        if errors:
            raise ValidationError(errors)
        return cleaned


@dataclass(frozen=True)
class LabelledAttribute:
    """One attribute of a tag as people read it: its name and its value in words."""

    key: str
    label: str
    value: str


def labelled_attributes(schema_or_group: Any, attributes: dict[str, Any] | None) -> list[LabelledAttribute]:
    """A tag's attributes in the schema's order, named by their labels, yes/no as 是/否.

    ``schema_or_group``: a group (its ``attribute_schema``) or the schema itself. A stored key the
    schema no longer declares keeps its value, shown under a neutral name rather than the key.
    """
    schema = getattr(schema_or_group, "attribute_schema", schema_or_group) or []
    attributes = attributes or {}
    items = []
    declared = set()
    for item in schema:
        key = item.get("key")
        declared.add(key)
        if key in attributes and attributes[key] not in (None, ""):
            items.append(LabelledAttribute(key, str(item.get("label") or _("其他属性")), _in_words(attributes[key])))
    for key, value in attributes.items():
        if key not in declared and value not in (None, ""):
            items.append(LabelledAttribute(key, str(_("其他属性")), _in_words(value)))
    return items


def _in_words(value: Any) -> str:
    if value is True:
        return str(_("是"))
    if value is False:
        return str(_("否"))
    return str(value)


def _clean_value(item: dict, value: Any) -> Any:
    """One attribute value converted to its JSON form (dates as ISO strings)."""
    invalid = ValidationError(_("“%(label)s”的值“%(value)s”无效。"), code="invalid_value",
                              params={"label": item["label"], "value": value})
    kind = item["type"]
    if kind == AttributeType.TEXT:
        if not isinstance(value, str):
            raise invalid
        return value.strip()
    if kind == AttributeType.INTEGER:
        if isinstance(value, bool):
            raise invalid
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise invalid
    if kind == AttributeType.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise invalid from None
    if kind == AttributeType.BOOLEAN:
        if not isinstance(value, bool):
            raise invalid
        return value
    if value not in item.get("choices", []):
        raise ValidationError(_("“%(label)s”只能是：%(choices)s。"), code="invalid_choice",
                              params={"label": item["label"], "choices": "、".join(item.get("choices", []))})
    return value


def schema_errors(schema: Any) -> list[ValidationError]:
    """What is wrong with an attribute schema (empty when it is well formed)."""
    if not isinstance(schema, list):
        return [ValidationError(_("属性定义应为列表。"), code="invalid_schema")]
    errors, seen = [], set()
    for position, item in enumerate(schema, start=1):
        params = {"n": position}
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not _ATTRIBUTE_KEY.fullmatch(
                item["key"]):
            errors.append(ValidationError(_("第 %(n)d 项属性的 key 应为小写英文字母、数字或下划线。"),
                                          code="invalid_key", params=params))
            continue
        if item["key"] in seen:
            errors.append(ValidationError(_("第 %(n)d 项属性的 key 重复。"), code="duplicate_key", params=params))
        seen.add(item["key"])
        if not isinstance(item.get("label"), str) or not item["label"].strip():
            errors.append(ValidationError(_("第 %(n)d 项属性缺少名称。"), code="missing_label", params=params))
        if item.get("type") not in AttributeType.values:
            errors.append(ValidationError(_("第 %(n)d 项属性的类型无效。"), code="invalid_type", params=params))
        choices = item.get("choices")
        if item.get("type") == AttributeType.CHOICE and (
                not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices)):
            errors.append(ValidationError(_("第 %(n)d 项属性是选项类型，须列出选项。"), code="missing_choices",
                                          params=params))
    return errors


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _group_rules() -> list[tuple[int, int | None, int | None, str]]:
    """``(id, age_from, age_below, gender)`` of the groups with a rule, kept like the filter options
    (a new generation when a group is saved: ``forms.forget_choices``)."""
    from django.core.cache import cache

    from ..forms import CHOICES_SECONDS, _generation

    return cache.get_or_set(f"registry:group-rules:{_generation()}", lambda: list(SpecialGroup.objects.filter(
        models.Q(age_from__isnull=False) | models.Q(age_below__isnull=False) | ~models.Q(gender="")
    ).values_list("pk", "age_from", "age_below", "gender")), CHOICES_SECONDS)


def outgrown(day: datetime.date) -> models.Q:
    """Tags (a ``PersonTag`` filter) whose person no longer fits their group's age or sex rule on ``day``
    — a 留守儿童 who has turned 16 — as ``SpecialGroup.ineligibility`` decides (unknown values fit).
    Counts of a group's members leave them out: by its definition they are no longer in it."""
    q = models.Q(pk__in=[])
    for pk, age_from, age_below, gender in _group_rules():
        unfit = models.Q(pk__in=[])
        if age_below is not None:  # aged age_below or more: born on or before that many years ago
            unfit |= models.Q(person__birth_date__lte=_years_before(day, age_below))
        if age_from is not None:  # younger than age_from: born after that many years ago
            unfit |= models.Q(person__birth_date__gt=_years_before(day, age_from))
        if gender:
            unfit |= ~models.Q(person__gender__in=[gender, ""])
        q |= models.Q(group_id=pk) & unfit
    return q


class PersonTagQuerySet(AreaScopedQuerySet):
    area_path_field = "person__area__path"

    def fitting(self, day: datetime.date | None = None) -> "PersonTagQuerySet":
        """Tags whose person still fits their group's definition on ``day`` (today)."""
        return self.exclude(outgrown(day or datetime.date.today()))


class PersonTag(models.Model):
    """A person's membership of a special group, with the group's attributes."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="tags")
    group = models.ForeignKey(SpecialGroup, verbose_name=_("特殊人群类别"), on_delete=models.PROTECT,
                              related_name="tags")
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    since = models.DateField(_("起始日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("特殊人群标签")
        verbose_name_plural = _("特殊人群标签")
        ordering = ["group", "person"]
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="registry_persontag_unique")]
        # A group's members without reading the tag rows: the person list's group filter and its count.
        indexes = [models.Index(fields=["group", "person"], name="registry_tag_group_person")]

    def __str__(self) -> str:
        return f"{self.person}：{self.group}"

    @property
    def labelled_attributes(self) -> list[LabelledAttribute]:
        return self.group.labelled(self.attributes)

    def ineligibility(self, day: datetime.date | None = None) -> list[str]:
        """Why the person no longer fits the group's definition (a 留守儿童 who has turned 16…)."""
        return self.group.ineligibility(birth_date=self.person.birth_date, gender=self.person.gender,
                                        day=day or datetime.date.today())

    def clean(self) -> None:
        if self.group_id is None:
            return
        try:
            self.attributes = self.group.clean_attributes(self.attributes)
        except ValidationError as error:
            raise ValidationError({"attributes": error.error_list}) from None
        if self.since and self.since > datetime.date.today():
            raise ValidationError({"since": ValidationError(_("日期不能晚于今天。"), code="future_date")})
        if self.person_id is not None:
            reasons = self.ineligibility()
            if reasons:
                raise ValidationError({"group": [ValidationError(reason, code="not_eligible") for reason in reasons]})
