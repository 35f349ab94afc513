"""Checking each read row against the registry's rules; a row with any error is not imported.

Errors are reported as the user sees the sheet: the row number, the column header the sheet
uses and a Chinese reason. An address that matches no house is not an error: the person keeps
it as text and staff link it later.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.cn import ric

from .. import ethnic_groups, validators
from ..choices import (
    Education,
    Employment,
    Ethnicity,
    Gender,
    PoliticalStatus,
    Registration,
    RelationToHead,
    ResidenceStatus,
)
from ..models import SpecialGroup
from .reader import COLUMN_SYNONYMS, CellBlock, Mangled, Sheet, normalise_text, open_sheet

CHOICE_FIELDS: dict[str, type[models.TextChoices]] = {
    "gender": Gender,
    "ethnicity": Ethnicity,
    "registration": Registration,
    "residence_status": ResidenceStatus,
    "political_status": PoliticalStatus,
    "education": Education,
    "employment": Employment,
    "relation_to_head": RelationToHead,
}
# Spellings found in ledgers besides the choice labels themselves.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "gender": {"男性": Gender.MALE, "女性": Gender.FEMALE},
    "political_status": {"党员": PoliticalStatus.CPC_MEMBER, "预备党员": PoliticalStatus.CPC_PROBATIONARY,
                         "团员": PoliticalStatus.CYL_MEMBER},
    "education": {"本科": Education.BACHELOR, "大专": Education.JUNIOR_COLLEGE, "专科": Education.JUNIOR_COLLEGE,
                  "高中": Education.HIGH_SCHOOL, "中专": Education.VOCATIONAL, "文盲": Education.NONE},
    "registration": {"本地户籍": Registration.LOCAL, "外地户籍": Registration.NON_LOCAL},
    # GB/T 4761 names the relations in detail; ledgers use them and everyday words alike.
    "relation_to_head": {
        "本人": RelationToHead.HEAD, "户主本人": RelationToHead.HEAD,
        **dict.fromkeys(("妻", "妻子", "夫", "丈夫", "配偶"), RelationToHead.SPOUSE),
        **dict.fromkeys(("子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女", "独生子", "独生女", "养子",
                         "养女", "继子", "继女", "子女"), RelationToHead.CHILD),
        **dict.fromkeys(("父", "母", "父亲", "母亲", "父母", "公公", "婆婆", "岳父", "岳母"), RelationToHead.PARENT),
        **dict.fromkeys(("祖父", "祖母", "外祖父", "外祖母", "祖父母", "外祖父母", "爷爷", "奶奶", "外公", "外婆"),
                        RelationToHead.GRANDPARENT),
        **dict.fromkeys(("孙子", "孙女", "外孙", "外孙子", "外孙女", "孙子女", "外孙子女"), RelationToHead.GRANDCHILD),
        **dict.fromkeys(("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹"),
                        RelationToHead.SIBLING),
        **dict.fromkeys(("儿媳", "女婿", "媳妇", "儿媳妇"), RelationToHead.CHILD_IN_LAW),
        **dict.fromkeys(("其他", "亲属", "其他亲戚"), RelationToHead.OTHER_RELATIVE),
        **dict.fromkeys(("保姆", "租客", "朋友", "同事", "非亲属关系"), RelationToHead.NON_RELATIVE),
    },
}
CHECK_CHUNK_ROWS = 5000  # rows per chunk of checked rows handed on to planning and writing
FIRST_CHUNK_ROWS = 500  # a smaller first chunk: the writing process starts sooner
HOUSEHOLD_NUMBER_LENGTH = 30  # Household.number's max_length
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
# "低保/特困" is one group's name, so "/" does not separate tags.
_TAG_SEPARATORS = re.compile(r"[、,，;；\s]+")
MANGLED_ID_MESSAGE = gettext_lazy("身份证号被 Excel 转成了数字（科学计数法），请把该列设为文本后重新录入")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: the row number as in the sheet, the column header as in the sheet, the reason."""

    row: int
    column: str
    message: str


@dataclass
class ValidRow:
    """A row that passed every check: the person's field values and the address text, if any."""

    number: int
    id_number: str
    values: dict[str, Any]
    address: str = ""
    tags: frozenset[int] = frozenset()  # SpecialGroup ids; an import adds tags, it never removes one
    household: str = ""  # the household number (户号); rows with the same number form one household
    # Set by the importer's ``prepare`` while rows are checked (see ``check_stream``): the blind
    # indexes that find an existing person, the house the address names, and a new person's INSERT
    # parameters that depend on the row alone (derived columns, ciphertexts, blind indexes).
    lookup: tuple[str, ...] = ()
    house: tuple[int, int] | None = None  # (house id, area id) the address matched
    insert: tuple = ()


@dataclass
class SheetHead:
    """What a checked sheet is, known once it has been read: its data rows, header row and headers."""

    rows: int  # counted before the rows are mapped; the last CheckedRows.checked is the exact number
    header_row: int  # as numbered in the sheet
    headers: dict[str, str]  # field → column header as the sheet spells it

    def column(self, name: str) -> str:
        return self.headers.get(name) or COLUMN_SYNONYMS[name][0]


@dataclass
class CheckedRows:
    """The next rows of a sheet, checked: the valid ones and the errors, with how many rows are done."""

    checked: int
    valid: list[ValidRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def __reduce__(self):
        """Pickled compactly: large imports send every chunk from the checking process to the writing one.

        Rows travel as tuples, and each row's values as the tuple of its values beside the tuple
        of its field names, one per distinct set of names in the chunk (pickle then writes it once);
        rebuilding dataclass instances and dicts field by field took half the receiving time.
        """
        names: dict[tuple[str, ...], tuple[str, ...]] = {}
        rows = []
        for row in self.valid:
            keys = tuple(row.values)
            rows.append((row.number, row.id_number, names.setdefault(keys, keys), tuple(row.values.values()),
                         row.address, row.tags, row.household, row.lookup, row.house, row.insert))
        return _unpickle_checked_rows, (self.checked, rows, self.errors)


def _unpickle_checked_rows(checked: int, rows: list[tuple], errors: list[RowError]) -> CheckedRows:
    new = object.__new__
    valid = []
    for number, id_number, names, values, address, tags, household, lookup, house, insert in rows:
        row = new(ValidRow)
        row.__dict__.update(number=number, id_number=id_number, values=dict(zip(names, values)), address=address,
                            tags=tags, household=household, lookup=lookup, house=house, insert=insert)
        valid.append(row)
    return CheckedRows(checked=checked, valid=valid, errors=errors)


@dataclass
class Validation:
    valid: list[ValidRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed_rows(self) -> set[int]:
        return {error.row for error in self.errors}


def choice_lookup(name: str) -> dict[str, str]:
    """Label (and alias) → stored value for one choice field; the stored codes are accepted too."""
    choices = CHOICE_FIELDS[name]
    lookup = {str(label): value for value, label in choices.choices}
    lookup.update({value: value for value in choices.values})
    lookup.update(CHOICE_ALIASES.get(name, {}))
    # Cells are read NFKC-normalised: "（外）祖父母" arrives as "(外)祖父母".
    lookup.update({normalise_text(label).replace(" ", ""): value for label, value in list(lookup.items())})
    return lookup


_LOOKUPS = {name: choice_lookup(name) for name in CHOICE_FIELDS}


def parse_date(value: Any) -> datetime.date:
    """A date cell or a date typed as 1980-01-02, 1980/1/2, 1980年1月2日 or 19800102 (``ValueError`` otherwise)."""
    if isinstance(value, datetime.date):
        return value
    text = str(value).replace(" ", "")
    if len(text) == 10 and text[4] == text[7] == "-" and text[:4].isdigit():
        return datetime.date.fromisoformat(text)  # 1980-01-02, the usual form (ValueError if impossible)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return datetime.date(*(int(part) for part in match.groups()))
    raise ValueError(text)


def looks_mangled(number: str) -> bool:
    """18 digits ending in 000 with a wrong check digit: a number Excel rounded and then turned back into text."""
    return (len(number) == 18 and number.endswith("000") and number.isdigit()
            and ric.calc_check_digit(number) != number[-1])


def id_facts_of_valid(number: str) -> tuple[datetime.date, str]:
    """``(birth date, gender)`` of a number ``clean_id_number`` has accepted, without checking it again.

    Same reading as ``validators.id_facts``, which re-validates (a region-table lookup) on every
    call: too slow to repeat several times per row on 100,000-row files.
    """
    if len(number) == 15:
        birth_date = datetime.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        sequence_digit = int(number[14])
    else:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        sequence_digit = int(number[16])
    return birth_date, "M" if sequence_digit % 2 else "F"


def eighteen_digit_form(number: str) -> str:
    """The 18-digit form of a number ``clean_id_number`` has accepted (as ``validators.upgrade_id_number``)."""
    if len(number) == 18:
        return number
    body = f"{number[:6]}19{number[6:]}"
    return body + ric.calc_check_digit(body + "0")


def _text(value: Any) -> str:
    """A cell where text is expected: a date cell becomes its ISO form rather than an error later."""
    return value.isoformat() if isinstance(value, datetime.date) else str(value or "")


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


class _Invalid(tuple):
    """A cell that fails its column's rule: the reasons (a column may give more than one)."""


_EMPTY = object()  # an empty optional cell: the field is not set from this row


# --- Column rules -----------------------------------------------------------------------------
# Each takes one cleaned cell (see reader.cell_value) and gives the field's value, _EMPTY or an
# _Invalid. Rules that do not depend on the row are applied once per distinct cell of a block.

def _name_rule(cell: Any) -> Any:
    name = _text(cell)
    if not name:
        return _Invalid((_("请填写姓名。"),))
    if len(name) > 50:
        return _Invalid((_("姓名过长（最多 50 个字）。"),))
    return name


def _id_rule(cell: Any, today: datetime.date) -> Any:
    raw = cell if isinstance(cell, Mangled) else _text(cell)
    if isinstance(raw, Mangled) or looks_mangled(validators.normalise(raw)):
        return _Invalid((str(MANGLED_ID_MESSAGE),))
    try:
        return validators.clean_id_number(raw, today=today)
    except ValidationError as error:
        return _Invalid(_messages(error))


def _choice_rule(name: str) -> Callable[[Any], Any]:
    lookup = _LOOKUPS[name]

    def rule(cell: Any) -> Any:
        if not cell:
            return _EMPTY
        if name == "ethnicity":  # GB 3304 names, short names, codes and romanisations (汉族, 汉, 01, Han, HA)
            code = ethnic_groups.to_code(cell)
            if code is not None:
                return code
            return _Invalid((_("民族“%(value)s”无法识别，请填写民族名称（如“汉族”或“汉”）或 GB 3304 代码（如“01”）。")
                             % {"value": cell},))
        value = lookup.get(str(cell).replace(" ", ""))
        if value is not None:
            return str(value)  # the stored code as plain text (choices are str enums)
        if name == "relation_to_head":
            return _Invalid((_("与户主关系“%(value)s”无法识别，请填写：%(choices)s。") % {
                "value": cell, "choices": "、".join(str(label) for label in RelationToHead.labels)},))
        return _Invalid((_("“%(value)s”不是可选的值。") % {"value": cell},))

    return rule


def _birth_date_rule(cell: Any, today: datetime.date) -> Any:
    if cell == "":
        return _EMPTY
    try:
        birth_date = parse_date(cell)
    except ValueError:
        return _Invalid((_("出生日期“%(value)s”不存在或格式无法识别（如 1980-01-02）。") % {"value": cell},))
    if birth_date > today:
        return _Invalid((_("出生日期不能晚于今天。"),))
    return birth_date


def _phone_rule(cell: Any) -> Any:
    if not cell:
        return _EMPTY
    try:
        return validators.clean_phone(str(cell))
    except ValidationError as error:
        return _Invalid(_messages(error))


def _household_rule(cell: Any) -> Any:
    household = _text(cell).replace(" ", "")
    if len(household) > HOUSEHOLD_NUMBER_LENGTH:
        return _Invalid((_("户号过长（最多 %(n)d 个字符）。") % {"n": HOUSEHOLD_NUMBER_LENGTH},))
    return household


def _address_rule(cell: Any) -> Any:
    address = _text(cell)
    if len(address) > 200:
        return _Invalid((_("地址过长（最多 200 个字）。"),))
    return address


def _tags_rule(groups: dict[str, SpecialGroup]) -> Callable[[Any], Any]:
    def rule(cell: Any) -> Any:
        text = _text(cell)
        tags: set[int] = set()
        problems = []
        for label in _TAG_SEPARATORS.split(text) if text else ():
            if not label:
                continue
            group = groups.get(normalise_text(label))
            if group is None:
                problems.append(_("“%(value)s”不是已设置的特殊人群类别。") % {"value": label})
            elif any(item.get("required") for item in group.attribute_schema):
                problems.append(_("“%(group)s”须登记属性（%(attributes)s），请在人员页面添加。") % {
                    "group": group.name,
                    "attributes": "、".join(item["label"] for item in group.attribute_schema if item.get("required"))})
            else:
                tags.add(group.pk)
        return _Invalid(problems) if problems else frozenset(tags)

    return rule


def _applied(rule: Callable[[Any], Any], cells: list[Any], memo: dict[Any, Any] | None) -> tuple[list[Any], bool]:
    """``rule`` applied to every cleaned cell, and whether every result is a value (none empty or invalid).

    With a ``memo`` (kept by the caller across blocks) the rule runs once per distinct cell;
    cleaned cells are text, dates or ``Mangled``, all hashable and never equal across types.
    """
    if memo is None:
        results = [rule(cell) for cell in cells]
        kinds = set(map(type, results))
    else:
        for cell in set(cells):
            if cell not in memo:
                memo[cell] = rule(cell)
        results = list(map(memo.__getitem__, cells))
        kinds = set(map(type, map(memo.__getitem__, set(cells))))
    return results, _Invalid not in kinds and type(_EMPTY) not in kinds


def check_block(sheet: Sheet, block: CellBlock, groups: dict[str, SpecialGroup] | None = None,
                today: datetime.date | None = None, memos: dict[str, dict[Any, Any]] | None = None,
                ) -> Iterator[tuple[int, ValidRow | None, list[RowError]]]:
    """Check a block of rows column by column: ``(row number, the valid row or None, errors)`` for each.

    Without the in-file duplicate check (``checked_rows``). ``groups`` are the special groups a
    "特殊人群" cell may name (see ``special_groups``); ``today`` is the latest possible birth date
    (default: today). Rules that depend on the cell alone run once per distinct cell, remembered
    in ``memos`` (field → cell → result) when the caller keeps them across the blocks of a sheet.
    """
    today = today or datetime.date.today()
    memos = {} if memos is None else memos
    count = len(block)
    blank = [""] * count
    clean: dict[str, list[Any]] = {}  # columns with a value in every row of the block
    uneven: list[tuple[str, list[Any], str]] = []  # the others, looked at row by row

    def column(name: str, rule: Callable[[Any], Any], *, per_distinct: bool = True, values: bool = True
               ) -> list[Any]:
        results, is_clean = _applied(rule, block.columns.get(name, blank),
                                     memos.setdefault(name, {}) if per_distinct else None)
        if values:
            if is_clean:
                clean[name] = results
            else:
                uneven.append((name, results, sheet.column(name)))
        return results

    # Value columns in the order a row's errors are reported.
    column("real_name", _name_rule)
    column("id_number", functools.partial(_id_rule, today=today), per_distinct=False)
    for name in CHOICE_FIELDS:
        column(name, _choice_rule(name))
    column("birth_date", functools.partial(_birth_date_rule, today=today))
    column("phone", _phone_rule, per_distinct=False)
    clean_names = tuple(clean)
    households = column("household_number", _household_rule, values=False)
    addresses = column("address", _address_rule, values=False)
    tag_sets = column("tags", _tags_rule(groups or {}), values=False)
    other_columns = [(sheet.column(name), results) for name, results in (
        ("household_number", households), ("address", addresses), ("tags", tag_sets))]
    others_invalid = any(type(result) is _Invalid for _header, results in other_columns
                         for result in set(results))
    gender_header, birth_date_header = sheet.column("gender"), sheet.column("birth_date")
    # Groups whose definition limits age or sex (留守儿童: under 16): checked against the row's person.
    ruled = {group.pk: group for group in (groups or {}).values()
             if group.age_from is not None or group.age_below is not None or group.gender}
    tags_header = sheet.column("tags")

    rows_of_clean = zip(*clean.values()) if clean else itertools.repeat(())
    for index, number, clean_values in zip(range(count), block.numbers, rows_of_clean):
        errors: list[RowError] = []
        values = dict(zip(clean_names, clean_values))
        for name, results, column_header in uneven:
            value = results[index]
            if value is _EMPTY:
                continue
            if type(value) is _Invalid:
                errors.extend(RowError(number, column_header, message) for message in value)
            else:
                values[name] = value
        id_number = values.pop("id_number", None)
        if id_number is not None:
            birth_date, gender = id_facts_of_valid(id_number)
            if values.get("gender") and values["gender"] != gender:
                errors.append(RowError(number, gender_header, _("性别与身份证号码不符。")))
            if values.get("birth_date") and values["birth_date"] != birth_date:
                errors.append(RowError(number, birth_date_header, _(
                    "出生日期与身份证号码不符（身份证为 %(date)s）。") % {"date": birth_date.isoformat()}))
            values.setdefault("gender", gender)
            values.setdefault("birth_date", birth_date)
        tags = tag_sets[index]
        if ruled and type(tags) is not _Invalid and not ruled.keys().isdisjoint(tags):
            for pk in sorted(ruled.keys() & tags):
                errors.extend(RowError(number, tags_header, reason) for reason in ruled[pk].ineligibility(
                    birth_date=values.get("birth_date"), gender=values.get("gender", ""), day=today))
        if others_invalid:
            for column_header, results in other_columns:
                if type(results[index]) is _Invalid:
                    errors.extend(RowError(number, column_header, message) for message in results[index])
        if errors:
            yield number, None, errors
        else:
            yield number, ValidRow(number=number, id_number=id_number, values=values, address=addresses[index],
                                   tags=tag_sets[index], household=households[index]), errors


def special_groups() -> dict[str, SpecialGroup]:
    """Active special groups by normalised name and by code (one query)."""
    groups = {}
    for group in SpecialGroup.objects.filter(active=True):
        groups[normalise_text(group.name)] = group
        groups[group.code] = group
    return groups


def validate_sheet(sheet: Sheet, progress: Callable[[int, int], None] | None = None) -> Validation:
    """Every row of ``sheet`` checked, as ``checked_rows`` does, collected."""
    result = Validation()
    groups = special_groups() if "tags" in sheet.headers else {}
    total = sheet.count_rows()
    for chunk in checked_rows(sheet, groups):
        result.valid.extend(chunk.valid)
        result.errors.extend(chunk.errors)
        if progress is not None:
            progress(chunk.checked, total)
    return result


def check_stream(data: bytes, filename: str, *, groups: dict[str, SpecialGroup],
                 prepare: Callable[[ValidRow], None] | None = None) -> Iterator[SheetHead | CheckedRows]:
    """Read a sheet and check it: first its ``SheetHead``, then ``CheckedRows`` chunk by chunk.

    Uses no database (``groups`` come from ``special_groups``), so an import can run it in a
    second process while it plans and writes. ``ImportFileError`` when the file cannot be read.
    """
    sheet = open_sheet(data, filename)
    # The rows are mapped while they are checked: the head goes out as soon as the header is found.
    yield SheetHead(rows=sheet.count_rows(), header_row=sheet.header_index + 1, headers=sheet.headers)
    yield from checked_rows(sheet, groups, prepare)


def checked_rows(sheet: Sheet, groups: dict[str, SpecialGroup], prepare: Callable[[ValidRow], None] | None = None,
                 chunk_rows: int | None = None) -> Iterator[CheckedRows]:
    """Every data row of ``sheet`` checked, a chunk per block of ``chunk_rows`` sheet rows (at least
    one chunk); ``prepare`` is called on each valid row. The last chunk's ``checked`` is the number
    of data rows.

    The second occurrence of an ID number in the file fails, naming the first, and so does a
    second head (户主) of the same household number.
    """
    first_row_of: dict[str, int] = {}
    head_row_of: dict[str, int] = {}
    today = datetime.date.today()
    id_column, relation_column = sheet.column("id_number"), sheet.column("relation_to_head")
    memos: dict[str, dict[Any, Any]] = {}  # each column's checked distinct cells, across the blocks
    done = 0
    chunk = None
    size = chunk_rows or CHECK_CHUNK_ROWS
    for block in sheet.blocks(size, first=min(size, FIRST_CHUNK_ROWS)):
        chunk = CheckedRows(checked=done + len(block))
        for number, valid, errors in check_block(sheet, block, groups, today, memos):
            if valid is not None:
                key = eighteen_digit_form(valid.id_number)
                if key in first_row_of:
                    errors = [RowError(number, id_column,
                                       _("身份证号码与第 %(row)d 行重复。") % {"row": first_row_of[key]})]
                    valid = None
                elif valid.household and valid.values.get("relation_to_head") == RelationToHead.HEAD:
                    if valid.household in head_row_of:
                        errors = [RowError(number, relation_column, _(
                            "户号“%(number)s”已在第 %(row)d 行登记了户主，一户只能有一个户主。") % {
                            "number": valid.household, "row": head_row_of[valid.household]})]
                        valid = None
                    else:
                        head_row_of[valid.household] = number
                if valid is not None:
                    first_row_of[key] = number
            if valid is not None:
                if prepare is not None:
                    prepare(valid)
                chunk.valid.append(valid)
            chunk.errors.extend(errors)
        done = chunk.checked
        yield chunk
    if chunk is None:
        yield CheckedRows(checked=0)  # a sheet without data rows still gives its (empty) chunk
