"""The management site (/manage/, Django's admin) speaks Chinese, including what Django 5.2's own
zh_Hans catalogues leave in English (issue 12, item 16): our catalogues in ``locale/zh_Hans`` fill
the gaps, the greeting names the administrator, and no internals (password hash parameters,
``True``/``null``) show."""

from __future__ import annotations

import json
import re
from pathlib import Path

import django.contrib.admin
import pytest

pytestmark = pytest.mark.django_db

ADMIN_JS = Path(django.contrib.admin.__file__).parent / "static" / "admin" / "js"


def script_msgids() -> set[str]:
    """Every string the admin's own scripts pass to gettext()."""
    ids = set()
    for path in ADMIN_JS.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        ids.update(re.findall(r"""\bgettext\(\s*'((?:[^'\\]|\\.)*)'\s*\)""", path.read_text(encoding="utf-8")))
    return {i.replace("\\'", "'").replace('\\"', '"') for i in ids}


def catalog(client) -> dict:
    body = client.get("/manage/jsi18n/").content.decode()
    return json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S).group(1))


def test_every_string_of_the_admin_scripts_is_translated(login_as):
    wanted = script_msgids()
    assert {"Choose all %s", "Remove all %s", "Available %s"} <= wanted
    translated = catalog(login_as("admin"))
    missing = sorted(w for w in wanted if w not in translated)
    assert not missing, f"admin script strings without Chinese: {missing}"
    assert translated["Choose all %s"] == "全选%s"


def test_the_greeting_names_the_administrator_not_the_account_in_capitals(login_as):
    page = login_as("admin").get("/manage/").content.decode()
    tools = page[page.index('id="user-tools"'):]
    assert re.search(r"欢迎，\s*<strong>赵系统</strong>", tools)
    assert "模型名称" in page and "Model name" not in page and "Add link" not in page


def test_lists_and_forms_show_no_internals(login_as, demo):
    client = login_as("admin")
    departments = client.get("/manage/accounts/department/").content.decode()
    assert 'alt="True"' not in departments and "启用" in departments
    assert 'alt="搜索"' in departments and 'alt="Search"' not in departments
    user = client.get(f"/manage/accounts/user/{demo.users['grid'].pk}/change/").content.decode()
    assert "argon2" not in user and "已设置" in user
    without = demo.users["dept"]
    without.set_unusable_password()
    without.save()
    assert "未设置密码" in client.get(f"/manage/accounts/user/{without.pk}/change/").content.decode()
    department = client.get(f"/manage/accounts/department/{demo.users['dept'].role_assignments.get().department_id}"
                            "/change/").content.decode()
    assert "按住 Ctrl 键" in department and "Control" not in department
    added = client.get("/manage/accounts/user/add/").content.decode()
    assert "After you" not in added and "创建账号后" in added
    area = client.get("/manage/areas/area/add/").content.decode()
    assert not re.search(r">\s*null\s*</textarea>", area) and "<textarea" in area


def test_the_administrator_sets_a_password_without_an_english_switch(login_as, demo):
    client = login_as("admin")
    url = f"/manage/accounts/user/{demo.users['grid'].pk}/password/"
    page = client.get(url).content.decode()
    assert 'data-testid="set-password-form"' in page and "usable_password" not in page
    assert "If disabled" not in page and "LDAP" not in page
    refused = client.post(url, {"password1": "", "password2": ""})
    assert refused.status_code == 200 and "请修正下面的错误" in refused.content.decode()
    done = client.post(url, {"password1": "Xin-Mima-2026!", "password2": "Xin-Mima-2026!"})
    assert done.status_code == 302
    demo.users["grid"].refresh_from_db()
    assert demo.users["grid"].check_password("Xin-Mima-2026!")
