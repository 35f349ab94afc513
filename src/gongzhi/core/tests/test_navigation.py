"""The menu: entries by role, one active entry."""

import pytest

pytestmark = pytest.mark.django_db


def test_only_the_most_specific_menu_entry_is_active(demo, login_as):
    page = login_as("district").get("/areas/map/").content.decode()
    assert page.count('aria-current="page"') == 1
    assert 'href="/areas/map/" class="active" aria-current="page"' in page


def test_each_account_sees_its_own_menu_when_menus_are_reused(demo, login_as):
    """The menu of a set of roles is worked out once per process (issue 11): a district account's
    menu must not be handed to a resident, nor the other way round."""
    for username, sees_registry in [("resident", False), ("district", True), ("resident", False), ("grid", True),
                                    ("auditor", False), ("district", True)]:
        page = login_as(username).get("/notices/").content.decode()
        assert ('<a href="/registry/">' in page) is sees_registry, username
        assert 'href="/notices/"' in page
