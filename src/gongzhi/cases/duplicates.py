"""Suggested duplicates: the same problem reported twice nearby within two days.

A candidate is in the same category family (大类, using the suggested category when the report
has none yet), within 100 m, reported within 48 hours, and its text is similar (Jaccard index of
the token sets ≥ 0.2). Staff decide; a merged case shares its outcome with every reporter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from .classifier import tokens
from .models import Case, CaseStatus

RADIUS_METRES = 100
WINDOW = timedelta(hours=48)
MIN_SIMILARITY = 0.2
EARTH_RADIUS_METRES = 6_371_000


@dataclass(frozen=True)
class Duplicate:
    case: Case
    metres: float
    similarity: float


def distance_metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


def similarity(a: str, b: str) -> float:
    left, right = set(tokens(a)), set(tokens(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def family_of(case: Case) -> int | None:
    category = case.category or case.suggested_category
    return category.family_id if category is not None else None


def candidates(case: Case, *, among: QuerySet[Case] | None = None, limit: int = 5) -> list[Duplicate]:
    """Likely duplicates of ``case`` among other open or closed cases, most similar first.

    ``among``: the cases to look in (a page passes what its user may see: a case across the
    street's border is not shown to a community that could not open it or merge into it).
    """
    if case.lon is None or case.lat is None:
        return []
    family = family_of(case)
    if family is None:
        return []
    # A bounding box first (an index-friendly prefilter), then the exact distance.
    d_lat = RADIUS_METRES / 111_320
    d_lon = RADIUS_METRES / (111_320 * max(0.01, math.cos(math.radians(case.lat))))
    nearby = ((Case.objects.all() if among is None else among).filter(lon__range=(case.lon - d_lon, case.lon + d_lon),
                                  lat__range=(case.lat - d_lat, case.lat + d_lat),
                                  reported_at__range=(case.reported_at - WINDOW, case.reported_at + WINDOW),
                                  merged_into__isnull=True)
              .exclude(pk=case.pk).exclude(status__in=[CaseStatus.REJECTED, CaseStatus.MERGED])
              .select_related("category", "suggested_category", "area"))
    found = []
    for other in nearby:
        if family_of(other) != family:
            continue
        metres = distance_metres(case.lon, case.lat, other.lon, other.lat)
        if metres > RADIUS_METRES:
            continue
        score = similarity(case.description, other.description)
        if score >= MIN_SIMILARITY:
            found.append(Duplicate(other, round(metres, 1), round(score, 3)))
    found.sort(key=lambda d: (-d.similarity, d.metres))
    return found[:limit]
