"""What the spine assembles from the apps, as plain data: the URL map, the API's operations, the
permissions and the role matrix, each role's menu and the demo's output.

``before.json`` holds this snapshot as it was when the spine still kept central lists (issue 12
item 21); ``test_snapshot.py`` compares the code with it so collecting the declarations from the
apps changed nothing. After an intended change (a new URL, permission or menu entry) write it anew:
``GZ_SPINE_SNAPSHOT=write ./gz test tests/spine/test_snapshot.py``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

SNAPSHOT_PATH = Path(__file__).with_name("before.json")


def url_map() -> list[str]:
    """Every URL pattern, in resolution order: ``route  name  view``."""
    from django.urls import URLPattern, URLResolver, get_resolver

    rows: list[str] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                callback = pattern.callback
                view = f"{getattr(callback, '__module__', '')}.{getattr(callback, '__qualname__', '')}"
                name = f"{namespace}{pattern.name}" if pattern.name else ""
                rows.append(f"{route}  {name}  {view}")

    walk(get_resolver().url_patterns, "", "")
    return rows


def api_operations() -> dict[str, dict[str, str]]:
    """OpenAPI path → method → ``operationId tags``."""
    from gongzhi.core.api import current_api

    schema = current_api().get_openapi_schema()
    return {path: {method: f"{op.get('operationId')} {','.join(op.get('tags', []))}"
                   for method, op in sorted(item.items())}
            for path, item in sorted(schema["paths"].items())}


def permissions() -> dict:
    from django.utils import translation

    from gongzhi.accounts.roles import MATRIX, PERM_ENGLISH, Perm, Role

    with translation.override("zh-hans"):
        perms = {perm.value: [perm.name, str(perm.label), PERM_ENGLISH[perm]] for perm in Perm}
    matrix = {role.value: sorted(str(p) for p in MATRIX[role]) for role in Role}
    return {"perms": perms, "matrix": matrix}


def menus() -> dict[str, list[str]]:
    """Each role's menu (entries in order, ``label url``), for a user holding that role only."""
    from django.utils import translation

    from gongzhi.accounts.roles import Role
    from gongzhi.core.navigation import nav_for

    result = {}
    with translation.override("zh-hans"):
        for role in Role:
            user = SimpleNamespace(is_authenticated=True, is_active=True, roles=lambda role=role: frozenset({role}))
            result[role.value] = [f"{item['label']} {item['url']}" for item in nav_for(user, "/")]
    return result


def demo_output(residents: int = 60) -> list[str]:
    """``demo_setup``'s lines (twice: building, then finding everything there), durations and the
    day-dependent case counts left out."""
    from django.core.management import call_command

    lines = []
    for _run in range(2):
        out = io.StringIO()
        call_command("demo_setup", residents=residents, stdout=out)
        for line in out.getvalue().splitlines():
            line = re.sub(r"\(\d+(\.\d+)?s\)", "(…s)", line)
            if line.startswith("事件 "):  # the case history depends on the day it is drawn for
                line = re.sub(r"\d+", "N", line)
            lines.append(line)
    return lines


def snapshot(*, with_demo: bool) -> dict:
    data = {"urls": url_map(), "api": api_operations(), **permissions(), "menus": menus()}
    if with_demo:
        data["demo"] = demo_output()
    return data
