"""The areas API answers only inside the caller's scope."""

import pytest

pytestmark = pytest.mark.django_db

GRID = "34170200100101"
OTHER_GRID = "34170200100102"


def test_grid_worker_token_lists_only_their_grid(client, api_token):
    response = client.get("/api/v1/areas", **api_token("grid"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [a["code"] for a in body["items"]] == [GRID]
    assert body["items"][0] == {
        "code": GRID, "name": "幸福社区第01网格", "level": "grid", "kind": "grid", "parent": "341702001001",
        "centroid": [117.407614, 30.713546],  # the block between 西环路, 北环路, 百牙路 and 昭明路
    }


def test_grid_worker_gets_404_for_another_grid(client, api_token):
    headers = api_token("grid")
    assert client.get(f"/api/v1/areas/{GRID}", **headers).status_code == 200
    response = client.get(f"/api/v1/areas/{OTHER_GRID}", **headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_street_sees_its_street_subtree_only(client, api_token):
    body = client.get("/api/v1/areas?page_size=100", **api_token("street")).json()
    # 1 street + 4 communities + 40 grids
    assert body["count"] == 45
    assert all(a["code"].startswith("341702001") for a in body["items"])


def test_district_sees_everything(client, api_token):
    assert client.get("/api/v1/areas", **api_token("district")).json()["count"] == 1 + 3 + 12 + 120 + 1 + 2 + 12


def test_locate_returns_the_grid_or_404(client, api_token):
    headers = api_token("district")
    hit = client.get("/api/v1/areas/locate?lon=117.401&lat=30.719", **headers)
    assert hit.status_code == 200 and hit.json()["code"] == GRID
    assert client.get("/api/v1/areas/locate?lon=100&lat=20", **headers).status_code == 404


def test_anonymous_gets_json_401(client, demo):
    response = client.get("/api/v1/areas")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize("username", ["resident", "auditor"])
def test_the_api_asks_for_areas_view_like_the_pages(client, api_token, login_as, username):
    """Without ``areas.view`` the area pages answer 403, and so does every areas API operation."""
    headers = api_token(username)
    for url in ["/api/v1/areas", "/api/v1/areas/341702001001", "/api/v1/areas/locate?lon=117.401&lat=30.719"]:
        response = client.get(url, **headers)
        assert response.status_code == 403, url
        assert response.json()["code"] == "forbidden"
    page = login_as(username)
    assert page.get("/areas/341702001001/").status_code == 403
    assert page.get("/api/v1/areas").status_code == 403
