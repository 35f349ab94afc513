"""Estates know their bodies (issue 12 item 11): an estate links its 业委会 as well as its property
company, and records how it is managed (自管/托管/共管/准物业)."""

import pytest
from django.core.exceptions import ValidationError

from gongzhi.areas.models import Area
from gongzhi.audit.models import AuditEntry
from gongzhi.registry import services
from gongzhi.registry.choices import ManagementMode, OrganisationKind
from gongzhi.registry.models import Building, Estate, House, Organisation

from .factories import GRID, NEIGHBOUR_GRID, OTHER_STREET_GRID

pytestmark = pytest.mark.django_db


def org(kind: str, name: str, grid: str = GRID) -> Organisation:
    return Organisation.objects.create(area=Area.objects.get(code=grid), kind=kind, name=name)


@pytest.fixture
def estate(demo):
    grid = Area.objects.get(code=GRID)
    estate = Estate.objects.create(area=grid, name="阳光小区", address="幸福路8号")
    building = Building.objects.create(area=grid, estate=estate, name="1栋", floors=6)
    House.objects.create(area=grid, building=building, address="幸福路8号 阳光小区1栋101室")
    return estate


def error_codes(estate: Estate) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        estate.full_clean()
    return {field: [e.code for e in errors] for field, errors in caught.value.error_dict.items()}


def test_the_choices_are_the_four_modes():
    assert ManagementMode.labels == ["自管", "托管", "共管", "准物业"]


def test_an_estate_links_its_committee_and_company_of_their_kinds(estate):
    estate.owners_committee = org(OrganisationKind.OWNERS_COMMITTEE, "阳光小区业主委员会", NEIGHBOUR_GRID)
    estate.property_company = org(OrganisationKind.PROPERTY_COMPANY, "池州阳光物业服务有限公司", OTHER_STREET_GRID)
    estate.management_mode = ManagementMode.ENTRUSTED
    estate.full_clean()  # a committee of the same community (another grid); a company from anywhere
    estate.save()
    assert list(estate.owners_committee.committee_estates.all()) == [estate]

    estate.owners_committee = org(OrganisationKind.MERCHANT, "张记超市")
    estate.property_company = org(OrganisationKind.OWNERS_COMMITTEE, "某业委会")
    assert error_codes(estate) == {"property_company": ["not_property_company"],
                                   "owners_committee": ["not_owners_committee"]}


def test_a_committee_of_another_community_is_refused(estate):
    estate.owners_committee = org(OrganisationKind.OWNERS_COMMITTEE, "别处业委会", OTHER_STREET_GRID)
    assert error_codes(estate) == {"owners_committee": ["committee_out_of_area"]}


def test_a_mode_outside_the_four_is_refused(estate):
    estate.management_mode = "hotel"
    assert error_codes(estate) == {"management_mode": ["invalid_choice"]}


def test_the_service_checks_scope_and_audits(estate, demo):
    grid_worker = demo.users["grid"]
    neighbour = org(OrganisationKind.OWNERS_COMMITTEE, "阳光小区业主委员会", NEIGHBOUR_GRID)
    with pytest.raises(ValidationError) as caught:  # the grid worker cannot see the neighbouring grid
        services.update_estate(actor=grid_worker, estate=estate, owners_committee=neighbour)
    assert [e.code for e in caught.value.error_dict["owners_committee"]] == ["out_of_scope"]
    estate.refresh_from_db()
    assert estate.owners_committee is None

    company = org(OrganisationKind.PROPERTY_COMPANY, "池州阳光物业服务有限公司")
    services.update_estate(actor=demo.users["community"], estate=estate, owners_committee=neighbour,
                           property_company=company, management_mode=ManagementMode.JOINT)
    estate.refresh_from_db()
    assert (estate.owners_committee, estate.property_company, estate.management_mode) == (
        neighbour, company, "joint")
    entry = AuditEntry.objects.get(action="registry.estate.update")
    assert entry.after == {"owners_committee": neighbour.pk, "property_company": company.pk,
                           "management_mode": "joint"}


def test_the_pages_show_the_bodies_and_the_mode(estate, login_as):
    estate.owners_committee = org(OrganisationKind.OWNERS_COMMITTEE, "阳光小区业主委员会")
    estate.property_company = org(OrganisationKind.PROPERTY_COMPANY, "池州阳光物业服务有限公司")
    estate.management_mode = ManagementMode.QUASI
    estate.save()
    client = login_as("grid")
    listing = client.get("/registry/estates/").content.decode()
    row = listing.split('data-testid="estate-table"', 1)[1]
    for shown in ("阳光小区", "准物业", "阳光小区业主委员会", "池州阳光物业服务有限公司"):
        assert shown in row, shown
    assert "准物业" in client.get("/registry/estates/", {"management_mode": "quasi"}).content.decode()
    assert "阳光小区" not in client.get("/registry/estates/", {"management_mode": "self"}).content.decode().split(
        'data-testid="result-count"', 1)[1]
    assert "阳光小区" in client.get("/registry/estates/", {"q": "业主委员会"}).content.decode()
    page = client.get(f"/registry/estates/{estate.pk}/").content.decode()
    assert "准物业" in page and "社区组织提供保洁、保安、绿化、设施维护等基本物业服务" in page
    assert "阳光小区业主委员会" in page.split('data-testid="owners-committee"', 1)[1]
    house = House.objects.get()
    assert f'href="/registry/estates/{estate.pk}/"' in client.get(f"/registry/houses/{house.pk}/").content.decode()


def test_estates_are_scoped(estate, login_as):
    other = Estate.objects.create(area=Area.objects.get(code=OTHER_STREET_GRID), name="别处小区")
    client = login_as("grid")
    assert "别处小区" not in client.get("/registry/estates/").content.decode()
    assert client.get(f"/registry/estates/{other.pk}/").status_code == 404
    assert client.get(f"/registry/estates/{other.pk}/edit/").status_code == 404


def test_the_edit_form_offers_the_community_committees_and_saves(estate, login_as):
    ours = org(OrganisationKind.OWNERS_COMMITTEE, "阳光小区业主委员会", NEIGHBOUR_GRID)
    theirs = org(OrganisationKind.OWNERS_COMMITTEE, "别处业委会", OTHER_STREET_GRID)
    company = org(OrganisationKind.PROPERTY_COMPANY, "池州阳光物业服务有限公司")
    client = login_as("community")
    form = client.get(f"/registry/estates/{estate.pk}/edit/").content.decode()
    assert "阳光小区业主委员会" in form and "别处业委会" not in form and "池州阳光物业服务有限公司" in form
    for mode in ("自管", "托管", "共管", "准物业"):
        assert mode in form

    response = client.post(f"/registry/estates/{estate.pk}/edit/", {
        "name": "阳光小区", "kind": "estate", "address": "幸福路8号", "management_mode": "entrusted",
        "property_company": company.pk, "owners_committee": theirs.pk})
    assert response.status_code == 200 and "别处业委会" not in response.content.decode().split("<form", 1)[1]
    estate.refresh_from_db()
    assert estate.owners_committee is None

    response = client.post(f"/registry/estates/{estate.pk}/edit/", {
        "name": "阳光小区", "kind": "estate", "address": "幸福路8号", "management_mode": "entrusted",
        "property_company": company.pk, "owners_committee": ours.pk})
    assert response.status_code == 302
    estate.refresh_from_db()
    assert (estate.owners_committee, estate.property_company, estate.get_management_mode_display()) == (
        ours, company, "托管")
    history = client.get(f"/registry/estates/{estate.pk}/").content.decode().split('data-testid="history"', 1)[1]
    assert "阳光小区业主委员会" in history and "托管" in history and "业委会" in history


def test_a_viewer_without_edit_rights_gets_no_form(estate, login_as):
    client = login_as("district")  # districts view the records; communities and grids keep them
    page = client.get(f"/registry/estates/{estate.pk}/").content.decode()
    assert "阳光小区" in page and 'data-testid="estate-edit"' not in page
    assert client.get(f"/registry/estates/{estate.pk}/edit/").status_code == 403


def test_the_organisation_list_names_the_estates_each_body_runs(estate, login_as):
    committee = org(OrganisationKind.OWNERS_COMMITTEE, "阳光小区业主委员会")
    company = org(OrganisationKind.PROPERTY_COMPANY, "池州阳光物业服务有限公司")
    estate.owners_committee, estate.property_company = committee, company
    estate.save()
    Estate.objects.create(area=Area.objects.get(code=OTHER_STREET_GRID), name="别处小区", property_company=company)
    html = login_as("grid").get("/registry/organisations/").content.decode()
    rows = {name: row for row in html.split("<tr>")[2:] for name in (committee.name, company.name) if name in row}
    assert f'href="/registry/estates/{estate.pk}/">阳光小区</a>' in rows[committee.name]
    assert "阳光小区" in rows[company.name] and "别处小区" not in html  # only estates the viewer may see


def test_the_api_reads_and_sets_the_bodies_and_the_mode(estate, client, api_token, demo):
    import json

    committee = org(OrganisationKind.OWNERS_COMMITTEE, "阳光小区业主委员会")
    company = org(OrganisationKind.PROPERTY_COMPANY, "池州阳光物业服务有限公司")
    elsewhere = org(OrganisationKind.OWNERS_COMMITTEE, "别处业委会", OTHER_STREET_GRID)
    headers = api_token("community")

    def patch(body):
        return client.patch(f"/api/v1/estates/{estate.pk}", json.dumps(body), content_type="application/json",
                            **headers)

    response = patch({"owners_committee": committee.pk, "property_company": company.pk, "management_mode": "quasi"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owners_committee"] == {"id": committee.pk, "name": "阳光小区业主委员会"}
    assert body["property_company"] == {"id": company.pk, "name": "池州阳光物业服务有限公司"}
    assert (body["management_mode"], body["management_mode_name"]) == ("quasi", "准物业")
    assert (body["building_count"], body["house_count"]) == (1, 1)
    assert patch({"owners_committee": elsewhere.pk}).status_code == 422  # not visible to a community worker
    assert patch({"property_company": committee.pk}).status_code == 422  # not a property company
    assert patch({"management_mode": "hotel"}).status_code == 422
    listed = client.get("/api/v1/estates", {"management_mode": "quasi"}, **headers).json()
    assert [e["name"] for e in listed["items"]] == ["阳光小区"]
    assert patch({"owners_committee": None, "management_mode": None}).json()["owners_committee"] is None
    estate.refresh_from_db()
    assert (estate.owners_committee, estate.management_mode) == (None, "")
    assert client.get(f"/api/v1/estates/{estate.pk}", **api_token("dept")).status_code == 403


def test_the_estate_list_reads_a_fixed_number_of_queries(estate, login_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_as("community")
    grid = Area.objects.get(code=GRID)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/registry/estates/").status_code == 200
        return len(captured)

    queries()  # process-wide caches warmed
    before = queries()
    for n in range(5):
        other = Estate.objects.create(area=grid, name=f"小区{n}", management_mode=ManagementMode.SELF,
                                      owners_committee=org(OrganisationKind.OWNERS_COMMITTEE, f"业委会{n}"))
        Building.objects.create(area=grid, estate=other, name="1栋")
    assert queries() == before
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/registry/estates/").content.decode()
    # The columns shown: the counts kept on the estate, no outline and no grid boundary loaded.
    assert not [q for q in captured if "outline" in q["sql"] or "geometry" in q["sql"]]
    assert "<td>1</td><td>1</td>" in page and "<td>1</td><td>0</td>" in page
