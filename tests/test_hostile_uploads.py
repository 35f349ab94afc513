"""The hostile-files corpus, posted to every upload endpoint found from the URL map.

Endpoints are found, not listed: the URL resolver is walked, and every view or ninja operation
declared with ``gongzhi.core.uploads.accepts_uploads`` is an upload endpoint. A view that reads
``request.FILES``, a form with a file field outside the guard, an API operation taking binary or
base64 content, or an admin form with a file field, without that declaration, fails
``test_every_endpoint_that_takes_files_is_declared``; a declared endpoint without a way to post to
it here (a ``RECIPES`` entry) fails ``test_every_upload_endpoint_has_a_recipe``. So a new upload
endpoint cannot be added without the guard and without this corpus.

Each hostile file, posted as a user allowed to use the endpoint, must be refused clearly (or, for
an upload that starts a background job, end in a FAILED job with its reason), with no server error,
no traceback, nothing written and no ballooning memory (the peak resident size of the process is
reset before each request and read after it).
"""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from gongzhi.core import uploads
from tests import hostile_files as hostile
from tests.urlmap import Endpoint, all_endpoints

# Every file is refused before anything reads it or a query runs: the SQLite lane runs it.
pytestmark = [pytest.mark.django_db, pytest.mark.any_database]

MB = 1024 * 1024
MEMORY_GROWTH_LIMIT = 48 * MB  # the largest test file is 2 MB; a decoded bomb or a read-in upload is far more
REFUSAL_MARKERS = ("过大", "过多", "不是", "已拒绝", "损坏", "像素过多", "无法识别", "最多上传", "空文件",
                   "范围过大")


# --- discovery ---------------------------------------------------------------------------------------

def upload_endpoints() -> list[Endpoint]:
    return [endpoint for endpoint in all_endpoints() if endpoint.spec is not None]


def _own_source(handler) -> str:
    """The source of a view written in this project (with its class's own bases), "" for others."""
    handler = inspect.unwrap(handler)
    view_class = getattr(handler, "view_class", None)
    owners = [cls for cls in getattr(view_class, "__mro__", ()) if cls.__module__.startswith("gongzhi.")]
    targets = owners or [handler]
    sources = []
    for target in targets:
        if getattr(target, "__module__", "").startswith("gongzhi."):
            try:
                sources.append(inspect.getsource(target))
            except (OSError, TypeError):
                continue
    return "\n".join(sources)


def _binary_properties(schema, components) -> bool:
    """Whether a JSON schema (with $refs into ``components``) takes binary or base64 content."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _binary_properties(components.get(schema["$ref"].rsplit("/", 1)[-1], {}), components)
        if schema.get("format") in ("binary", "byte") or "contentEncoding" in schema:
            return True
        return any(_binary_properties(value, components) for value in schema.values())
    if isinstance(schema, list):
        return any(_binary_properties(value, components) for value in schema)
    return False


def _openapi_path(route: str) -> str:
    """``api/v1/cases/<int:pk>/actions`` → ``/api/v1/cases/{pk}/actions`` (as the OpenAPI file writes it)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).rstrip("/")


def undeclared_upload_endpoints() -> list[str]:
    from gongzhi.accounts.admin_site import admin_site
    from gongzhi.core.api import api

    found = []
    for endpoint in all_endpoints():
        source = _own_source(endpoint.handler) if endpoint.methods == "*" else ""
        if endpoint.spec is None and ("FILES" in source or "files_from(" in source):
            found.append(f"view {endpoint.view_name or endpoint.route} reads request.FILES")
    # Forms: every file field goes through the guard.
    pending = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("gongzhi.") and hasattr(cls, "base_fields"):
            for name, field in cls.base_fields.items():
                if isinstance(field, forms.FileField) and not isinstance(field, uploads.UploadField):
                    found.append(f"form {cls.__module__}.{cls.__name__}.{name} is a FileField outside the guard")
    # The API: an operation whose request body carries files (multipart, binary or base64 content).
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    declared = {(_openapi_path(e.route), method) for e in upload_endpoints() for method in e.methods.split(",")}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            takes_files = "multipart/form-data" in body or _binary_properties(body, components)
            if takes_files and (path.rstrip("/"), method.upper()) not in declared:
                found.append(f"API {method.upper()} {path} takes file content")
    # The admin: no model form there may take a file (its views are Django's, outside the guard).
    for model in admin_site._registry:
        for model_field in model._meta.get_fields():
            if getattr(model_field, "editable", False) and isinstance(model_field, models.FileField):
                found.append(f"admin {model.__name__}.{model_field.name} takes a file")
    return found


# --- posting to an endpoint --------------------------------------------------------------------------

@dataclass
class Outcome:
    status: int
    text: str  # what the user reads: the page after redirects, or the JSON body
    job: object | None = None


class World(SimpleNamespace):
    """The demo district with what the recipes need: a case at the step that takes photos."""


@pytest.fixture
def world(demo, client, django_capture_on_commit_callbacks, settings, tmp_path):
    from gongzhi.accounts.services import create_api_token
    from gongzhi.areas.models import Area
    from gongzhi.cases.demo_links import link_departments
    from gongzhi.cases.tests.helpers import case_in

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GONGZHI_CASE_PHOTO_MAX_BYTES = 1 * MB
    settings.GONGZHI_RESIDENT_IMPORT_MAX_BYTES = 2 * MB
    settings.GONGZHI_AREA_IMPORT_MAX_BYTES = 2 * MB
    settings.GONGZHI_ATTACHMENT_MAX_BYTES = 1 * MB
    link_departments()
    grid = Area.objects.get(code="34170200100101")
    lon, lat = grid.centroid
    world = World(**vars(demo), grid=grid, lon=lon, lat=lat, client=client, media=Path(settings.MEDIA_ROOT),
                  capture=django_capture_on_commit_callbacks)
    world.case = case_in(world, "in_progress")  # the department's next step, feedback, takes photos
    world.disclosure = _disclosure_draft(demo)  # a draft whose edit takes attachments
    _task(world)  # a decided topic's task: its progress updates take photos
    _village_process(world)  # a village's 四议两公开: each step's record takes photos
    world.tokens = {name: {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=demo.users[name], name='t')[1]}"}
                    for name in ("resident", "dept")}
    return world


def _disclosure_draft(demo):
    import datetime

    from gongzhi.disclosure import services_items

    return services_items.create_item(
        actor=demo.users["community"], area=demo.users["community"].role_assignments.first().area,
        category="affairs", body="committee", title="居务公开草稿", content="内容",
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31))


DISCLOSURE_FORM = {"area": "", "category": "service", "body": "station", "title": "服务公示", "content": "周六上午值班。",
                   "period_start": "2026-01-01", "period_end": "2026-03-31"}


def _disclosure_create(world, files, field, **extra):
    return _page(world, "community", "/disclosure/manage/new/",
                 {**DISCLOSURE_FORM, "area": world.disclosure.area_id}, files, field, **extra)


def _disclosure_edit(world, files, field, **extra):
    return _page(world, "community", f"/disclosure/manage/{world.disclosure.pk}/edit/",
                 {**DISCLOSURE_FORM, "area": world.disclosure.area_id}, files, field, **extra)


def _disclosure_attached(world, outcome) -> bool:
    from gongzhi.disclosure.models import DisclosureAttachment

    return outcome.status == 302 and DisclosureAttachment.objects.exists()


def _page(world, user: str, path: str, fields: dict, files: list[tuple[str, bytes]], field: str, **extra) -> Outcome:
    client = world.client
    client.force_login(world.users[user])
    data = dict(fields)
    data[field] = [SimpleUploadedFile(name, content) for name, content in files]
    with world.capture(execute=True):
        response = client.post(path, data, **extra)
    text = response.content.decode(errors="replace")
    if response.status_code == 302:
        text = client.get(response["Location"]).content.decode(errors="replace")
    return Outcome(response.status_code, text)


def _api(world, user: str, path: str, fields: dict, files: list[tuple[str, bytes]], field: str, **extra) -> Outcome:
    body = json.dumps({**fields, field: [base64.b64encode(content).decode() for _name, content in files]})
    world.client.logout()
    response = world.client.post(path, body, content_type="application/json", **world.tokens[user], **extra)
    return Outcome(response.status_code, response.content.decode(errors="replace"))


def _report_page(world, files, field, **extra):
    return _page(world, "resident", "/cases/report/", {"description": "小区门口路灯坏了", "lon": world.lon,
                                                         "lat": world.lat}, files, field, **extra)


def _act_page(world, files, field, **extra):
    return _page(world, "dept", f"/cases/{world.case.pk}/act/", {"action": "feedback", "note": "已修复"},
                 files, field, **extra)


def _report_api(world, files, field, **extra):
    return _api(world, "resident", "/api/v1/cases", {"description": "小区门口路灯坏了", "lon": world.lon,
                                                     "lat": world.lat}, files, field, **extra)


def _act_api(world, files, field, **extra):
    return _api(world, "dept", f"/api/v1/cases/{world.case.pk}/actions", {"action": "feedback", "note": "已修复"},
                files, field, **extra)


def _resident_import(world, files, field, **extra):
    from gongzhi.jobs.models import Job

    before = set(Job.objects.values_list("pk", flat=True))
    outcome = _page(world, "community", "/registry/import/", {"area": "341702001001"}, files, field, **extra)
    outcome.job = Job.objects.exclude(pk__in=before).first()
    return outcome


def _area_import(world, files, field, **extra):
    return _page(world, "district", "/areas/import/", {}, files, field, **extra)


def _map_layer_import(world, files, field, **extra):
    return _page(world, "district", "/areas/map/layers/", {"kind": "road", "name_field": "路名"}, files, field, **extra)


def _map_layer_zip() -> bytes:
    from gongzhi.basemap.tests.layer_files import shapefile_zip

    return shapefile_zip()


def _map_layer_imported(world, outcome) -> bool:
    from gongzhi.basemap.models import MapFeature

    return outcome.status == 302 and MapFeature.objects.filter(name="滨湖大道").exists()


def _topic_page(world, files, field, **extra):
    from gongzhi.areas.models import Area

    community = Area.objects.get(code="341702001001")
    return _page(world, "community", "/deliberation/topics/new/", {
        "title": "小区加装电梯", "description": "老旧小区没有电梯", "area": community.pk,
        "scope_kind": "community"}, files, field, **extra)


def _topic_proposed(world, outcome) -> bool:
    from gongzhi.deliberation.models import TopicAttachment

    return outcome.status in (200, 302) and TopicAttachment.objects.exists()


def _task(world):
    """A task of a decided topic of 幸福社区 (its progress updates take photos), made once."""
    import datetime

    from gongzhi.areas.models import Area
    from gongzhi.deliberation import follow_up
    from gongzhi.deliberation.models import Task, Topic, TopicStatus

    task = Task.objects.first()
    if task is None:
        topic = Topic.objects.create(area=Area.objects.get(code="341702001001"), title="楼道照明", description="无照明",
                                     status=TopicStatus.DECIDED)
        task = follow_up.create_task(actor=world.users["community"], topic=topic, title="安装声控灯",
                                     owner_unit="居委会", deadline=datetime.date(2030, 1, 1))
    return task


def _task_update(world, files, field, **extra):
    return _page(world, "community", f"/deliberation/tasks/{_task(world).pk}/update/",
                 {"text": "已安装一半", "percent": "50"}, files, field, **extra)


def _task_updated(world, outcome) -> bool:
    from gongzhi.deliberation.models import TaskPhoto

    return outcome.status == 302 and TaskPhoto.objects.exists()


def _village_process(world):
    from gongzhi.areas.models import Area
    from gongzhi.deliberation import villages
    from gongzhi.deliberation.models import VillageProcess

    process = VillageProcess.objects.first()
    if process is None:
        process = villages.start_process(actor=world.users["village"], village=Area.objects.get(code="341702101201"),
                                         title="村道硬化", matter="硬化村道 2 公里")
    return process


def _village_step(world, files, field, **extra):
    return _page(world, "village", f"/deliberation/villages/processes/{_village_process(world).pk}/", {
        "step": "1", "held_on": "2026-12-01", "body": "村党支部", "signed_by": "村党支部委员", "expected": "5",
        "present": "5", "yes": "5", "no": "0", "abstain": "0", "expected_reason": "支部委员 5 人",
        "minutes": "支部提议硬化村道"}, files, field, **extra)


def _village_step_recorded(world, outcome) -> bool:
    from gongzhi.deliberation.models import StepAttachment

    return outcome.status == 302 and StepAttachment.objects.exists()


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _resident_sheet() -> bytes:
    return hostile.small_xlsx([["姓名", "身份证号"], ["张三", "34170219900101001X"]])


def _area_csv() -> bytes:
    return ("code,name,level,parent\n34170200100111,幸福社区第11网格,grid,341702001001\n").encode()


@dataclass(frozen=True)
class Recipe:
    post: Callable[..., Outcome]
    good_file: tuple[str, Callable[[], bytes]]
    accepted: Callable[[World, Outcome], bool]


def _field_sync(world, files, field, **extra):
    """The offline field app's queue: a case reported offline arrives with its photos."""
    import uuid

    payload = json.dumps({"description": "小区门口路灯坏了", "lon": world.lon, "lat": world.lat})
    return _page(world, "grid", "/field/sync/", {"key": uuid.uuid4().hex, "kind": "case.report", "payload": payload},
                 files, field, **extra)


def _field_case_reported(world, outcome) -> bool:
    from gongzhi.cases.models import CasePhoto

    return outcome.status == 200 and CasePhoto.objects.exclude(case=world.case).exists()


def _case_reported(world, outcome) -> bool:
    from gongzhi.cases.models import CasePhoto

    return outcome.status in (201, 302) and CasePhoto.objects.exclude(case=world.case).exists()


def _feedback_given(world, outcome) -> bool:
    world.case.refresh_from_db()
    return outcome.status in (200, 302) and world.case.status == "feedback" and world.case.photos.exists()


RECIPES: dict[str, Recipe] = {
    "cases:report": Recipe(_report_page, ("photo.jpg", hostile.real_photo), _case_reported),
    "cases:act": Recipe(_act_page, ("photo.jpg", hostile.real_photo), _feedback_given),
    "api:report_case": Recipe(_report_api, ("photo.jpg", hostile.real_photo), _case_reported),
    "api:act": Recipe(_act_api, ("photo.jpg", hostile.real_photo), _feedback_given),
    "field:sync": Recipe(_field_sync, ("photo.jpg", hostile.real_photo), _field_case_reported),
    "registry:import": Recipe(_resident_import, ("花名册.xlsx", _resident_sheet),
                              lambda world, outcome: outcome.job is not None and outcome.job.status == "succeeded"),
    "deliberation:topic_new": Recipe(_topic_page, ("方案.pdf", _pdf), _topic_proposed),
    "deliberation:task_update": Recipe(_task_update, ("photo.jpg", hostile.real_photo), _task_updated),
    "deliberation:village_process": Recipe(_village_step, ("photo.jpg", hostile.real_photo), _village_step_recorded),
    "disclosure:manage_create": Recipe(_disclosure_create, ("photo.jpg", hostile.real_photo), _disclosure_attached),
    "disclosure:manage_edit": Recipe(_disclosure_edit, ("photo.jpg", hostile.real_photo), _disclosure_attached),
    "basemap:layers": Recipe(_map_layer_import, ("roads.zip", _map_layer_zip), _map_layer_imported),
    "areas:import": Recipe(_area_import, ("grids.csv", _area_csv),
                           lambda world, outcome: 'data-testid="import-confirm"' in outcome.text),
}


# --- the corpus --------------------------------------------------------------------------------------

def _oversize(kind: uploads.UploadKind) -> bytes:
    """The right magic bytes for the kind, one byte over its limit."""
    head = {"photo": hostile.real_photo(), "resident_sheet": b"name,id\n", "area_file": b"code,name\n",
            "document": b"%PDF-1.4\n", "map_layer": b'{"type": "FeatureCollection", "features": ['}[kind.name]
    return head + b"0" * (kind.max_bytes + 1 - len(head))


HOSTILE: dict[str, Callable[[uploads.UploadKind], list[tuple[str, bytes]]]] = {
    "png bomb (50000×50000, 140 bytes)": lambda kind: [("bomb.png", hostile.png(50_000, 50_000, rows=8))],
    "png just over the pixel limit (7000×6000)": lambda kind: [("big.png", hostile.png(7000, 6000))],
    "jpeg claiming 60000×60000": lambda kind: [("bomb.jpg", hostile.jpeg_claiming(60_000, 60_000))],
    "html named .jpg": lambda kind: [("photo.jpg", hostile.HTML)],
    "svg named .jpg": lambda kind: [("photo.jpg", hostile.SVG)],
    "exe named .jpg": lambda kind: [("photo.jpg", hostile.EXE)],
    "exe named .csv": lambda kind: [("people.csv", hostile.EXE)],
    "png named .xlsx": lambda kind: [("people.xlsx", hostile.real_photo("PNG"))],
    "zip bomb named .xlsx": lambda kind: [("people.xlsx", hostile.zip_bomb_xlsx())],
    "sparse xlsx (one cell at XFD1048576)": lambda kind: [("people.xlsx", hostile.sparse_xlsx())],
    "huge inline string xlsx (64 MB)": lambda kind: [("people.xlsx", hostile.huge_inline_string_xlsx())],
    "xlsx whose sharedStrings inflates to 1 GB (1 MB file)":
        lambda kind: [("people.xlsx", hostile.shared_strings_bomb_xlsx())],
    "zip of a program named .xlsx": lambda kind: [("people.xlsx", hostile.zip_named_xlsx())],
    "gif with 50000 frames named .jpg": lambda kind: [("photo.jpg", hostile.gif(frames=50_000))],
    "gif with 50000 frames named .gif": lambda kind: [("photo.gif", hostile.gif(frames=50_000))],
    "gif claiming 60000×60000 named .png": lambda kind: [("photo.png", hostile.gif(60_000, 60_000))],
    "over-size file": lambda kind: [(f"big{('.jpg', '.csv', '.csv', '.pdf', '.geojson')[uploads.KINDS.index(kind)]}",
                                     _oversize(kind))],
    # Zipped Shapefiles (the base map's layers): judged by the zip's directory before a member is read.
    "zip bomb named .zip (a .dbf inflating to 300 MB)":
        lambda kind: [("roads.zip", _shapefile_files().zip_bomb_shapefile())],
    "zip with ../ path traversal": lambda kind: [("roads.zip", _shapefile_files().zip_with_traversal())],
    "zip with 200 members": lambda kind: [("roads.zip", _shapefile_files().zip_with_many_members())],
    "too many files": lambda kind: [(f"f{n}.jpg", hostile.real_photo()) for n in range(kind.max_count + 1)],
}
# A real PNG is a photo whatever its name: the photo kinds take it (re-encoded), by content.
NOT_HOSTILE_FOR = {("png named .xlsx", "photo"), ("png named .xlsx", "document")}


def _shapefile_files():
    from gongzhi.basemap.tests import layer_files

    return layer_files


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _stored_files(world) -> set[str]:
    return {str(p.relative_to(world.media)) for p in world.media.rglob("*") if p.is_file()} if world.media.exists() \
        else set()


def _rows() -> dict[str, int]:
    from gongzhi.cases.models import Case, CasePhoto
    from gongzhi.deliberation.models import StepAttachment, StepRecord, TaskPhoto, TaskUpdate, Topic, TopicAttachment
    from gongzhi.disclosure.models import DisclosureAttachment, DisclosureItem
    from gongzhi.basemap.models import LayerBatch, MapFeature
    from gongzhi.registry.models import ImportBatch, Person

    return {model.__name__: model.objects.count()
            for model in (Case, CasePhoto, ImportBatch, Person, Topic, TopicAttachment, DisclosureItem,
                          DisclosureAttachment, TaskUpdate, TaskPhoto, StepRecord, StepAttachment, LayerBatch,
                          MapFeature)}


def _post_measured(world, recipe: Recipe, files, spec, **extra) -> tuple[Outcome, int]:
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak resident size of this process
    start = _rss()
    outcome = recipe.post(world, files, spec.field, **extra)
    return outcome, _peak_rss() - start


def _assert_refused(world, name: str, endpoint: Endpoint, outcome: Outcome, growth: int, before_files, before_rows):
    where = f"{name} → {endpoint.view_name}"
    assert outcome.status < 500, f"{where}: HTTP {outcome.status}"
    assert "Traceback" not in outcome.text and "server_error" not in outcome.text, where
    assert growth < MEMORY_GROWTH_LIMIT, f"{where}: the process grew by {growth // MB} MB"
    assert _rows() == before_rows, f"{where}: rows were written"
    if outcome.job is not None:  # an upload that became a background job: it must fail, saying why
        outcome.job.refresh_from_db()
        assert outcome.job.status == "failed" and outcome.job.message, where
        assert outcome.job.message in outcome.text, where
        return
    assert _stored_files(world) == before_files, f"{where}: files were stored"
    if outcome.text.startswith("{"):
        body = json.loads(outcome.text)
        assert outcome.status in (413, 422), where
        assert body["code"] in ("invalid", "request_too_large", "too_many_files"), where
        detail = body["detail"]
        assert isinstance(detail, str) and any(marker in detail for marker in REFUSAL_MARKERS), f"{where}: {detail}"
    else:
        assert any(marker in outcome.text for marker in REFUSAL_MARKERS), f"{where}: no refusal shown"


def test_every_endpoint_that_takes_files_is_declared():
    assert undeclared_upload_endpoints() == []


def test_every_upload_endpoint_has_a_recipe():
    found = {endpoint.view_name for endpoint in upload_endpoints()}
    # The ones this project has today must be found by the walk (the discovery itself works).
    assert {"cases:report", "cases:act", "api:report_case", "api:act", "registry:import", "areas:import",
            "basemap:layers"} <= found
    assert found <= set(RECIPES), f"upload endpoints without a recipe here: {sorted(found - set(RECIPES))}"


def test_a_good_file_is_accepted_by_every_upload_endpoint(world):
    """The control: each recipe posts as a user who may use the endpoint, and a good file gets through."""
    for endpoint in upload_endpoints():
        recipe = RECIPES[endpoint.view_name]
        name, make = recipe.good_file
        outcome = recipe.post(world, [(name, make())], endpoint.spec.field)
        assert recipe.accepted(world, outcome), f"{endpoint.view_name}: {outcome.status} {outcome.text[:300]}"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_upload_endpoint_refuses_the_hostile_file(world, name):
    for endpoint in upload_endpoints():
        spec = endpoint.spec
        if (name, spec.kind.name) in NOT_HOSTILE_FOR:
            continue
        files = HOSTILE[name](spec.kind)
        before_files, before_rows = _stored_files(world), _rows()
        outcome, growth = _post_measured(world, RECIPES[endpoint.view_name], files, spec)
        _assert_refused(world, name, endpoint, outcome, growth, before_files, before_rows)


def test_a_request_larger_than_its_endpoint_allows_is_refused_before_it_is_read(world):
    """Ten 50 MB "photos": the Content-Length alone refuses them (413), before a byte is read."""
    for endpoint in upload_endpoints():
        spec = endpoint.spec
        claimed = spec.kind.request_limit(spec.transport) + 1
        outcome, growth = _post_measured(world, RECIPES[endpoint.view_name], [("a.jpg", hostile.real_photo())],
                                         spec, CONTENT_LENGTH=str(claimed))
        assert outcome.status == 413, endpoint.view_name
        if endpoint.route.startswith(("api/", "open311/")):
            body = json.loads(outcome.text)
            assert body["code"] == "request_too_large" and "提交的内容过大" in body["detail"]
        else:
            assert "提交的内容过大" in outcome.text
        assert growth < MEMORY_GROWTH_LIMIT


def test_a_large_body_to_an_endpoint_without_files_is_refused_by_its_length(world):
    """Open311 and every other endpoint that takes no files: the global limit, answered in their format."""
    claimed = str(settings.GONGZHI_MAX_REQUEST_BYTES + 1)
    response = world.client.post("/open311/v2/requests.json", {"service_code": "x"}, CONTENT_LENGTH=claimed)
    assert response.status_code == 413  # in the specification's error format
    assert response.json()[0]["code"] == 413 and "提交的内容过大" in response.json()[0]["description"]
    response = world.client.post("/open311/v2/requests.xml", {"service_code": "x"}, CONTENT_LENGTH=claimed)
    assert response.status_code == 413 and b"<errors>" in response.content
    response = world.client.post("/api/v1/auth/token", "{}", content_type="application/json", CONTENT_LENGTH=claimed)
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    world.client.force_login(world.users["resident"])
    response = world.client.post("/accounts/password/", {"x": "y"}, CONTENT_LENGTH=claimed)
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()


def test_more_files_than_django_parses_is_a_clear_refusal(world):
    world.client.force_login(world.users["resident"])
    files = [SimpleUploadedFile(f"f{n}.jpg", b"\xff\xd8\xff") for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = world.client.post("/cases/report/", {"description": "x", "photos": files})
    assert response.status_code == 413 and "文件过多" in response.content.decode()
