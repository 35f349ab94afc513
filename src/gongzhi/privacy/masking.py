"""Server-side de-identification for screens, exports and paper (GB/T 35273-2020 practice).

ID: first 6 + last 4 (``330106********1234``); phone: ``138****5678``; name: ``张*`` / ``张*明``;
address: keep the area part, hide the door number.
"""

from __future__ import annotations

import re

MASK = "*"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 10:
        return v[:2] + MASK * max(len(v) - 2, 0)
    return v[:6] + MASK * (len(v) - 10) + v[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.strip()
    if len(digits) == 11:
        return digits[:3] + MASK * 4 + digits[-4:]
    if len(digits) <= 4:
        return MASK * len(digits)
    return digits[:2] + MASK * (len(digits) - 4) + digits[-2:]


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 1:
        return v
    if len(v) == 2:
        return v[0] + MASK
    return v[0] + MASK * (len(v) - 2) + v[-1]


_DOOR = re.compile(r"(\d+)(室|号房|户)$")
_TAIL_NUMBERS = re.compile(r"\d+(栋|幢|号楼|单元|室|号)")


def mask_address(value: str | None) -> str:
    """Keep road and estate, hide building / unit / room numbers: 幸福路88号 阳光小区 *栋*单元*室."""
    if not value:
        return ""
    v = value.strip()
    # Hide numbers attached to building/unit/room markers after the first space-separated part.
    head, sep, tail = v.partition(" ")
    if not sep:
        return _DOOR.sub(lambda m: MASK * len(m.group(1)) + m.group(2), v)
    return head + sep + _TAIL_NUMBERS.sub(lambda m: MASK + m.group(1), tail)


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "address": mask_address,
}
