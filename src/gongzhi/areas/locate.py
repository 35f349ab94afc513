"""Point → grid, with a shapely STRtree over the grid polygons.

The tree is cached per process and rebuilt when the grids change: a cheap signature query
(count and latest ``updated_at`` of grid rows) is compared on each call, so an import in one
process is seen by every other process without a timer or a signal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

from django.db.models import Count, Max

from .models import Area, Level


@dataclass
class GridIndex:
    signature: tuple
    tree: shapely.STRtree | None
    geoms: list
    area_ids: np.ndarray

    def locate_ids(self, lons, lats) -> np.ndarray:
        """Vectorised: area id per point (-1 where no grid contains it)."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        result = np.full(len(points), -1, dtype=np.int64)
        if self.tree is None or len(points) == 0:
            return result
        point_idx, geom_idx = self.tree.query(points, predicate="intersects")
        # Shared borders: the first match (lowest grid index) wins, deterministically.
        order = np.lexsort((geom_idx, point_idx))
        point_idx, geom_idx = point_idx[order], geom_idx[order]
        first = np.unique(point_idx, return_index=True)[1]
        result[point_idx[first]] = self.area_ids[geom_idx[first]]
        return result


_lock = threading.Lock()
_index: GridIndex | None = None


def _signature() -> tuple:
    agg = Area.objects.filter(level=Level.GRID).aggregate(n=Count("id"), last=Max("updated_at"))
    return (agg["n"], agg["last"])


def _build(signature: tuple) -> GridIndex:
    rows = Area.objects.filter(level=Level.GRID, geometry__isnull=False).values_list("id", "geometry")
    ids, geoms = [], []
    for area_id, geometry in rows:
        try:
            geom = shape(geometry)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if geom.is_empty:
            continue
        ids.append(area_id)
        geoms.append(geom)
    tree = shapely.STRtree(geoms) if geoms else None
    return GridIndex(signature=signature, tree=tree, geoms=geoms, area_ids=np.asarray(ids, dtype=np.int64))


def grid_index() -> GridIndex:
    global _index
    signature = _signature()
    current = _index
    if current is not None and current.signature == signature:
        return current
    with _lock:
        if _index is None or _index.signature != signature:
            _index = _build(signature)
        return _index


def locate(lon: float, lat: float) -> Area | None:
    """The grid containing the point, or None."""
    area_id = int(grid_index().locate_ids([lon], [lat])[0])
    if area_id < 0:
        return None
    return Area.objects.select_related("parent").filter(pk=area_id).first()


def invalidate() -> None:
    """Drop this process's index (tests; other processes notice through the signature)."""
    global _index
    with _lock:
        _index = None
