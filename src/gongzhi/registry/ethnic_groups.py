"""The 56 ethnic groups (民族) as GB 3304 names and codes them, and the spellings ledgers use.

Source: GB/T 3304-1991《中国各民族名称的罗马字母拼写法和代码》(Names of nationalities of China in
romanization with codes, replacing GB 3304-82), table 3 (by numeric code): the standard name,
its romanisation, its two-letter code and its two-digit numeric code. Its clause on use abroad
("对外使用时，朝鲜族名称拼写为 Korean，藏族名称拼写为 Tibetan") gives two more spellings.

A person's 民族 is stored as the numeric code (``choices.Ethnicity``), whose label is the
standard name (汉族): whatever form a ledger, a form or an API client writes, ``to_code`` gives
that code, or ``None`` when the text names no group. Accepted forms, compared without regard to
width (NFKC), blanks or letter case:

- the standard name: 汉族, 维吾尔族;
- the short name without 族, as old ledgers write it: 汉, 回, 维吾尔, 蒙古, 藏;
- the numeric code, with or without its leading zero: 01, 1 (and 1.0, a number cell);
- the romanisation: Han, han, Uygur; and Korean, Tibetan;
- the letter code: HA, UG.

Every form names exactly one group: ``_lookup`` refuses to build if two groups shared a
spelling, so an ambiguous short form can never be resolved to the wrong group silently.
"""

from __future__ import annotations

import re
import unicodedata

# (numeric code, standard name, romanisation, letter code), GB/T 3304-1991 table 3.
GB3304: tuple[tuple[str, str, str, str], ...] = (
    ("01", "汉族", "Han", "HA"),
    ("02", "蒙古族", "Mongol", "MG"),
    ("03", "回族", "Hui", "HU"),
    ("04", "藏族", "Zang", "ZA"),
    ("05", "维吾尔族", "Uygur", "UG"),
    ("06", "苗族", "Miao", "MH"),
    ("07", "彝族", "Yi", "YI"),
    ("08", "壮族", "Zhuang", "ZH"),
    ("09", "布依族", "Buyei", "BY"),
    ("10", "朝鲜族", "Chosen", "CS"),
    ("11", "满族", "Man", "MA"),
    ("12", "侗族", "Dong", "DO"),
    ("13", "瑶族", "Yao", "YA"),
    ("14", "白族", "Bai", "BA"),
    ("15", "土家族", "Tujia", "TJ"),
    ("16", "哈尼族", "Hani", "HN"),
    ("17", "哈萨克族", "Kazak", "KZ"),
    ("18", "傣族", "Dai", "DA"),
    ("19", "黎族", "Li", "LI"),
    ("20", "傈僳族", "Lisu", "LS"),
    ("21", "佤族", "Va", "VA"),
    ("22", "畲族", "She", "SH"),
    ("23", "高山族", "Gaoshan", "GS"),
    ("24", "拉祜族", "Lahu", "LH"),
    ("25", "水族", "Sui", "SU"),
    ("26", "东乡族", "Dongxiang", "DX"),
    ("27", "纳西族", "Naxi", "NX"),
    ("28", "景颇族", "Jingpo", "JP"),
    ("29", "柯尔克孜族", "Kirgiz", "KG"),
    ("30", "土族", "Tu", "TU"),
    ("31", "达斡尔族", "Daur", "DU"),
    ("32", "仫佬族", "Mulao", "ML"),
    ("33", "羌族", "Qiang", "QI"),
    ("34", "布朗族", "Blang", "BL"),
    ("35", "撒拉族", "Salar", "SL"),
    ("36", "毛南族", "Maonan", "MN"),
    ("37", "仡佬族", "Gelao", "GL"),
    ("38", "锡伯族", "Xibe", "XB"),
    ("39", "阿昌族", "Achang", "AC"),
    ("40", "普米族", "Pumi", "PM"),
    ("41", "塔吉克族", "Tajik", "TA"),
    ("42", "怒族", "Nu", "NU"),
    ("43", "乌孜别克族", "Uzbek", "UZ"),
    ("44", "俄罗斯族", "Russ", "RS"),
    ("45", "鄂温克族", "Ewenki", "EW"),
    ("46", "德昂族", "Deang", "DE"),
    ("47", "保安族", "Bonan", "BN"),
    ("48", "裕固族", "Yugur", "YG"),
    ("49", "京族", "Gin", "GI"),
    ("50", "塔塔尔族", "Tatar", "TT"),
    ("51", "独龙族", "Derung", "DR"),
    ("52", "鄂伦春族", "Oroqen", "OR"),
    ("53", "赫哲族", "Hezhen", "HZ"),
    ("54", "门巴族", "Monba", "MB"),
    ("55", "珞巴族", "Lhoba", "LB"),
    ("56", "基诺族", "Jino", "JN"),
)
# GB/T 3304-1991 clause 4, note: the spellings used abroad for 朝鲜族 and 藏族.
ABROAD = {"Korean": "10", "Tibetan": "04"}

_NUMBER_CELL = re.compile(r"(\d{1,2})(?:\.0+)?")


def key(text: str) -> str:
    """``text`` as compared: NFKC (full-width → half-width), without blanks, letters folded."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def spellings() -> dict[str, str]:
    """Every accepted spelling (as ``key`` gives it) → numeric code."""
    return dict(_LOOKUP)


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(spelling: str, code: str) -> None:
        spelling = key(spelling)
        if table.setdefault(spelling, code) != code:
            raise ValueError(f"GB 3304 spelling {spelling!r} names two groups")

    for code, name, roman, letters in GB3304:
        add(code, code)
        add(str(int(code)), code)
        add(name, code)
        add(name.removesuffix("族"), code)
        add(roman, code)
        add(letters, code)
    for spelling, code in ABROAD.items():
        add(spelling, code)
    return table


_LOOKUP = _lookup()
NAMES = {code: name for code, name, _roman, _letters in GB3304}


def to_code(text: object) -> str | None:
    """The numeric code of the group ``text`` names in any accepted form; ``None`` when it names none."""
    if text is None:
        return None
    spelled = key(text)
    number = _NUMBER_CELL.fullmatch(spelled)
    if number:
        spelled = str(int(number.group(1)))
    return _LOOKUP.get(spelled)


def standard_name(text: object) -> str | None:
    """The standard name (汉族) of the group ``text`` names; ``None`` when it names none."""
    code = to_code(text)
    return NAMES.get(code) if code else None
