"""Error pages are Chinese HTML for pages and JSON with a code under /api/; never a traceback."""

import pytest
from django.test import RequestFactory

from gongzhi.core import views

pytestmark = pytest.mark.django_db


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'lang="zh-CN"' in page
    assert "Traceback" not in page


def test_404_page_in_english_when_chosen(client):
    page = client.get("/no-such-page/?lang=en").content.decode()
    assert 'lang="en"' in page and "页面不存在" not in page


def test_forbidden_page_is_chinese(login_as):
    response = login_as("grid").get("/audit/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_unknown_api_path_is_json_with_code(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_server_error_handler_renders_the_chinese_page():
    request = RequestFactory().get("/console/")
    response = views.server_error(request)
    assert response.status_code == 500
    assert "系统繁忙" in response.content.decode()


def test_server_error_handler_answers_json_under_api():
    response = views.server_error(RequestFactory().get("/api/v1/areas"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert b'"server_error"' in response.content
