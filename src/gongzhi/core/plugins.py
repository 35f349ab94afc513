"""The contract between the spine and the apps: each app declares what it brings in one module of
its own, ``<app>/plugin.py``, holding ``plugin = AppPlugin(...)``; the spine collects them from the
installed apps (``settings.INSTALLED_APPS``, in that order).

What an app declares, and which piece of the spine reads it:

- ``urls``: ``UrlMount(prefix, target, order)`` — ``gongzhi/urls.py``;
- ``api``: ``ApiMount(prefix, router, order)`` — the NinjaAPI in ``core/api.py``;
- ``permissions``: ``Permission(name, code, label, english, roles)`` — ``accounts.roles.Perm``,
  ``MATRIX`` and ``PERM_ENGLISH`` (then ``docs/permissions.md``);
- ``menu_groups`` and ``menu``: ``MenuGroup(key, label, order)``, ``MenuEntry(label, url_name, perm,
  roles, group, order, pinned, counter)`` — ``core/navigation.py`` and the page header;
- ``demo``: ``DemoStep(name, build, after)`` — the ``demo_setup`` command.

Personal data (the fields the reveal endpoint may unmask) is declared on the model field itself
(``EncryptedTextField(..., sensitive="phone")`` or ``privacy.sensitive.declare``), so it needs no
entry here. A plugin module only declares: it imports nothing but this module, ``gettext_lazy`` and
``accounts.roles.Role``; targets are dotted paths (``"gongzhi.cases.urls"``,
``"gongzhi.cases.api:router"``) imported when the spine needs them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import module_has_submodule

PLUGIN_MODULE = "plugin"
DEFAULT_ORDER = 500


def resolve(target: str) -> Any:
    """``"package.module"`` → the module; ``"package.module:attr.attr"`` → that attribute."""
    module_path, _, attrs = target.partition(":")
    value: Any = import_module(module_path)
    for attr in filter(None, attrs.split(".")):
        value = getattr(value, attr)
    return value


@dataclass(frozen=True)
class UrlMount:
    """``path(prefix, include(target))`` in the URL map. ``target`` is a urlconf module, or a
    ``module:attr`` giving an ``(patterns, app_name, namespace)`` triple (``admin_site.urls``) or a
    function returning one (``core.api.urls``).
    Lower ``order`` comes first: requests try the entries in order, so machine endpoints that take
    many requests go early and a catch-all prefix (``""``) goes last."""

    prefix: str
    target: str
    order: int = DEFAULT_ORDER


@dataclass(frozen=True)
class ApiMount:
    """A ninja ``Router`` (``"module:attr"``) added to the API at ``/api/v1`` + ``prefix``."""

    prefix: str
    router: str
    order: int = DEFAULT_ORDER


@dataclass(frozen=True)
class Permission:
    """A permission ``code`` (``<domain>.<verb>``), reachable as ``Perm.<name>``, with its Chinese
    label (a msgid), its English description (docs/permissions.md) and the roles granted it. A role
    holds it inside the areas it is assigned to (department staff: the areas its department
    serves), see ``accounts.permissions.has_perm``."""

    name: str
    code: str
    label: Any
    english: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class MenuGroup:
    """A drop-down of the main menu (事件, 台账…): entries naming ``key`` as their group go in it."""

    key: str
    label: Any
    order: int = DEFAULT_ORDER
    plain: Any = ""  # the plainer words shown in 长辈模式 (适老化: no jargon), when they differ


@dataclass(frozen=True)
class MenuEntry:
    """One link of the main menu, shown to whoever holds ``perm`` (when given) and one of
    ``roles`` (when given). ``group`` is a ``MenuGroup`` key (``""``: a link of its own);
    ``pinned`` entries stay in sight at every width (通知); ``counter`` (``"module:function"``,
    called with the user) gives the number shown as a badge."""

    label: Any
    url_name: str
    perm: str | None = None
    roles: tuple[str, ...] = ()
    group: str = ""
    order: int = DEFAULT_ORDER
    pinned: bool = False
    counter: str = ""
    plain: Any = ""  # the plainer words shown in 长辈模式 (适老化: 随手拍 → 拍照反映问题), when they differ


@dataclass(frozen=True)
class DemoStep:
    """A builder of demo data: ``build`` (``"module:function"``) is called with a
    ``demo.steps.DemoContext`` after the district and the accounts exist and after the steps
    named in ``after``."""

    name: str
    build: str
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feature:
    """What the home page promises for the app: one entry, so the page promises only what is installed."""

    title: Any
    text: Any
    order: int = DEFAULT_ORDER


@dataclass(frozen=True)
class AppPlugin:
    urls: tuple[UrlMount, ...] = ()
    api: tuple[ApiMount, ...] = ()
    permissions: tuple[Permission, ...] = ()
    menu_groups: tuple[MenuGroup, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    demo: tuple[DemoStep, ...] = ()
    features: tuple[Feature, ...] = ()


class PluginError(Exception):
    """A declaration the spine cannot use (a duplicate code, an unknown group, a cycle…)."""


def _ordered(items):
    """Stable sort by ``order``: equal orders keep the declaration order (apps in INSTALLED_APPS order)."""
    return [item for _index, item in sorted(enumerate(items), key=lambda pair: (pair[1].order, pair[0]))]


class Declarations:
    """Everything the installed apps declare, collected once (again after INSTALLED_APPS changes)."""

    def __init__(self, plugins: list[tuple[str, AppPlugin]]):
        self.plugins = plugins

    def _all(self, attr: str) -> list:
        return [item for _app, plugin in self.plugins for item in getattr(plugin, attr)]

    @cached_property
    def url_mounts(self) -> list[UrlMount]:
        return _ordered(self._all("urls"))

    @cached_property
    def api_mounts(self) -> list[ApiMount]:
        return _ordered(self._all("api"))

    @cached_property
    def permissions(self) -> list[Permission]:
        perms = self._all("permissions")
        for attr in ("name", "code"):
            seen: set[str] = set()
            for perm in perms:
                if getattr(perm, attr) in seen:
                    raise PluginError(f"permission {attr} {getattr(perm, attr)!r} is declared twice")
                seen.add(getattr(perm, attr))
        return perms

    @cached_property
    def menu_groups(self) -> list[MenuGroup]:
        return _ordered(self._all("menu_groups"))

    @cached_property
    def menu(self) -> list[MenuEntry]:
        groups = {group.key for group in self.menu_groups}
        codes = {perm.code for perm in self.permissions}
        entries = _ordered(self._all("menu"))
        for entry in entries:
            if entry.group and entry.group not in groups:
                raise PluginError(f"menu entry {entry.url_name!r} names an undeclared group {entry.group!r}")
            if entry.perm and entry.perm not in codes:
                raise PluginError(f"menu entry {entry.url_name!r} names an undeclared permission {entry.perm!r}")
        return entries

    @cached_property
    def features(self) -> list[Feature]:
        return _ordered(self._all("features"))

    @cached_property
    def demo_steps(self) -> list[DemoStep]:
        """In declaration order, each moved after the steps it names (a cycle or an unknown name is
        an error)."""
        steps = self._all("demo")
        by_name = {step.name: step for step in steps}
        ordered: list[DemoStep] = []
        visiting: set[str] = set()

        def visit(step: DemoStep) -> None:
            if step in ordered:
                return
            if step.name in visiting:
                raise PluginError(f"demo steps depend on each other in a cycle at {step.name!r}")
            visiting.add(step.name)
            for name in step.after:
                if name not in by_name:
                    raise PluginError(f"demo step {step.name!r} comes after an unknown step {name!r}")
                visit(by_name[name])
            visiting.discard(step.name)
            ordered.append(step)

        for step in steps:
            visit(step)
        return ordered


def _collect() -> list[tuple[str, AppPlugin]]:
    plugins = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, PLUGIN_MODULE):
            continue
        plugin = getattr(import_module(f"{config.name}.{PLUGIN_MODULE}"), "plugin", None)
        if isinstance(plugin, AppPlugin):
            plugins.append((config.label, plugin))
    return plugins


def url_patterns() -> list:
    """The URL map: each declared ``UrlMount``, in order."""
    from django.urls import include, path

    patterns = []
    for mount in declarations().url_mounts:
        if ":" in mount.target:  # an (patterns, app_name, namespace) triple, or a function giving one
            target = resolve(mount.target)
            patterns.append(path(mount.prefix, target() if callable(target) else target))
        else:
            patterns.append(path(mount.prefix, include(mount.target)))
    return patterns


def add_api_routers(api) -> None:
    """Add every declared ``ApiMount``'s router to ``api``, in order."""
    for mount in declarations().api_mounts:
        api.add_router(mount.prefix, resolve(mount.router))


_lock = threading.Lock()
_current: Declarations | None = None
generation = 0  # bumped whenever the declarations are collected anew (caches built on them key on it)


def declarations() -> Declarations:
    global _current, generation
    current = _current
    if current is None:
        with _lock:
            if _current is None:
                _current = Declarations(_collect())
                generation += 1
            current = _current
    return current


def current_generation() -> int:
    """The generation of the declarations in use (collecting them first when needed)."""
    declarations()
    return generation


def forget() -> None:
    """Collect anew on next use (the installed apps changed)."""
    global _current
    with _lock:
        _current = None


@receiver(setting_changed)
def _installed_apps_changed(*, setting, **kwargs):
    if setting == "INSTALLED_APPS":
        forget()
