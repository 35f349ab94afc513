"""The URL map, walked once for every suite that must cover every route (uploads, the NUL guard,
the IDOR, XSS and CSRF suites): a new route is found here, so it is covered or the suite fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.core import uploads

KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


@dataclass(frozen=True)
class Endpoint:
    view_name: str  # "cases:detail"; a ninja operation: "api:<function name>"
    route: str  # "cases/<int:pk>/"
    methods: str  # "*" for a Django view, "GET" / "POST,PATCH"… for a ninja operation
    handler: Callable
    spec: uploads.UploadSpec | None  # what it accepts as uploads, None when it takes none

    @property
    def kwargs(self) -> tuple[str, ...]:
        """The names the route fills from the path (``pk``, ``code``…)."""
        return tuple(a or b for a, b in KWARG.findall(self.route))

    @property
    def plain(self) -> bool:
        """A route that is one path, without parameters or regular-expression syntax."""
        return not self.kwargs and not any(c in self.route for c in "<(^$")

    @property
    def path(self) -> str:
        return "/" + self.route


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            for methods, handler, spec in uploads.declared_specs(entry.callback):
                if methods != "*":  # a ninja operation: one URL holds several, each named by its function
                    name = f"{namespace}:{handler.__name__}"
                yield Endpoint(name, prefix + str(entry.pattern), methods, handler, spec)


def all_endpoints() -> list[Endpoint]:
    """Every route of the URL map; a ninja URL yields one endpoint per operation."""
    seen, found = set(), []
    for endpoint in _walk(get_resolver().url_patterns):
        key = (endpoint.view_name, endpoint.route, endpoint.methods)
        if key not in seen:  # ninja lists a URL's operations under each of its methods
            seen.add(key)
            found.append(endpoint)
    return found


def plain_paths() -> list[str]:
    """The paths of the routes without parameters (``/cases/``, ``/registry/statistics/``…)."""
    return sorted({e.path for e in all_endpoints() if e.plain})
