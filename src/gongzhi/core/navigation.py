"""The main menu, by role: the entries every installed app declares (``MenuEntry`` in its
``plugin.py``), each shown to whoever holds its permission (or roles), grouped into drop-downs
(``MenuGroup``: 事件, 台账, 统计, 管理…); pinned entries (通知) stay in sight at every width.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from gongzhi.accounts.permissions import user_perms
from gongzhi.core import plugins
from gongzhi.core.plugins import MenuEntry


def visible_with(entry: MenuEntry, perms: frozenset[str], roles: frozenset[str]) -> bool:
    """Whether a user holding ``perms`` through ``roles`` sees ``entry``."""
    if entry.perm and entry.perm not in perms:
        return False
    if entry.roles and not roles & set(entry.roles):
        return False
    return True


def nav_for(user, current_path: str) -> list[dict]:
    """Visible entries, in order; the one whose URL is the longest prefix of the current path is active."""
    roles = user.roles() if getattr(user, "is_authenticated", False) else frozenset()
    entries = _entries(user_perms(user), roles, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(),
                       plugins.current_generation())
    plain = getattr(user, "elder_mode", False)  # 长辈模式: plain words where an entry has them
    items = [{"label": (plain and entry.plain) or entry.label, "url": url, "active": False, "group": entry.group, "pinned": entry.pinned,
              "counter": entry.counter} for entry, url in entries]
    matches = [i for i in items if current_path.startswith(i["url"])]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


def menu_for(user, current_path: str) -> dict:
    """The header's menu: ``pinned`` links (with their counts) and ``sections`` — a link of its own
    for an entry without a group or alone in its group, else a group with its ``items``."""
    items = nav_for(user, current_path)
    for item in items:
        item["count"] = plugins.resolve(item["counter"])(user) if item["counter"] else 0
    groups = plugins.declarations().menu_groups
    plain = getattr(user, "elder_mode", False)
    labels = {group.key: (plain and group.plain) or group.label for group in groups}
    grouped: dict[str, list[dict]] = {}
    for item in items:
        if item["group"] and not item["pinned"]:
            grouped.setdefault(item["group"], []).append(item)
    # Entries without a group first, then the groups in their order (one alone in its group is a link).
    sections = [{"key": "", "label": item["label"], "items": [item], "active": item["active"]}
                for item in items if not item["pinned"] and not item["group"]]
    for group in groups:
        members = grouped.get(group.key, [])
        if len(members) == 1:
            sections.append({"key": "", "label": members[0]["label"], "items": members, "active": members[0]["active"]})
        elif members:
            sections.append({"key": group.key, "label": labels[group.key], "items": members,
                             "active": any(i["active"] for i in members)})
    return {"pinned": [item for item in items if item["pinned"]], "sections": sections}


@lru_cache(maxsize=256)
def _entries(perms: frozenset[str], roles: frozenset[str], urlconf, script_prefix: str,
             generation: int) -> tuple[tuple[MenuEntry, str], ...]:
    """The menu of whoever holds ``perms`` through ``roles``: it depends on nothing else, so each
    combination's entries and URLs are worked out once per process (per collection of the apps'
    declarations), not on every page."""
    return tuple((entry, reverse(entry.url_name, urlconf=urlconf))
                 for entry in plugins.declarations().menu if visible_with(entry, perms, roles))
