"""Server-side de-identification for screens, exports and paper (GB/T 35273-2020 practice).

ID: first 6 + last 4 (``330106********1234``); phone: ``138****5678``; name: ``张*`` / ``张*明``;
address: keep road, door plate and estate, hide building / unit / floor / room numbers
(``幸福路88号 阳光小区*栋*单元*室``); birth date: nothing (``****-**-**``), the age is shown
instead — the masked middle of an ID number *is* the birth date, so wherever the ID is masked the
date must not be shown either. ``mask_free_text`` masks ID- and phone-shaped numbers inside any text.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

MASK = "*"


def _clean(value: str) -> str:
    """Full-width digits and letters to half-width, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value).strip()


def mask_id_number(value: str | None) -> str:
    """18-digit ``110105********002X``, 15-digit ``110105*****0021``; short values keep 2."""
    if not value:
        return ""
    v = _clean(value).replace(" ", "").upper()
    if len(v) <= 10:
        return v[:2] + MASK * max(len(v) - 2, 0)
    return v[:6] + MASK * (len(v) - 10) + v[-4:]


def mask_phone(value: str | None) -> str:
    """Mobile ``138****5678`` (also behind ``+86``); other numbers keep the first and last 2."""
    if not value:
        return ""
    v = re.sub(r"[\s-]", "", _clean(value))
    prefix = ""
    if v.startswith("+86") and len(v) == 14:
        prefix, v = "+86 ", v[3:]
    if len(v) == 11:
        return prefix + v[:3] + MASK * 4 + v[-4:]
    if len(v) <= 4:
        return MASK * len(v)
    return v[:2] + MASK * (len(v) - 4) + v[-2:]


def mask_name(value: str | None) -> str:
    """``张*`` for two characters, ``张*明`` / ``欧**明`` for longer names."""
    if not value:
        return ""
    v = _clean(value)
    if len(v) <= 1:
        return v
    if len(v) == 2:
        return v[0] + MASK
    return v[0] + MASK * (len(v) - 2) + v[-1]


# A number (or letter code) directly before a building, unit, floor or room marker.
_UNIT = re.compile(r"[0-9A-Za-z]+(?=(?:号楼|栋|幢|座|单元|层|楼|室|号房|户))")
# A trailing room number written without a marker: "5号楼1201".
_TRAILING_ROOM = re.compile(r"(号楼|栋|幢|座|单元|层|楼|\*)[0-9A-Za-z]+$")
# A trailing "3-2-501" style building-unit-room code.
_DASHED = re.compile(r"\d+(?:-\d+)+$")


def mask_address(value: str | None) -> str:
    """Keep road, door plate and estate; hide building / unit / floor / room numbers.

    ``幸福路88号 阳光小区3栋2单元501室`` → ``幸福路88号 阳光小区*栋*单元*室``;
    ``和平路12号 5号楼1201`` → ``和平路12号 *号楼*``; ``阳光小区3-2-501`` → ``阳光小区*-*-*``.
    Each hidden number becomes one ``*``, so its length does not leak either.
    """
    if not value:
        return ""
    v = _UNIT.sub(MASK, _clean(value))
    v = _TRAILING_ROOM.sub(lambda m: m.group(1) + MASK, v)
    return _DASHED.sub(lambda m: "-".join(MASK for _ in m.group(0).split("-")), v)


MASKED_BIRTH_DATE = "****-**-**"


def mask_birth_date(value: datetime.date | str | None) -> str:
    """``****-**-**``: a viewer who sees the masked ID learns the age (shown beside it), nothing else.

    The masked middle of an 18-digit ID is exactly ``YYYYMMDD``. The age alone leaves a year-long
    window of dates (about 33 of them pass the check digit), so the ID cannot be rebuilt. The year
    is *not* shown as well: year and age together pin a December or January birthday to a few days.
    """
    return MASKED_BIRTH_DATE if value else ""


# An ID number (18 or 15 digits) or a mobile (with or without +86 and separators) inside free text.
_ID_IN_TEXT = re.compile(r"(?<![0-9Xx])[1-9](?:\d{16}[0-9Xx]|\d{14})(?![0-9Xx])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")


def mask_free_text(value: str | None) -> str:
    """Free text with every ID-number- and mobile-shaped number masked, the rest unchanged.

    ``请联系我 13912345678，身份证 341702200211252264`` → ``请联系我 139****5678，身份证
    341702********2264``. Used by every public output (Open311, public case pages) and, as a
    safety net, on every value the audit log keeps.
    """
    if not value:
        return value or ""
    text = _ID_IN_TEXT.sub(lambda match: mask_id_number(match.group()), value)
    return _MOBILE_IN_TEXT.sub(lambda match: mask_phone(match.group()), text)


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
    "birth_date": mask_birth_date,
}


def mask(kind: str, value) -> str:
    """Mask ``value`` as ``kind``; an unknown kind hides the value completely."""
    if not value:
        return ""
    masker = MASKERS.get(kind)
    return masker(value) if masker else MASK * 4
