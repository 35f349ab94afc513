"""Page helpers for the browser tests: sign in through the form, take full-page screenshots."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.support import ARTIFACTS, DEMO_PASSWORD

DESKTOP = {"width": 1366, "height": 860}
MOBILE = {"width": 390, "height": 844}
SCREENSHOTS = ARTIFACTS / "screenshots"

# username, real name, landing path, heading, a scoped fact the page must show, viewport
ROLE_HOMES = [
    ("admin", "赵系统", "/accounts/users/", "账号管理", "钱审计", DESKTOP),
    ("auditor", "钱审计", "/audit/", "审计日志", "审计", DESKTOP),
    ("district", "孙区长", "/console/", "工作台", "示范区", DESKTOP),
    ("street", "李主任", "/console/", "工作台", "东城街道", DESKTOP),
    ("community", "周书记", "/console/", "工作台", "幸福社区", DESKTOP),
    ("dept", "郑科长", "/console/", "工作台", "区城市管理局", DESKTOP),
    ("grid", "吴网格", "/m/", "您好，吴网格", "幸福社区第01网格", MOBILE),
    ("resident", "王居民", "/m/", "您好，王居民", "幸福社区", MOBILE),
    ("town", "陈镇长", "/console/", "工作台", "青山镇", DESKTOP),
    ("village", "黄支书", "/console/", "工作台", "青山村", DESKTOP),
    ("villagegrid", "何组长", "/m/", "您好，何组长", "青山村第一村民小组", MOBILE),
    ("villager", "林村民", "/m/", "您好，林村民", "青山村", MOBILE),
]


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form and wait for the answer page to load."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- The case page -------------------------------------------------------------------------------

def photo(path, colour) -> str:
    image = Image.new("RGB", (320, 240), colour)
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def panel(page, action: str):
    """The action's panel on the case page, opened."""
    found = page.locator(f"details[data-action='{action}']")
    if found.get_attribute("open") is None:
        found.locator("summary").click()
    return found


def act(page, action: str, note: str = "", **fields) -> None:
    """Fill the action's form (selects, radios, files, text) and submit; wait for the answer page."""
    form = panel(page, action)
    for name, value in fields.items():
        control = form.locator(f"[name='{name}']")
        kind = control.first.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            control.select_option(value)
        elif kind == "radio":
            form.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "file":
            control.set_input_files(value)
        else:
            control.fill(value)
    if note:
        form.locator("textarea[name='note']").fill(note)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
