"""Open311 GeoReport v2 (/open311/v2/): each method against the specification's examples, in JSON and XML;
what is never public; the keys (service, command, page)."""

from __future__ import annotations

import datetime
import io
import json
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.audit.models import AuditEntry
from gongzhi.cases import open311, services
from gongzhi.cases.errors import InvalidInput, NotAllowed
from gongzhi.cases.models import Case, Category, Open311Key, Open311Submission
from gongzhi.cases.open311_keys import issue_open311_key, revoke_open311_key

from .helpers import NOW, case_in, new_case

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
# Field order of the specification's examples.
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
WINDOW = f"start_date={quote('2026-11-01T00:00:00+08:00')}&end_date={quote('2026-12-31T00:00:00+08:00')}"


# --- Helpers -------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _no_general_errors(caplog):
    """A "general service error" (an unexpected exception answered 400) would hide a bug: none may occur."""
    yield
    assert not [r for r in caplog.records if r.name == open311.logger.name and r.levelname == "ERROR"]


def get_json(client, url, status=200):
    response = client.get(f"{BASE}/{url}")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def get_xml(client, url, status=200) -> ElementTree.Element:
    response = client.get(f"{BASE}/{url}")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return parse_xml(response.content)


def parse_xml(content: bytes) -> ElementTree.Element:
    assert content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(content)


def text_of(value) -> str | None:
    """How a JSON value is written in the XML document (Spark convention)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_same(value, element: ElementTree.Element, item: str | None = None) -> None:
    """The XML element holds exactly the JSON value: same children, in the same order, same texts."""
    if isinstance(value, dict):
        assert [child.tag for child in element] == list(value), (element.tag, list(value))
        for child, (key, item_value) in zip(element, value.items(), strict=True):
            assert_same(item_value, child, open311.ITEM_NAMES.get(key))
    elif isinstance(value, list):
        assert [child.tag for child in element] == [item] * len(value), element.tag
        for child, item_value in zip(element, value, strict=True):
            assert_same(item_value, child)
    else:
        assert len(element) == 0 and (element.text or None) == text_of(value), (element.tag, element.text, value)


def both(client, url, root: str):
    """The JSON document, after checking that the XML one says the same thing element by element."""
    data = get_json(client, f"{url.replace('{fmt}', 'json')}")
    tree = get_xml(client, f"{url.replace('{fmt}', 'xml')}")
    assert tree.tag == root
    if isinstance(data, list):
        assert_same(data, tree, open311.ITEM_NAMES[root])
    else:
        assert_same(data, tree)
    return data


def errors(response, status: int) -> list[dict]:
    """The specification's error document, in the response's format; the JSON form is returned."""
    assert response.status_code == status, response.content
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        tree = parse_xml(response.content)
        assert tree.tag == "errors"
        body = [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in tree]
        assert all([c.tag for c in e] == ["code", "description"] for e in tree)
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body)
    assert body[0]["code"] == status and body[0]["description"]
    return body


@pytest.fixture
def key(cases_demo):
    _row, value = issue_open311_key(actor=None, name="市民热线 App")
    return value


def post(client, fmt="json", **fields):
    return client.post(f"{BASE}/requests.{fmt}", fields)  # form-encoded, as the specification sends


def report(demo, key, client, **extra):
    fields = {"api_key": key, "service_code": "0303", "lat": demo.lat, "long": demo.lon,
              "description": "幸福路口井盖旁路面塌陷，车辆经过很危险", **extra}
    response = post(client, **fields)
    assert response.status_code == 200, response.content
    # Batch: the POST answers a token; the tests' task backend files the case before the answer.
    [filed] = get_json(client, f"tokens/{response.json()[0]['token']}.json")
    return Case.objects.get(number=filed["service_request_id"])


# --- Discovery, services, service definitions -----------------------------------------------------

def test_discovery_follows_the_example(client, cases_demo):
    data = both(client, "discovery.{fmt}", "discovery")
    assert list(data) == ["changeset", "contact", "key_service", "endpoints"]
    assert data["changeset"] and data["contact"] and "密钥" in data["key_service"]
    [endpoint] = data["endpoints"]
    assert list(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production" and endpoint["formats"] == ["text/xml", "application/json"]


def test_services_are_the_active_public_minor_categories(client, cases_demo):
    Category.objects.filter(code="0104").update(active=False)
    data = both(client, "services.{fmt}", "services")
    assert all(list(service) == SERVICE_FIELDS for service in data)
    codes = [service["service_code"] for service in data]
    expected = list(Category.objects.filter(active=True, sensitive=False, parent__isnull=False)
                    .order_by("parent__sort", "sort").values_list("code", flat=True))
    assert codes == expected and "0303" in codes and "1002" in codes
    assert not {"0104", "0901", "0902", "0903", "1001", "01", "03"} & set(codes)
    road = next(service for service in data if service["service_code"] == "0303")
    category = Category.objects.get(code="0303")
    assert road == {"service_code": "0303", "service_name": "道路破损", "description": "公共设施 / 道路破损",
                    "metadata": False, "type": "batch", "keywords": ", ".join(category.keyword_list()),
                    "group": "公共设施"}
    tree = get_xml(client, "services.xml")
    first = tree.find("service")
    assert first.findtext("metadata") == "false" and first.findtext("type") == "batch"


def test_service_definition_has_no_attributes(client, cases_demo):
    data = both(client, "services/0303.{fmt}", "service_definition")
    assert data == {"service_code": "0303", "attributes": []}
    tree = get_xml(client, "services/0303.xml")
    assert [child.tag for child in tree] == ["service_code", "attributes"] and len(tree.find("attributes")) == 0
    for code in ("0901", "9999", "03", "1001"):  # sensitive, unknown, a 大类, sensitive
        for fmt in ("json", "xml"):
            errors(client.get(f"{BASE}/services/{code}.{fmt}"), 404)
    Category.objects.filter(code="0303").update(active=False)
    errors(client.get(f"{BASE}/services/0303.json"), 404)


# --- POST Service Request ------------------------------------------------------------------------

def test_post_a_request_form_encoded(client, cases_demo, key):
    demo = cases_demo
    fields = {"api_key": key, "jurisdiction_id": "city.gov", "service_code": "0303", "lat": str(demo.lat),
              "long": str(demo.lon), "address_string": "幸福路 18 号门口", "email": "smit333@example.org",
              "device_id": "tt222111", "account_id": "123456", "first_name": "小明", "last_name": "张",
              "phone": "13912345678", "description": "幸福路口井盖旁路面塌陷，车辆经过很危险",
              "media_url": "http://photos.example.org/2212426634_5ed477a060.jpg", "attribute[WHISPAWN]": "123456"}
    response = client.post(f"{BASE}/requests.json", fields)
    assert response.status_code == 200, response.content
    [body] = response.json()
    assert list(body) == ["token", "service_notice", "account_id"]  # batch: a token, the id comes later
    assert body["account_id"] is None and "token" in body["service_notice"]
    submission = Open311Submission.objects.get(token=body["token"])
    case = submission.case  # filed by the tests' immediate task backend
    assert case.open311_token == body["token"] and submission.error == "" and submission.processed_at
    assert case.source == "open311" and case.reporter is None and case.category.code == "0303"
    assert case.area == demo.grid and case.address == "幸福路 18 号门口"
    assert case.reporter_name == "张小明" and case.reporter_phone == "13912345678"
    assert case.description.startswith("幸福路口井盖旁路面塌陷")
    assert "http://photos.example.org/2212426634_5ed477a060.jpg" in case.description  # linked, never fetched
    assert case.open311_token and case.photos.count() == 0
    row = Open311Key.objects.get()
    assert row.last_used_at is not None
    # The email is not stored: neither on the case nor in the audit log.
    assert not [f.name for f in Case._meta.concrete_fields if "smit333" in str(getattr(case, f.attname))]
    assert not AuditEntry.objects.filter(after__icontains="smit333").exists()
    entry = AuditEntry.objects.get(action="cases.open311_request")
    assert entry.object_id == str(case.pk) and entry.after["key"] == row.prefix
    assert entry.actor_name == f"open311:{row.prefix}" and entry.ip == "127.0.0.1"

    response = client.post(f"{BASE}/requests.xml", {**fields, "first_name": "john", "last_name": "smith"})
    assert response.status_code == 200 and response["Content-Type"] == "text/xml; charset=utf-8"
    tree = parse_xml(response.content)
    assert tree.tag == "service_requests" and [c.tag for c in tree] == ["request"]
    request = tree.find("request")
    assert [c.tag for c in request] == ["token", "service_notice", "account_id"]
    assert request.find("account_id").text is None
    assert Open311Submission.objects.get(token=request.findtext("token")).case.reporter_name == "john smith"


def test_post_requires_a_valid_api_key(client, cases_demo, key):
    demo = cases_demo
    fields = {"service_code": "0303", "lat": demo.lat, "long": demo.lon, "description": "路面塌陷很危险"}
    for api_key in (None, "", "o311_wrong", "gz_" + key[5:], key[:-1]):
        for fmt in ("json", "xml"):
            data = {**fields, **({"api_key": api_key} if api_key is not None else {})}
            [error] = errors(client.post(f"{BASE}/requests.{fmt}", data), 403)
            assert "api_key" in error["description"]
    revoke_open311_key(actor=None, key=Open311Key.objects.get())
    errors(post(client, api_key=key, **fields), 403)
    errors(client.post(f"{BASE}/requests.json", json.dumps({"api_key": key, **fields}),
                       content_type="application/json"), 403)  # the specification sends forms
    assert not Case.objects.exists() and not Open311Submission.objects.exists()


def test_post_rejects_bad_service_codes_and_locations(client, cases_demo, key):
    demo = cases_demo
    base = {"api_key": key, "service_code": "0303", "lat": demo.lat, "long": demo.lon,
            "description": "路面塌陷很危险，请尽快处理"}

    def refused(status, **changes):
        data = {k: v for k, v in {**base, **changes}.items() if v is not None}
        return errors(post(client, **data), status)[0]["description"]

    assert "service_code" in refused(400, service_code=None)
    for code in ("0901", "1001", "9999", "03", "x" * 5000):  # sensitive, sensitive, unknown, a 大类, oversized
        refused(404, service_code=code)
    assert "网格" in refused(400, lat=10.0, long=10.0)  # a point outside every grid
    only_address = refused(400, lat=None, long=None, address_string="幸福路 18 号")
    assert "lat" in only_address and "网格" in only_address
    assert "lat" in refused(400, lat=None, long=None, address_id="545483")
    assert "lat" in refused(400, lat=None, long=None)
    refused(400, long=None)
    for bad in ("abc", "nan", "inf", "1e400", "91", "3" * 100):
        refused(400, lat=bad)
    refused(400, description="短")
    refused(400, description=None)
    refused(400, description="很长" * 1001)
    refused(400, phone="1" * 31)
    refused(400, first_name="名" * 60)
    refused(400, address_string="路" * 201)
    refused(400, media_url="javascript:alert(1)")
    refused(400, description="路面\x00塌陷很危险")
    assert not Case.objects.exists()
    errors(client.post(f"{BASE}/requests.xml", {**base, "service_code": "0901"}), 404)
    assert not Open311Submission.objects.exists()


# --- GET Service Requests / GET Service Request --------------------------------------------------

@pytest.fixture
def cases(cases_demo):
    demo = cases_demo
    made = {
        "reported": new_case(demo, category="0101"),
        "dispatched": case_in(demo, "dispatched"),
        "closed": case_in(demo, "closed"),
        "rejected": case_in(demo, "rejected", category="0303"),  # as an Open311 report: it has a category
        "sensitive": new_case(demo, description="楼上邻居每天深夜装修噪声扰民", category="0901"),
        "suggested_sensitive": new_case(demo, description="楼下邻居吵架已经好几次了"),
        "unclassified": new_case(demo, description="有件事情想反映一下情况"),
        "suggested_public": new_case(demo, description="小区门口的路灯坏了好几天"),
    }
    Case.objects.filter(pk=made["suggested_sensitive"].pk).update(suggested_category=demo.category("0902"))
    Case.objects.filter(pk=made["unclassified"].pk).update(suggested_category=None)
    Case.objects.filter(pk=made["suggested_public"].pk).update(suggested_category=demo.category("0301"))
    target = made["dispatched"]
    made["merged"] = services.act(actor=demo.users["community"], case=new_case(demo, category="0303"),
                                  action="merge", duplicate_of=target.pk, now=NOW)
    return {name: Case.objects.get(pk=case.pk) for name, case in made.items()}


def numbers(data) -> set[str]:
    return {item["service_request_id"] for item in data}


def test_requests_list_follows_the_example(client, cases):
    data = both(client, f"requests.{{fmt}}?{WINDOW}", "service_requests")
    assert all(list(item) == REQUEST_FIELDS for item in data)
    public = {cases[name].number for name in ("reported", "dispatched", "closed", "suggested_public")}
    assert numbers(data) == public  # never sensitive, unclassified, rejected or merged
    by_number = {item["service_request_id"]: item for item in data}
    dispatched = by_number[cases["dispatched"].number]
    case = cases["dispatched"]
    assert dispatched == {
        "service_request_id": case.number, "status": "open", "status_notes": "已派遣：区城市管理局",
        "service_name": "道路破损", "service_code": "0303", "description": case.description,
        "agency_responsible": "区城市管理局", "service_notice": None,
        "requested_datetime": "2026-12-02T09:00:00+08:00", "updated_datetime": open311.w3c(case.updated_at),
        "expected_datetime": open311.w3c(case.handle_due),
        "address": f"{case.area.name}，{case.area.parent.name}，{case.area.parent.parent.name}",  # no address given
        "address_id": None, "zipcode": None, "lat": case.lat, "long": case.lon, "media_url": None,
    }
    assert dispatched["expected_datetime"] and dispatched["expected_datetime"].endswith("+08:00")
    closed = by_number[cases["closed"].number]
    assert closed["status"] == "closed" and closed["status_notes"] == "已结案"
    assert closed["updated_datetime"] == open311.w3c(cases["closed"].closed_at)
    reported = by_number[cases["reported"].number]
    assert reported["status"] == "open" and reported["status_notes"] == "待受理"
    assert reported["agency_responsible"] == "东城街道指挥中心" and "受理" in reported["service_notice"]
    assert reported["expected_datetime"] is None
    suggested = by_number[cases["suggested_public"].number]
    assert suggested["service_code"] == "0301" and suggested["service_name"] == "路灯不亮"
    # The XML writes empty values as empty elements, and the example's element names.
    tree = get_xml(client, f"requests.xml?{WINDOW}")
    item = next(r for r in tree if r.findtext("service_request_id") == cases["dispatched"].number)
    assert item.find("zipcode").text is None and item.findtext("status") == "open"
    assert float(item.findtext("lat")) == cases["dispatched"].lat and float(item.findtext("long")) == case.lon


def test_status_notes_carry_the_reason_or_the_closing_note(client, cases_demo, cases):
    demo = cases_demo
    case = case_in(demo, "suspended")
    row = get_json(client, f"requests/{case.number}.json")[0]
    assert row["status"] == "open" and row["status_notes"] == "挂账：复核日期 2027-03-01"
    services.act(actor=demo.users["street"], case=case, action="close", note="已纳入明年道路改造计划",
                 now=NOW + datetime.timedelta(hours=2))
    row = get_json(client, f"requests/{case.number}.json")[0]
    assert row["status"] == "closed" and row["status_notes"] == "已结案：已纳入明年道路改造计划"
    closed = cases["closed"]  # the reporter's rating comment is theirs, not a closing note
    services.act(actor=demo.users["resident"], case=closed, action="rate", rating=2, comment="太慢了，王居民很不满意",
                 now=NOW + datetime.timedelta(hours=3))
    row = get_json(client, f"requests/{closed.number}.json")[0]
    assert row["status_notes"] == "已结案" and "不满意" not in json.dumps(row, ensure_ascii=False)
    rejected = get_json(client, f"requests/{cases['rejected'].number}.json")[0]
    assert rejected["status"] == "closed" and rejected["status_notes"] == "不予立案：不属于受理范围"
    merged = get_json(client, f"requests/{cases['merged'].number}.json")[0]
    assert merged["status"] == "closed"
    assert merged["status_notes"] == f"已合并：与事件 {cases['dispatched'].number} 合并办理"
    handling = case_in(demo, "handling")
    assert get_json(client, f"requests/{handling.number}.json")[0]["status_notes"] == "已交网格处置"
    feedback = case_in(demo, "feedback")
    assert get_json(client, f"requests/{feedback.number}.json")[0]["status_notes"].startswith("待核查")
    acknowledged = case_in(demo, "in_progress")
    assert get_json(client, f"requests/{acknowledged.number}.json")[0]["status_notes"] == "处置中：区城市管理局"


def test_requests_filters(client, cases):
    def listed(query):
        return numbers(get_json(client, f"requests.json?{WINDOW}&{query}"))

    assert listed("service_code=0303") == {cases["dispatched"].number, cases["closed"].number}
    assert listed("service_code=0101,0301") == {cases["reported"].number, cases["suggested_public"].number}
    assert listed("service_code=0101&service_code=0301") == listed("service_code=0101,0301")
    assert listed("service_code=0901") == set()
    assert listed("status=closed") == {cases["closed"].number}
    assert listed("status=open") == {cases["reported"].number, cases["dispatched"].number,
                                     cases["suggested_public"].number}
    assert listed("status=open,closed") == listed("status=") == listed("")
    assert listed("service_code=&status=") == listed("")  # empty arguments are not given
    errors(client.get(f"{BASE}/requests.json?status=pending"), 400)
    # service_request_id overrides every other argument, and answers for rejected and merged cases.
    asked = ",".join(cases[name].number for name in ("closed", "rejected", "merged", "sensitive", "unclassified"))
    data = get_json(client, f"requests.json?service_request_id={asked}&status=open&service_code=0101"
                            f"&start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z")
    assert numbers(data) == {cases[name].number for name in ("closed", "rejected", "merged")}
    errors(client.get(f"{BASE}/requests.json?service_request_id={','.join(['1'] * 1001)}"
                      f"{''.join(f',{n}' for n in range(1001))}"), 400)


def test_requests_date_window(client, cases_demo, monkeypatch):
    demo = cases_demo
    now = timezone.now()
    recent = new_case(demo, category="0101", now=now - datetime.timedelta(days=10))
    old = new_case(demo, category="0101", now=now - datetime.timedelta(days=100))
    assert numbers(get_json(client, "requests.json")) == {recent.number}  # the most recent 90 days
    since = quote(open311.w3c(now - datetime.timedelta(days=120)))
    assert numbers(get_json(client, f"requests.json?start_date={since}")) == {old.number}  # start + 90 days
    until = quote(open311.w3c(now - datetime.timedelta(days=50)))
    assert numbers(get_json(client, f"requests.json?end_date={until}")) == {old.number}  # end - 90 days
    day = timezone.localtime(old.reported_at).date().isoformat()
    assert numbers(get_json(client, f"requests.json?start_date={day}&end_date={day}")) == {old.number}
    utc = old.reported_at.astimezone(datetime.timezone.utc)
    start, end = (moment.strftime("%Y-%m-%dT%H:%M:%SZ") for moment in (utc, utc + datetime.timedelta(seconds=1)))
    assert numbers(get_json(client, f"requests.json?start_date={start}&end_date={end}")) == {old.number}
    for query in ("start_date=yesterday", "end_date=2026-13-01", "start_date=2026-01-01T00:00:00%2B25:00",
                  "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",  # more than 90 days
                  "start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",  # end before start
                  "start_date=9999-12-31T23:00:00Z", "end_date=0001-01-01T00:00:00Z",
                  "end_date=9999-12-31", "start_date=0001-01-01T00:00:00%2B08:00", f"start_date={'1' * 5000}"):
        for fmt in ("json", "xml"):
            errors(client.get(f"{BASE}/requests.{fmt}?{query}"), 400)
    newest = new_case(demo, category="0101", now=now - datetime.timedelta(days=5))
    monkeypatch.setattr(open311, "MAX_RESULTS", 1)  # at most 1000 (here 1), the newest first
    assert numbers(get_json(client, "requests.json")) == {newest.number}


def test_one_request_by_id(client, cases):
    case = cases["dispatched"]
    [data] = both(client, f"requests/{case.number}.{{fmt}}", "service_requests")
    assert list(data) == REQUEST_FIELDS and data["service_request_id"] == case.number
    for name in ("sensitive", "suggested_sensitive", "unclassified"):
        for fmt in ("json", "xml"):
            [error] = errors(client.get(f"{BASE}/requests/{cases[name].number}.{fmt}"), 404)
    errors(client.get(f"{BASE}/requests/20260101-9999.json"), 404)
    errors(client.get(f"{BASE}/requests/{'9' * 300}.xml"), 404)


def test_token_maps_to_the_request(client, cases_demo, key):
    case = report(cases_demo, key, client)
    data = both(client, f"tokens/{case.open311_token}.{{fmt}}", "service_requests")
    assert data == [{"service_request_id": case.number, "token": case.open311_token}]
    tree = get_xml(client, f"tokens/{case.open311_token}.xml")
    assert [c.tag for c in tree.find("request")] == ["service_request_id", "token"]
    errors(client.get(f"{BASE}/tokens/0123456789abcdef0123456789abcdef.json"), 404)
    Case.objects.filter(pk=case.pk).update(category=cases_demo.category("0901"))  # recategorised as sensitive
    errors(client.get(f"{BASE}/tokens/{case.open311_token}.json"), 404)
    errors(client.get(f"{BASE}/requests/{case.number}.json"), 404)


def test_no_reporter_identity_leaks(client, cases_demo, cases, key):
    demo = cases_demo
    report(demo, key, client, first_name="小明", last_name="欧阳", phone="13998765432", email="ouyang@example.org")
    typed = report(demo, key, client, description="路面塌陷，请联系我 139-1234-5678，身份证 34070219900101123X")
    [row] = get_json(client, f"requests/{typed.number}.json")
    assert row["description"] == "路面塌陷，请联系我 139****5678，身份证 340702********123X"
    resident = demo.users["resident"]
    bodies = [client.get(f"{BASE}/requests.{fmt}?{WINDOW}").content.decode() for fmt in ("json", "xml")]
    bodies += [client.get(f"{BASE}/requests/{case.number}.json").content.decode() for case in cases.values()]
    for body in bodies:
        for secret in ("欧阳小明", "13998765432", "ouyang@example.org", resident.real_name, resident.phone,
                       resident.username, "1234-5678", "19900101"):
            assert secret not in body
        assert "/cases/photos/" not in body and "reporter" not in body


def test_every_published_text_masks_typed_phone_and_id_numbers(client, cases_demo, key):
    """The address, description and closing note: JSON and XML, list and single request alike."""
    from gongzhi.cases import services

    demo = cases_demo
    typed = report(demo, key, client, address_string="幸福路 12 号，电话 13912340007，身份证 341702200211252264",
                   description="井盖塌陷，联系 +86 139 1234 0008，身份证号 341702199001011234")
    bodies = [client.get(f"{BASE}/requests.{fmt}?{WINDOW}").content.decode() for fmt in ("json", "xml")]
    services.act(actor=demo.users["street"], case=typed, action="reject", note="重复上报，请联系 13912340009")
    bodies += [client.get(f"{BASE}/requests/{typed.number}.{fmt}").content.decode() for fmt in ("json", "xml")]
    for body in bodies:
        assert typed.number in body
        for secret in ("13912340007", "341702200211252264", "1234 0008", "341702199001011234", "13912340009",
                       "20021125", "19900101"):
            assert secret not in body, secret
    [row] = get_json(client, f"requests/{typed.number}.json")
    assert row["address"] == "幸福路 12 号，电话 139****0007，身份证 341702********2264"
    assert "139****0009" in row["status_notes"]


# --- Bad input never answers 500 ------------------------------------------------------------------

def test_bad_input_is_answered_in_the_specification_format(client, cases_demo, key):
    assert errors(client.get(f"{BASE}/services.html"), 404)  # unknown format: XML, the required one
    assert client.get(f"{BASE}/services.html")["Content-Type"].startswith("text/xml")
    errors(client.get(f"{BASE}/requests/1.yaml"), 404)
    errors(client.get(f"{BASE}/nothing/here"), 404)
    errors(client.get(f"{BASE}/services"), 404)
    errors(client.get(f"{BASE}/services.json?jurisdiction_id=%00"), 400)
    errors(client.get(f"{BASE}/requests/%00.json"), 400)
    errors(client.get(f"{BASE}/services/%00.xml"), 400)
    errors(client.get(f"{BASE}/tokens/%00.json"), 400)
    errors(client.get(f"{BASE}/requests.json?service_code={'x' * 40000}"), 400)
    for method in ("put", "delete", "patch", "options"):
        for url, fmt in (("requests.json", "json"), ("services.xml", "xml"), ("discovery.json", "json")):
            response = getattr(client, method)(f"{BASE}/{url}")
            errors(response, 405)
            assert response["Content-Type"].startswith({"json": "application/json", "xml": "text/xml"}[fmt])
            assert "GET" in response["Allow"]
    errors(client.post(f"{BASE}/services.json", {"api_key": key}), 405)
    errors(client.post(f"{BASE}/requests/1.json"), 405)
    response = client.post(f"{BASE}/requests.json", {"api_key": key, "description": "x" * 3_000_000})
    assert "过大" in errors(response, 413)[0]["description"]  # refused by its length, before it is read
    response = client.post(f"{BASE}/requests.json", "api_key=%ff%fe&service_code=%00",
                           content_type="application/x-www-form-urlencoded")
    errors(response, 400)
    response = client.post(f"{BASE}/requests.json", b"--broken", content_type="multipart/form-data; boundary=x")
    errors(response, 403)  # nothing readable, so no api_key either
    assert client.head(f"{BASE}/services.json").status_code == 200


def test_xml_output_stays_well_formed(client, cases_demo):
    case = new_case(cases_demo, category="0101", description="垃圾堆积\x0b<script>&amp;\x1f 很久了")
    tree = get_xml(client, f"requests/{case.number}.xml")
    assert tree.find("request").findtext("description") == "垃圾堆积<script>&amp; 很久了"
    assert get_json(client, f"requests/{case.number}.json")[0]["description"] == case.description


# --- Keys: service, command, page -----------------------------------------------------------------

def test_key_service_stores_only_the_hash_and_audits(cases_demo):
    demo = cases_demo
    row, value = issue_open311_key(actor=demo.users["district"], name="热线")
    assert value.startswith("o311_") and len(value) > 40 and row.prefix == value[:12]
    assert row.key_hash == Open311Key.hash_key(value) and value not in str(vars(row))
    assert row.created_by == demo.users["district"]
    entry = AuditEntry.objects.get(action="cases.open311_key_issue")
    assert entry.actor_id == demo.users["district"].pk and value not in json.dumps(entry.after)
    with pytest.raises(NotAllowed):
        issue_open311_key(actor=demo.users["street"], name="热线")
    with pytest.raises(NotAllowed):
        revoke_open311_key(actor=demo.users["resident"], key=row)
    with pytest.raises(InvalidInput):
        issue_open311_key(actor=None, name="  ")
    revoke_open311_key(actor=demo.users["district"], key=row)
    revoke_open311_key(actor=demo.users["district"], key=row)  # idempotent: recorded once
    assert AuditEntry.objects.filter(action="cases.open311_key_revoke").count() == 1


def test_command_prints_the_key_last_and_revokes(cases_demo, client):
    out = io.StringIO()
    call_command("open311_key", "市民热线 App", stdout=out)
    value = out.getvalue().strip().splitlines()[-1]
    row = Open311Key.objects.get()
    assert value.startswith("o311_") and row.key_hash == Open311Key.hash_key(value) and row.name == "市民热线 App"
    assert AuditEntry.objects.filter(action="cases.open311_key_issue", actor__isnull=True).exists()
    out = io.StringIO()
    call_command("open311_key", "--revoke", row.prefix, stdout=out)
    row.refresh_from_db()
    assert row.revoked_at is not None and row.prefix in out.getvalue()
    errors(post(client, api_key=value, service_code="0303"), 403)


def test_keys_page_for_district_admins(client, cases_demo):
    demo = cases_demo
    url = "/cases/open311/keys/"
    assert client.get(url).status_code == 302  # sign in first
    for username in ("street", "community", "resident", "admin", "auditor", "dept"):
        client.force_login(demo.users[username])
        assert client.get(url).status_code == 403, username
        assert client.post(url, {"name": "x"}).status_code == 403
    assert not Open311Key.objects.exists()
    client.force_login(demo.users["district"])
    page = client.get(url)
    assert page.status_code == 200 and "还没有签发" in page.content.decode()
    page = client.post(url, {"name": "市民热线 App"})
    assert page.status_code == 200
    row = Open311Key.objects.get()
    html = page.content.decode()
    start = html.index('<code class="token">') + len('<code class="token">')
    value = html[start:html.index("</code>", start)]
    assert row.key_hash == Open311Key.hash_key(value) and "只显示这一次" in html
    assert page["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="cases.open311_key_issue", actor=demo.users["district"]).exists()
    html = client.get(url).content.decode()
    assert value not in html and f"{row.prefix}…" in html and "data-confirm" in html
    assert client.post(url, {"name": ""}).status_code == 422
    client.force_login(demo.users["street"])
    assert client.post(f"/cases/open311/keys/{row.pk}/revoke/").status_code == 403
    client.force_login(demo.users["district"])
    assert client.get(f"/cases/open311/keys/{row.pk}/revoke/").status_code == 405
    assert client.post("/cases/open311/keys/999999/revoke/").status_code == 404
    response = client.post(f"/cases/open311/keys/{row.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == url
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert AuditEntry.objects.filter(action="cases.open311_key_revoke", actor=demo.users["district"]).exists()
    assert "已吊销" in client.get(url).content.decode()


@pytest.mark.parametrize("body", [
    b"api_key=k&service_code=0303&description=%E4%BA%95%E7%9B%96+%E5%A1%8C%E9%99%B7&lat=30.6&long=117.5",
    b"a=1&a=2&b=&c&d=%20x%20&e=1+2%2B3",  # repeats, blanks, a bare name, spaces, plus signs
    b"name=\xff\xfe&x=%FF",  # not UTF-8: read as ISO-8859-1, as QueryDict does
    b"",
])
def test_a_urlencoded_post_is_parsed_as_querydict_parses_it(rf, body):
    from django.http import QueryDict

    request = rf.post("/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded")
    open311._load_urlencoded(request)
    expected = QueryDict(body, encoding="utf-8")
    assert list(request.POST.lists()) == list(expected.lists()) and not request.FILES
    assert not request.POST._mutable


def test_too_many_urlencoded_fields_are_refused(client, cases_demo, key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{n}=1" for n in range(6)) + f"&api_key={key}"
    response = client.post(f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.json()[0]["description"] == "请求体过大或格式不正确。"
