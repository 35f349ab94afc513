"""Residents: households (户), persons with their identifiers, and each person's moves."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from gongzhi.areas.scope import AreaScopedQuerySet
from gongzhi.privacy.fields import BlindIndexField, EncryptedTextField, blind_lookup
from gongzhi.privacy.sensitive import declare

from .. import ethnic_groups, validators
from ..choices import (
    Education,
    Employment,
    Ethnicity,
    Gender,
    MoveKind,
    PoliticalStatus,
    Registration,
    RelationToHead,
    ResidenceStatus,
)
from .base import AreaBoundModel, RegistryQuerySet


def _pypinyin_romanisation(name: str) -> tuple[str, str]:
    words = ["".join(c for c in word.lower() if c.isascii() and c.isalnum()) for word in lazy_pinyin(name or "")]
    words = [w for w in words if w]
    return "".join(words), "".join(w[0] for w in words)


@lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    return _pypinyin_romanisation(char)[0]


def name_romanisation(name: str) -> tuple[str, str]:
    """``(full pinyin, initials)`` of a name for search: 张三 → ``("zhangsan", "zs")``.

    Non-Chinese words keep their letters (initial: their first letter); separators such as the
    middle dot of transliterated names are dropped.

    pypinyin (~0.1 ms a name) reads a run of Chinese characters as the words of its phrase
    dictionary where one matches and character by character elsewhere. A name of up to four
    characters none of whose substrings is a dictionary phrase is therefore read character by
    character from memoised readings — the same result, about fifty times faster, which matters
    to imports and demo generation of 100,000s of persons. Any other name takes the full path.
    """
    name = name or ""
    if len(name) <= 4 and all(ord(char) in PINYIN_DICT for char in name) and not any(
            name[start:end] in PHRASES_DICT for start in range(len(name) - 1)
            for end in range(start + 2, len(name) + 1)):
        words = [word for word in map(_syllable, name) if word]
        return "".join(words), "".join(word[0] for word in words)
    return _pypinyin_romanisation(name)


class Household(AreaBoundModel):
    """A registered household (户): its head and the house it lives in; members point here."""

    number = models.CharField(_("户号"), max_length=30, blank=True)
    head = models.ForeignKey(
        "registry.Person", verbose_name=_("户主"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    house = models.ForeignKey(
        "registry.House", verbose_name=_("房屋"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="households",
    )

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["area", "number", "pk"]
        indexes = [models.Index(fields=["number"], name="registry_household_number")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def clean(self) -> None:
        if self.head_id is not None and self.pk is not None and self.head.household_id != self.pk:
            raise ValidationError({"head": ValidationError(_("户主须是本户成员。"), code="head_not_member")})


class PersonQuerySet(RegistryQuerySet):
    def with_id_number(self, value: str) -> "PersonQuerySet":
        """Persons whose ID number equals ``value`` (exact, via the blind index; any width or case)."""
        return self.filter(blind_lookup(Person, "id_index", validators.normalise(value)))

    def with_phone(self, value: str) -> "PersonQuerySet":
        """Persons whose phone equals ``value`` once normalised (``+86 139-…`` finds ``139…``)."""
        try:
            value = validators.clean_phone(value)
        except ValidationError:
            return self.none()
        return self.filter(blind_lookup(Person, "phone_index", value))

    def living(self) -> "PersonQuerySet":
        return self.filter(deceased=False)

    def current(self) -> "PersonQuerySet":
        """Who lives in the area now: neither deceased nor moved out (what statistics count)."""
        return self.filter(deceased=False, moved_out=False)


class Person(AreaBoundModel):
    """A resident. ID number and phone are encrypted at rest and found through blind indexes.

    ``id_last4``/``phone_last4`` and the pinyin fields are derived on save: they let staff find
    a person by "last four digits" or by initials without decrypting the table.
    """

    real_name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, editable=False, blank=True)
    name_initials = models.CharField(_("姓名首字母"), max_length=50, editable=False, blank=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    # The masked middle of an ID number is the birth date: masked (to the year) wherever the ID is.
    birth_date = declare(models.DateField(_("出生日期"), null=True, blank=True), "birth_date")
    id_number = EncryptedTextField(_("身份证号码"), blank=True, default="", sensitive="id_number")
    id_index = BlindIndexField(source="id_number")
    id_last4 = models.CharField(_("身份证后四位"), max_length=4, editable=False, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True, default="", sensitive="phone")
    phone_index = BlindIndexField(source="phone")
    phone_last4 = models.CharField(_("电话后四位"), max_length=4, editable=False, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=Ethnicity.choices, blank=True)
    registration = models.CharField(_("户籍类别"), max_length=20, choices=Registration.choices, blank=True)
    residence_status = models.CharField(_("居住状态"), max_length=20, choices=ResidenceStatus.choices, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=20, choices=PoliticalStatus.choices, blank=True)
    education = models.CharField(_("文化程度"), max_length=20, choices=Education.choices, blank=True)
    employment = models.CharField(_("就业状况"), max_length=20, choices=Employment.choices, blank=True)
    house = models.ForeignKey(
        "registry.House", verbose_name=_("房屋"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="residents", db_index=False,  # indexed with the id: registry_person_house_id
    )
    household = models.ForeignKey(
        Household, verbose_name=_("户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation_to_head = models.CharField(_("与户主关系"), max_length=20, choices=RelationToHead.choices, blank=True)
    address_text = models.CharField(
        _("地址（未匹配）"), max_length=200, blank=True, help_text=_("尚未匹配到房屋的地址原文")
    )
    deceased = models.BooleanField(_("已故"), default=False)
    # Set by a recorded move out (迁出), cleared by a move in: the record stays, with its history,
    # in the area it was kept in, but no longer at its house or in its household.
    moved_out = models.BooleanField(_("已迁出"), default=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["area", "name_pinyin", "pk"]
        indexes = [
            models.Index(fields=["real_name"], name="registry_person_name"),
            models.Index(fields=["name_initials"], name="registry_person_initials"),
            # The list in name order; with the id, a walk can test persons without reading their rows.
            models.Index(fields=["name_pinyin", "id"], name="registry_person_pinyin_id"),
            # A house's residents; with the id, a search by address finds them from the index alone.
            models.Index(fields=["house", "id"], name="registry_person_house_id"),
            # The list of a grid or community in name order, page after page by the last row seen.
            models.Index(fields=["area", "name_pinyin", "id"], name="registry_person_area_pinyin"),
            models.Index(fields=["id_last4"], name="registry_person_id_last4"),
            models.Index(fields=["phone_last4"], name="registry_person_phone_last4"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_index"], condition=~models.Q(id_index=""),
                                    name="registry_person_unique_id_number"),
        ]

    def __str__(self) -> str:
        return self.real_name

    def clean_fields(self, exclude=None) -> None:
        # 民族 in any GB 3304 form (汉, Han, HA, 1) is stored as its code before the choice is checked.
        if self.ethnicity:
            self.ethnicity = ethnic_groups.to_code(self.ethnicity) or self.ethnicity
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Validate and normalise the identifiers; fill gender and birth date from the ID number."""
        errors: dict[str, list[ValidationError]] = {}
        if self.id_number:
            try:
                self.id_number = validators.clean_id_number(self.id_number)
            except ValidationError as error:
                errors["id_number"] = error.error_list
            else:
                birth_date, gender = validators.id_facts(self.id_number)
                try:
                    validators.check_consistency(self.id_number, self.gender, self.birth_date)
                except ValidationError as error:
                    for field, messages in error.error_dict.items():
                        errors[field] = messages
                self.gender = self.gender or gender
                self.birth_date = self.birth_date or birth_date
        if self.phone:
            try:
                self.phone = validators.clean_phone(self.phone)
            except ValidationError as error:
                errors["phone"] = error.error_list
        if self.birth_date and self.birth_date > datetime.date.today():
            errors.setdefault("birth_date", []).append(
                ValidationError(_("出生日期不能晚于今天。"), code="future_date"))
        if self.relation_to_head and self.household_id is None:
            errors["relation_to_head"] = [ValidationError(_("未填写所属户，不能填写与户主关系。"), code="no_household")]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.id_number = validators.normalise(self.id_number)
        self.name_pinyin, self.name_initials = name_romanisation(self.real_name)
        self.id_last4 = self.id_number[-4:]
        self.phone_last4 = "".join(c for c in self.phone or "" if c.isdigit())[-4:]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            derived = {"real_name": {"name_pinyin", "name_initials"}, "id_number": {"id_last4", "id_index"},
                       "phone": {"phone_last4", "phone_index"}}
            kwargs["update_fields"] = set(update_fields).union(
                *(extra for field, extra in derived.items() if field in update_fields))
        super().save(*args, **kwargs)

    def age_on(self, day: datetime.date) -> int | None:
        """Age in whole years on ``day`` (``None`` when the birth date is unknown)."""
        if self.birth_date is None:
            return None
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class PersonMoveQuerySet(AreaScopedQuerySet):
    area_path_field = "person__area__path"


class PersonMove(models.Model):
    """One event in a person's history: moving in or out, birth, death."""

    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(_("类型"), max_length=20, choices=MoveKind.choices)
    date = models.DateField(_("日期"))
    place = models.CharField(_("迁自/迁往"), max_length=200, blank=True)
    # The house moved into or out of, kept after a move out takes the person off it (以房查人).
    house = models.ForeignKey("registry.House", verbose_name=_("房屋"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="moves")
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = PersonMoveQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员变动")
        verbose_name_plural = _("人员变动")
        ordering = ["person", "date", "pk"]
        indexes = [models.Index(fields=["kind", "date"], name="registry_move_kind_date")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()} {self.date}"

    def clean(self) -> None:
        if self.date and self.date > datetime.date.today():
            raise ValidationError({"date": ValidationError(_("日期不能晚于今天。"), code="future_date")})
