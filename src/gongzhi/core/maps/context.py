"""``{{ map_attrs }}`` in every template: the map element's raster attributes, computed only when a
template uses it (the context holds the function; the template engine calls it)."""

from __future__ import annotations

from .raster import map_attrs as _map_attrs


def map_attrs(request):
    return {"map_attrs": _map_attrs}
