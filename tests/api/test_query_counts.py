"""Every page and API call on the smoke path runs a bounded number of queries.

The limits are the numbers measured when they were pinned: a new N+1 (or any extra query)
fails here. The second half shows the counts do not grow with the amount of data shown.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

DISTRICT = "341702"
STREET = "341702001"
COMMUNITY = "341702001001"
GRID = "34170200100101"

# (who, url, expected status, queries at most)
PAGES = [
    (None, "/", 200, 0),
    ("street", "/", 302, 6),
    ("street", "/console/", 200, 14),  # + the disclosure panel: communities, last publications, late major items
    ("grid", "/m/", 200, 10),
    ("resident", "/m/", 200, 11),
    ("district", "/areas/", 200, 9),
    ("district", f"/areas/{DISTRICT}/", 200, 10),
    ("street", f"/areas/{COMMUNITY}/", 200, 11),
    ("district", "/areas/map/", 200, 7),
    ("district", "/areas/map/geojson/", 200, 8),
    ("street", "/notices/", 200, 8),
    ("street", "/accounts/profile/", 200, 10),
    ("admin", "/accounts/users/", 200, 13),
    ("auditor", "/audit/", 200, 8),
]

# A bearer request reads the token, the user's roles (with the areas, reused for the data scope)
# and second-factor devices (the token's credential stamp and the account policy, see
# accounts.policy) before the operation's own queries.
API = [
    ("street", "/api/v1/me", 200, 5),
    ("district", "/api/v1/areas", 200, 5),
    ("district", "/api/v1/areas?page_size=100&page=2", 200, 5),
    ("district", f"/api/v1/areas/{GRID}", 200, 4),
    ("grid", f"/api/v1/areas/{GRID}", 200, 4),
    ("district", "/api/v1/areas/locate?lon=117.401&lat=30.719", 200, 6),
]


def count_queries(client, url: str, **headers) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return len(captured), response


@pytest.mark.parametrize(("who", "url", "status", "limit"), PAGES, ids=[f"{p[0]}:{p[1]}" for p in PAGES])
def test_page_query_count_is_pinned(client, login_as, demo, django_assert_max_num_queries, who, url, status, limit):
    if who:
        login_as(who)
    client.get(url)  # the first request fills per-process caches (grid index); measure the next
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == status


@pytest.mark.parametrize(("who", "url", "status", "limit"), API, ids=[f"{a[0]}:{a[1]}" for a in API])
def test_api_query_count_is_pinned(client, api_token, django_assert_max_num_queries, who, url, status, limit):
    headers = api_token(who)
    client.get(url, **headers)
    with django_assert_max_num_queries(limit):
        response = client.get(url, **headers)
    assert response.status_code == status


# --- The counts do not grow with the data -------------------------------------------------


def test_api_area_list_costs_the_same_for_100_items_as_for_20(client, api_token):
    headers = api_token("district")
    client.get("/api/v1/areas", **headers)
    small, small_response = count_queries(client, "/api/v1/areas?page_size=20", **headers)
    large, large_response = count_queries(client, "/api/v1/areas?page_size=100", **headers)
    assert len(small_response.json()["items"]) == 20
    assert len(large_response.json()["items"]) == 100
    assert large_response.json()["count"] == 151
    assert small == large


def test_grid_geojson_costs_the_same_for_132_grids_as_for_one(client, login_as):
    login_as("grid")
    client.get("/areas/map/geojson/")
    one, one_response = count_queries(client, "/areas/map/geojson/")
    login_as("district")
    client.get("/areas/map/geojson/")
    all_grids, all_response = count_queries(client, "/areas/map/geojson/")
    assert len(one_response.json()["features"]) == 1
    assert len(all_response.json()["features"]) == 132
    assert one == all_grids


def test_area_detail_costs_the_same_for_4_children_as_for_10(client, login_as):
    login_as("district")
    client.get(f"/areas/{STREET}/")
    four, four_response = count_queries(client, f"/areas/{STREET}/")
    ten, ten_response = count_queries(client, f"/areas/{COMMUNITY}/")
    assert len(four_response.context["children"]) == 4
    assert len(ten_response.context["children"]) == 10
    assert four == ten


def test_user_list_costs_the_same_with_more_users_and_roles(client, login_as, demo):
    from gongzhi.accounts.models import Department, RoleAssignment, User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area

    login_as("admin")
    client.get("/accounts/users/")
    before, before_response = count_queries(client, "/accounts/users/")
    grids = list(Area.objects.filter(level="grid")[:10])
    department = Department.objects.get(code="CG")
    for i in range(17):
        user = User.objects.create(username=f"extra{i:02d}", real_name=f"加{i}")
        if i % 2:
            RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, area=grids[i % 10])
        else:
            RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_STAFF, department=department)
    after, after_response = count_queries(client, "/accounts/users/")
    assert before_response.context["page"].paginator.count == 12  # the demo accounts
    assert len(after_response.context["page"].object_list) == 25
    assert after == before


def test_audit_log_costs_the_same_with_more_entries(client, login_as, demo):
    from gongzhi.audit.services import record

    login_as("auditor")
    for i in range(5):
        record(actor=demo.users["street"], action="test.entry", object_repr=f"条目{i}")
    client.get("/audit/")
    before, before_response = count_queries(client, "/audit/")
    for i in range(5, 65):
        record(actor=demo.users[("street", "grid", "dept")[i % 3]], action="test.entry", object_repr=f"条目{i}")
    after, after_response = count_queries(client, "/audit/")
    assert len(before_response.context["page"].object_list) == 5
    assert len(after_response.context["page"].object_list) == 50
    assert after == before


def test_notice_inbox_costs_the_same_with_more_notices(client, login_as, demo):
    from gongzhi.notices.services import send_notice

    login_as("street")
    client.get("/notices/")
    send_notice(recipients=[demo.users["street"]], title="第一条通知")
    before, _response = count_queries(client, "/notices/")
    for i in range(30):
        send_notice(recipients=[demo.users["street"]], title=f"通知{i}", body="正文")
    after, response = count_queries(client, "/notices/")
    assert "通知29" in response.content.decode()
    assert after == before
