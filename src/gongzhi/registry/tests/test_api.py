"""The registry API: scoped lists and details, masked by default, audited unmask, 422/403/404."""

import datetime
import json

import pytest

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry.models import Facility, House, Organisation, Person, PersonTag, SpecialGroup

from .factories import GRID, NEIGHBOUR_GRID, make_id
from .factories import make_person as _make_person

pytestmark = pytest.mark.django_db


def make_person(**fields):
    person = _make_person(**fields)
    person.full_clean()
    person.save()
    return person


def get(client, url, headers, **params):
    return client.get(url, params, **headers)


def send(client, method, url, headers, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def zhang(demo):
    return make_person(name="张三", id_number=make_id(sequence="011"), phone="13912345678")


def test_list_is_scoped_and_masked(client, api_token, zhang):
    make_person(grid=NEIGHBOUR_GRID, name="王五", id_number=make_id(sequence="033"))
    response = get(client, "/api/v1/persons", api_token("grid"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["real_name"] == "张三" and item["area"] == GRID
    assert item["id_number"] == zhang.id_number[:6] + "********" + zhang.id_number[-4:]
    assert item["phone"] == "139****5678"


def test_grid_worker_searches_only_their_grid(client, api_token, zhang):
    make_person(grid=NEIGHBOUR_GRID, name="张四", id_number=make_id(sequence="033"))
    headers = api_token("grid")
    assert [p["real_name"] for p in get(client, "/api/v1/persons", headers, q="zs").json()["items"]] == ["张三"]
    assert get(client, "/api/v1/persons", headers, q="张四").json()["count"] == 0
    assert get(client, "/api/v1/persons", api_token("community"), q="zs").json()["count"] == 2


def test_list_filters_by_tag_and_age(client, api_token, zhang):
    old = make_person(name="李四", id_number=make_id(birth="19400101", sequence="022"))
    PersonTag.objects.create(person=old, group=SpecialGroup.objects.get(code="veteran"))
    headers = api_token("grid")
    response = client.get("/api/v1/persons?tag=veteran&age_min=80", **headers)
    assert [p["real_name"] for p in response.json()["items"]] == ["李四"]
    assert response.json()["items"][0]["tags"][0]["code"] == "veteran"
    assert get(client, "/api/v1/persons", headers, age_max=79).json()["count"] == 1


def test_another_grids_person_is_404(client, api_token):
    other = make_person(grid=NEIGHBOUR_GRID, name="王五", id_number=make_id(sequence="033"))
    headers = api_token("grid")
    response = get(client, f"/api/v1/persons/{other.pk}", headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert send(client, "patch", f"/api/v1/persons/{other.pk}", headers, {"real_name": "王六"}).status_code == 404


def test_roles_without_registry_view_get_403(client, api_token, zhang):
    assert get(client, "/api/v1/persons", api_token("dept")).status_code == 403
    assert get(client, "/api/v1/persons", api_token("resident")).status_code == 403


def test_detail_is_masked_by_default(client, api_token, zhang):
    body = get(client, f"/api/v1/persons/{zhang.pk}", api_token("community")).json()
    assert body["phone"] == "139****5678" and zhang.id_number not in json.dumps(body)


def test_unmask_with_reason_reveals_and_is_audited(client, api_token, zhang, demo):
    response = get(client, f"/api/v1/persons/{zhang.pk}", api_token("community"), unmask=1, reason="入户走访核对")
    assert response.status_code == 200
    assert (response.json()["id_number"], response.json()["phone"]) == (zhang.id_number, "13912345678")
    entries = AuditEntry.objects.filter(action="personal.reveal", object_id=str(zhang.pk))
    assert {e.after["field"] for e in entries} == {"id_number", "phone"}
    assert {e.actor for e in entries} == {demo.users["community"]} and entries[0].reason == "入户走访核对"


def test_unmask_without_reason_is_422(client, api_token, zhang):
    response = get(client, f"/api/v1/persons/{zhang.pk}", api_token("community"), unmask=1)
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_unmask_without_permission_is_403_and_audited(client, api_token, zhang):
    response = get(client, f"/api/v1/persons/{zhang.pk}", api_token("grid"), unmask=1, reason="入户走访核对")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="personal.reveal_denied", success=False).exists()


def test_create_person(client, api_token, demo):
    number = make_id(birth="19851203", sequence="077")
    response = send(client, "post", "/api/v1/persons", api_token("grid"),
                    {"area": GRID, "real_name": "孙七", "id_number": number, "phone": "13800001111"})
    assert response.status_code == 201, response.content
    body = response.json()
    # A grid worker (no personal.unmask) is shown the age, not the birth date (the masked ID's middle).
    assert body["gender"] == "M" and body["birth_date"] is None and body["phone"] == "138****1111"
    assert body["age"] == Person.objects.get(pk=body["id"]).age_on(datetime.date.today())
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == number
    assert AuditEntry.objects.get(action="registry.person.create").actor == demo.users["grid"]


def test_create_person_validation_errors_are_422_per_field(client, api_token):
    bad = make_id()[:-1] + ("1" if make_id()[-1] == "0" else "0")
    response = send(client, "post", "/api/v1/persons", api_token("grid"),
                    {"area": GRID, "real_name": "", "id_number": bad, "phone": "12345"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["detail"]) >= {"real_name", "id_number", "phone"}
    assert body["detail"]["id_number"] == ["身份证号码校验位不正确，请核对。"]


def test_create_person_in_an_area_out_of_scope_is_403(client, api_token):
    response = send(client, "post", "/api/v1/persons", api_token("grid"), {"area": NEIGHBOUR_GRID, "real_name": "王五"})
    assert response.status_code == 403
    response = send(client, "post", "/api/v1/persons", api_token("grid"), {"area": "999", "real_name": "王五"})
    assert response.status_code == 422 and "area" in response.json()["detail"]


def test_view_only_roles_cannot_update(client, api_token, zhang):
    response = send(client, "patch", f"/api/v1/persons/{zhang.pk}", api_token("district"), {"real_name": "张叁"})
    assert response.status_code == 403


def test_update_person(client, api_token, zhang):
    house = House.objects.create(area=Area.objects.get(code=GRID), address="幸福路88号")
    response = send(client, "patch", f"/api/v1/persons/{zhang.pk}", api_token("grid"),
                    {"house": house.pk, "education": "bachelor", "address_text": None})
    assert response.status_code == 200, response.content
    assert response.json()["house_address"] == "幸福路88号" and response.json()["education"] == "bachelor"
    entry = AuditEntry.objects.get(action="registry.person.update")
    assert entry.after == {"education": "bachelor", "house": house.pk}


def test_update_person_with_house_out_of_scope_is_422(client, api_token, zhang):
    house = House.objects.create(area=Area.objects.get(code=NEIGHBOUR_GRID), address="和平路1号")
    response = send(client, "patch", f"/api/v1/persons/{zhang.pk}", api_token("grid"), {"house": house.pk})
    assert response.status_code == 422 and "house" in response.json()["detail"]


def test_house_detail_lists_residents(client, api_token, demo):
    headers = api_token("grid")
    response = send(client, "post", "/api/v1/houses", headers, {"area": GRID, "address": "幸福路88号 3栋2单元501室"})
    assert response.status_code == 201, response.content
    house_id = response.json()["id"]
    make_person(name="张三", id_number=make_id(sequence="011"), house=House.objects.get(pk=house_id))
    detail = get(client, f"/api/v1/houses/{house_id}", headers).json()
    assert [r["real_name"] for r in detail["residents"]] == ["张三"]
    listed = get(client, "/api/v1/houses", headers, q="幸福路").json()
    assert listed["items"][0]["resident_count"] == 1
    response = send(client, "patch", f"/api/v1/houses/{house_id}", headers, {"use": "vacant", "tenant": None})
    assert response.status_code == 200 and response.json()["use"] == "vacant"
    assert get(client, f"/api/v1/houses/{house_id}", api_token("community")).status_code == 200
    other = House.objects.create(area=Area.objects.get(code=NEIGHBOUR_GRID), address="和平路1号")
    assert get(client, f"/api/v1/houses/{other.pk}", headers).status_code == 404


def test_house_validation_is_422(client, api_token):
    response = send(client, "post", "/api/v1/houses", api_token("grid"),
                    {"area": GRID, "address": "幸福路1号", "use": "vacant", "lease_start": "2024-01-01"})
    assert response.status_code == 422 and "use" in response.json()["detail"]


def test_organisations(client, api_token):
    headers = api_token("grid")
    response = send(client, "post", "/api/v1/organisations", headers,
                    {"area": GRID, "kind": "merchant", "name": "便民超市", "phone": "0566-2001001"})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = send(client, "patch", f"/api/v1/organisations/{pk}", headers, {"uscc": "123"})
    assert response.status_code == 422 and "uscc" in response.json()["detail"]
    response = send(client, "patch", f"/api/v1/organisations/{pk}", headers, {"name": "阳光超市"})
    assert response.json()["name"] == "阳光超市"
    assert get(client, "/api/v1/organisations", headers, q="阳光").json()["count"] == 1
    other = Organisation.objects.create(area=Area.objects.get(code=NEIGHBOUR_GRID), kind="merchant", name="超市")
    assert get(client, f"/api/v1/organisations/{other.pk}", headers).status_code == 404


def test_facilities(client, api_token):
    headers = api_token("grid")
    response = send(client, "post", "/api/v1/facilities", headers,
                    {"area": GRID, "category": "market", "name": "阳光菜场", "lon": 117.4, "lat": 30.7})
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = send(client, "patch", f"/api/v1/facilities/{pk}", headers, {"lat": None})
    assert response.status_code == 422 and "lat" in response.json()["detail"]
    assert get(client, "/api/v1/facilities", headers, category="market").json()["count"] == 1
    assert get(client, f"/api/v1/facilities/{pk}", headers).json()["name"] == "阳光菜场"
    other = Facility.objects.create(area=Area.objects.get(code=NEIGHBOUR_GRID), category="market", name="菜场")
    assert get(client, f"/api/v1/facilities/{other.pk}", headers).status_code == 404
    assert send(client, "post", "/api/v1/facilities", headers,
                {"area": NEIGHBOUR_GRID, "category": "market", "name": "菜场"}).status_code == 403


def test_huge_ids_and_pages_are_not_server_errors(client, api_token, zhang):
    headers = api_token("grid")
    assert get(client, f"/api/v1/persons/{2**70}", headers).status_code == 422
    assert get(client, "/api/v1/persons", headers, page=10**12).status_code == 422
    assert get(client, "/api/v1/persons", headers, order="sideways").status_code == 422


def populate(count: int) -> None:
    grid = Area.objects.get(code=GRID)
    house = House.objects.create(area=grid, address="幸福路88号")
    group = SpecialGroup.objects.get(code="veteran")
    for n in range(count):
        person = Person.objects.create(area=grid, real_name=f"张{n}", id_number=make_id(sequence=f"{n + 200:03d}"),
                                       phone=f"139{n:08d}", house=house)
        PersonTag.objects.create(person=person, group=group)


@pytest.mark.parametrize("rows", [5, 30])
def test_list_query_count_does_not_grow_with_rows(client, api_token, django_assert_max_num_queries, rows):
    populate(rows)
    headers = api_token("grid")
    client.get("/api/v1/persons", **headers)
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/persons?q=zhang&tag=veteran", **headers)
    assert response.json()["count"] == rows
