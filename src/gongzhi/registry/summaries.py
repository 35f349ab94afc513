"""Population figures per area, rebuilt by the worker so the statistics page does not count a district.

Counting the current residents of a district for the statistics page (totals, 63 age/sex
bands, registration, residence, special groups) scans the whole scope several times: ten
seconds at 1,000,000 people on SQLite. ``refresh`` counts everybody once per dimension, grouped
by the area a person belongs to, adds each area's counts to all its ancestors, and stores one
``AreaPopulation`` row per area (about 18,000 for a district). The page then reads one row and
says when it was computed. It runs every ``REFRESH_EVERY`` (``core.schedule``) and after each
resident import; an area without a row yet is counted live.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils import timezone

from gongzhi.areas.models import Area

from .choices import Gender
from .models import AreaPopulation, Person, PersonTag

REFRESH_EVERY = datetime.timedelta(minutes=15)
AGE_BAND_YEARS = 5
AGE_BAND_TOP = 100  # the last band is "100 and over"


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def band_labels() -> list[tuple[int, str]]:
    return [(low, f"{low}+" if low >= AGE_BAND_TOP else f"{low}-{low + AGE_BAND_YEARS - 1}")
            for low in range(0, AGE_BAND_TOP + 1, AGE_BAND_YEARS)]


def _band(today: datetime.date) -> Case:
    """The lower bound of a person's five-year age band on ``today`` (``None``: no or a future birth date)."""
    whens = [When(birth_date__gt=today, then=Value(None))]
    for low, _label in band_labels():
        if low >= AGE_BAND_TOP:
            whens.append(When(birth_date__lte=years_before(today, low), then=Value(low)))
        else:
            whens.append(When(birth_date__gt=years_before(today, low + AGE_BAND_YEARS), then=Value(low)))
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _sex(gender: str) -> str:
    return {Gender.MALE: "male", Gender.FEMALE: "female"}.get(gender, "unknown")


def _empty() -> dict[str, Any]:
    return {"total": 0, "bands": defaultdict(int), "registration": defaultdict(int),
            "residence_status": defaultdict(int), "tags": defaultdict(int)}


def count_by_area(today: datetime.date) -> dict[int, dict[str, Any]]:
    """The current residents' counts per area they belong to (three grouped passes over the person table)."""
    current = Person.objects.current().order_by()
    per_area: dict[int, dict[str, Any]] = defaultdict(_empty)
    for row in current.values("area_id", "gender").annotate(band=_band(today)).values(
            "area_id", "gender", "band").annotate(n=Count("pk")):
        counts = per_area[row["area_id"]]
        counts["total"] += row["n"]
        if row["band"] is not None:
            counts["bands"][f"{row['band']}:{_sex(row['gender'])}"] += row["n"]
    for row in current.values("area_id", "registration", "residence_status").annotate(n=Count("pk")):
        counts = per_area[row["area_id"]]
        counts["registration"][row["registration"]] += row["n"]
        counts["residence_status"][row["residence_status"]] += row["n"]
    tags = (PersonTag.objects.filter(person__deceased=False, person__moved_out=False).fitting(today).order_by()
            .values("person__area_id", "group__code").annotate(n=Count("person", distinct=True)))
    for row in tags:
        per_area[row["person__area_id"]]["tags"][row["group__code"]] += row["n"]
    return per_area


def _add(into: dict[str, Any], counts: dict[str, Any]) -> None:
    into["total"] += counts["total"]
    for key in ("bands", "registration", "residence_status", "tags"):
        for name, n in counts[key].items():
            into[key][name] += n


def figures_of(counts: dict[str, Any]) -> dict[str, Any]:
    """Stored figures (JSON): totals and counts keyed by band and sex, codes and group codes."""
    return {key: (dict(value) if isinstance(value, dict) else value) for key, value in counts.items()}


def refresh(now: datetime.datetime | None = None) -> int:
    """Rebuild every area's figures from the person table; return the number of areas stored."""
    now = now or timezone.now()
    today = datetime.date.today()  # as the live count on the page
    per_area = count_by_area(today)
    paths = dict(Area.objects.values_list("id", "path"))
    ids_by_path = {path: pk for pk, path in paths.items()}
    totals: dict[int, dict[str, Any]] = defaultdict(_empty)
    for area_id, counts in per_area.items():
        parts = paths[area_id].strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            ancestor = ids_by_path.get("/" + "/".join(parts[:depth]) + "/")
            if ancestor is not None:
                _add(totals[ancestor], counts)
    rows = [AreaPopulation(area_id=area_id, figures=figures_of(counts), computed_at=now)
            for area_id, counts in totals.items()]
    with transaction.atomic():
        AreaPopulation.objects.all().delete()
        AreaPopulation.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def stored_figures(area: Area) -> tuple[dict[str, Any], datetime.datetime] | None:
    """``(figures, computed_at)`` of ``area``'s stored row, ``None`` when it has none yet."""
    row = AreaPopulation.objects.filter(area=area).values_list("figures", "computed_at").first()
    return (row[0], row[1]) if row else None

