"""The menu: entries by role, one active entry."""

import pytest

pytestmark = pytest.mark.django_db


def test_only_the_most_specific_menu_entry_is_active(demo, login_as):
    page = login_as("district").get("/areas/map/").content.decode()
    assert page.count('aria-current="page"') == 1
    assert 'href="/areas/map/" class="active" aria-current="page"' in page
