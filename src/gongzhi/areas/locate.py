"""Point → grid, with a shapely STRtree over the grid polygons and a cell raster in front of it.

The index is cached per process and rebuilt when the grids change: a cheap signature query
(count and latest ``updated_at`` of grid rows) is compared on each call, so an import in one
process is seen by every other process without a timer or a signal.

The rule for a point is the one the STRtree path defines (``GridIndex.locate_ids_exact``): the
lowest-indexed grid the point ``intersects`` (borders and vertices included), -1 if none.
``CellRaster`` answers most points with numpy indexing alone, tests points near a border against
the few grids their cell touches, and leaves the rest to the STRtree path; its docstring says
why the answers are the same.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape

from django.db import connection
from django.db.models import Count, FloatField, Max, Sum
from django.db.models.expressions import RawSQL

from .models import Area, Level

#: Finest raster resolution, in cells per grid on average. About 2/sqrt(cells per grid) of the
#: cells of a tiling lie on a border and need point-in-polygon tests, the rest need none; 32
#: keeps that near a third while the build (shapely predicates on the border cells) stays well
#: under a second for a few thousand grids. 64 brings it to about a quarter for about twice the
#: build time.
CELLS_PER_GRID = 32

#: Memory cap, in cells: the raster never holds more than 2,097,152 cells (int32 codes, 8 MiB)
#: nor more than as many border candidates (int32 grid indices plus int32 offsets, at most
#: 16 MiB), so at most 24 MiB per process whatever the number of grids. More grids only make the
#: cells coarser; candidates beyond the cap leave their cells to the STRtree path. (The private
#: prepared copies of the grids come on top; they grow with the grids, like the tree itself.)
MAX_CELLS = 1 << 21

#: Cells classified per batch while building: bounds the temporary shapely boxes (a few hundred
#: bytes each) to some 5 MB however large the raster. (Measured: building for 4,096 grids grows
#: the peak RSS by about 25 MiB in all, for 2M cells about 60 MiB.)
_BUILD_BATCH = 1 << 14

#: Cell codes. A grid index (>= 0): the cell lies inside that grid and no lower-indexed grid
#: touches it. EMPTY: no grid touches it. EXACT: the STRtree path decides (and, while building,
#: "not decided yet"). BORDER - k: border cell k, decided by testing its candidate grids.
EMPTY = -1
EXACT = -2
BORDER = -3

_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon


@dataclass(frozen=True, eq=False)
class CellRaster:
    """A uniform raster over the grids' extent with one precomputed answer per cell.

    Why the answers equal the STRtree rule (lowest-indexed grid the point ``intersects``):

    * A cell is judged on its box *padded* by ``pad`` and clipped to the extent (no grid leaves
      the extent, and no point outside it reaches the raster). Every point mapped to a cell lies
      inside that closed box, ``pad`` being orders of magnitude above the rounding of the index
      and box arithmetic, so any grid that a point intersects intersects the padded box.
    * A cell gets grid ``g`` only when ``g`` ``covers`` the padded box and no lower-indexed grid
      ``intersects`` it: each of its points then lies inside ``g``, at least ``pad`` from its
      boundary, and at least ``pad`` from every lower grid. A cell is EMPTY only when no grid
      intersects the padded box. A point on a border or vertex of the winning grid, or of a lower
      one, therefore never falls in such a cell.
    * Otherwise a cell is a border cell: its candidates are the grids intersecting the padded
      box, in index order, and the first whose point-in-polygon test (``intersects_xy``,
      boundary included) succeeds is the answer; a grid off the list cannot hold the point.
    * All of this is used only where GEOS's arithmetic is exact for the cell (see
      ``_differences_exact``): there every GEOS point-in-polygon routine returns the true
      answer, the STRtree's as well as ``intersects_xy``, so they agree on every point. Cells
      where it may not be exact (coordinates straddling zero, say), cells touching an invalid
      or non-polygonal geometry (judged by bounding box alone) and cells over the candidate
      cap are EXACT: their points take the STRtree path itself.

    The box predicates need no exactness: the points keep ``pad`` away from every boundary
    they looked at, far beyond any rounding in them.
    """

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    #: Cells per coordinate unit along x and y (nx / width, ny / height).
    scale_x: float
    scale_y: float
    pad: float
    #: Shape (ny, nx): grid index, EMPTY, EXACT or BORDER - k per cell.
    codes: NDArray[np.int32]
    #: Border cell k's candidates are ``members[offsets[k]:offsets[k + 1]]``, ascending.
    offsets: NDArray[np.int32]
    members: NDArray[np.int32]
    #: Private prepared copies of the grids, for the border tests.
    prepared: NDArray[np.object_]

    @property
    def cells(self) -> int:
        return int(self.codes.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the raster arrays (the prepared copies are not counted)."""
        return int(self.codes.nbytes + self.offsets.nbytes + self.members.nbytes)

    def share(self, code: int) -> float:
        """Share of cells with ``code`` (EMPTY, EXACT) or, for BORDER, any border code."""
        hits = self.codes <= BORDER if code == BORDER else self.codes == code
        return float(np.count_nonzero(hits)) / max(1, self.cells)

    def lookup(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int32]:
        """The cell code for each point: EMPTY outside the extent, EXACT if not finite."""
        codes = np.full(x.shape, EXACT, dtype=np.int32)
        finite = np.isfinite(x) & np.isfinite(y)
        # No grid reaches beyond its bounds, so a finite point outside the extent is in none.
        inside = finite & (x >= self.xmin) & (x <= self.xmax) & (y >= self.ymin) & (y <= self.ymax)
        codes[finite & ~inside] = EMPTY
        ny, nx = self.codes.shape
        ix = ((x[inside] - self.xmin) * self.scale_x).astype(np.intp)
        iy = ((y[inside] - self.ymin) * self.scale_y).astype(np.intp)
        # A point on the far edge (x == xmax) lands on index nx: it belongs to the last cell.
        np.minimum(ix, nx - 1, out=ix)
        np.minimum(iy, ny - 1, out=iy)
        codes[inside] = self.codes[iy, ix]
        return codes

    def code_at(self, x: float, y: float) -> int:
        """``lookup`` for one point, in plain Python: the same arithmetic on the same doubles.

        A call to ``lookup`` costs some 20 µs of numpy overhead whatever the number of points;
        one web request locating one point pays that on every request.
        """
        if not (math.isfinite(x) and math.isfinite(y)):
            return EXACT
        if not (self.xmin <= x <= self.xmax and self.ymin <= y <= self.ymax):
            return EMPTY
        ny, nx = self.codes.shape
        ix = min(int((x - self.xmin) * self.scale_x), nx - 1)
        iy = min(int((y - self.ymin) * self.scale_y), ny - 1)
        return int(self.codes[iy, ix])

    def resolve_border_at(self, code: int, x: float, y: float) -> int:
        """``resolve_border`` for one point: its cell's candidates in order, the first hit wins."""
        cell = BORDER - code
        for grid in self.members[self.offsets[cell]:self.offsets[cell + 1]]:
            if shapely.intersects_xy(self.prepared[grid], x, y):
                return int(grid)
        return -1

    def resolve_border(self, codes: NDArray[np.int32], x: NDArray[np.float64],
                       y: NDArray[np.float64]) -> NDArray[np.int64]:
        """Grid index (-1 for none) of points whose codes are BORDER codes.

        Candidates are tried in rounds, lowest index first: a round tests every undecided point
        against its next candidate at once, and a point leaves at its first hit.
        """
        cell = BORDER - codes.astype(np.int64)
        position = self.offsets[cell].astype(np.int64)
        stop = self.offsets[cell + 1]
        found = np.full(len(codes), -1, dtype=np.int64)
        pending = np.arange(len(codes))
        while len(pending):
            grid = self.members[position[pending]]
            hit = shapely.intersects_xy(self.prepared[grid], x[pending], y[pending])
            found[pending[hit]] = grid[hit]
            position[pending] += 1
            pending = pending[~hit & (position[pending] < stop[pending])]
        return found


def build_raster(geometries: NDArray[np.object_], tree: shapely.STRtree, *,
                 cells_per_grid: int = CELLS_PER_GRID,
                 max_cells: int = MAX_CELLS) -> CellRaster | None:
    """The raster for ``geometries`` (in the order of ``tree``), or None if they span no area.

    Built coarse to fine: about four cells per grid first, then only undecided cells are split
    in four, level after level, down to ``cells_per_grid`` cells per grid (``max_cells`` in all at
    most). A cell decided at a coarse level decides its sub-cells too (their padded boxes lie in
    its padded box), so the shapely predicates run on cells along borders, not on every cell.
    """
    n = len(geometries)
    if n == 0:
        return None
    xmin, ymin, xmax, ymax = (float(v) for v in shapely.total_bounds(geometries))
    width, height = xmax - xmin, ymax - ymin
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        return None  # nothing to rasterise (e.g. only points or lines): every point goes exact

    target = max(1, min(cells_per_grid * n, max_cells))
    # Start at about four cells per grid: coarser cells would nearly all straddle a border.
    levels = max(0, int(math.floor(math.log(max(target / (4 * n), 1.0), 4))))
    block = 1 << levels  # finest cells per coarse cell, along each axis
    side = math.sqrt(width * height / target)  # square cells where the extent allows
    bx = min(max(1, round(width / (side * block))), max(1, max_cells // (block * block)))
    by = min(max(1, round(height / (side * block))), max(1, max_cells // (bx * block * block)))
    nx, ny = bx * block, by * block
    size_x, size_y = width / nx, height / ny
    magnitude = max(abs(xmin), abs(xmax), abs(ymin), abs(ymax))
    # Far above the rounding of the index and box arithmetic (a few ulps of the coordinates),
    # far below a cell.
    pad = max(1e-6 * min(size_x, size_y), 1e3 * float(np.finfo(float).eps) * magnitude)

    # Private prepared copies: preparing the caller's geometries would change them for everyone
    # else (the STRtree path, other users); WKB keeps every coordinate bit for bit.
    prepared = shapely.from_wkb(shapely.to_wkb(geometries))
    shapely.prepare(prepared)
    ownable = (np.isin(shapely.get_type_id(prepared), _POLYGONAL) & shapely.is_valid(prepared)
               & ~shapely.is_empty(prepared))
    if not ownable.any():
        return None  # no cell could be owned or tested: the STRtree path does everything
    grids = _Grids(tree=tree, prepared=prepared, ownable=ownable, bounds=shapely.bounds(prepared))

    def classify(ix: NDArray[np.intp], iy: NDArray[np.intp], step: int, final: bool
                 ) -> tuple[NDArray[np.int32], list[tuple[NDArray[np.intp], NDArray[np.int32]]]]:
        """Codes for the cells (ix, iy), each step × step finest cells, and on the final level
        the candidate pairs of the border cells (cells as positions among the inputs)."""
        out = np.empty(len(ix), dtype=np.int32)
        borders: list[tuple[NDArray[np.intp], NDArray[np.int32]]] = []
        for start in range(0, len(ix), _BUILD_BATCH):
            cx, cy = ix[start:start + _BUILD_BATCH], iy[start:start + _BUILD_BATCH]
            codes, (cell, geom) = grids.classify(
                np.maximum(xmin + cx * step * size_x - pad, xmin),
                np.maximum(ymin + cy * step * size_y - pad, ymin),
                np.minimum(xmin + (cx + 1) * step * size_x + pad, xmax),
                np.minimum(ymin + (cy + 1) * step * size_y + pad, ymax),
            )
            out[start:start + len(codes)] = codes
            if final:
                borders.append((cell + start, geom.astype(np.int32)))
        return out, borders

    iy, ix = np.divmod(np.arange(bx * by, dtype=np.intp), bx)
    codes, borders = classify(ix, iy, block, final=levels == 0)
    codes = codes.reshape(by, bx)
    flat = np.arange(bx * by, dtype=np.intp)
    for level in range(1, levels + 1):
        codes = codes.repeat(2, axis=0).repeat(2, axis=1)
        flat = np.flatnonzero(codes == EXACT)
        iy, ix = np.divmod(flat, codes.shape[1])
        codes.flat[flat], borders = classify(ix, iy, block >> level, final=level == levels)

    # Border cells and their candidates, in cell order, within the memory cap; any cell left
    # over keeps EXACT.
    pair_cells = np.concatenate([c for c, _ in borders]) if borders else np.empty(0, np.intp)
    members = np.concatenate([g for _, g in borders]) if borders else np.empty(0, np.int32)
    cells, counts = np.unique(pair_cells, return_counts=True)
    fits = np.cumsum(counts) <= max_cells
    cells, counts = cells[fits], counts[fits]
    members = members[: int(counts.sum())]
    offsets = np.zeros(len(cells) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    codes.flat[flat[cells]] = BORDER - np.arange(len(cells), dtype=np.int32)

    # GEOS builds a prepared polygon's point-in-area index lazily, on its first point test, and
    # not under a lock (libgeos/geos#825), while shapely releases the GIL in its predicates.
    # Build every index now, inside the envelope so the test reaches it, on the one thread that
    # builds the raster: threads sharing the cached index then only ever read it.
    centre = (grids.bounds[ownable, :2] + grids.bounds[ownable, 2:]) / 2
    shapely.intersects_xy(prepared[ownable], centre[:, 0], centre[:, 1])
    return CellRaster(xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax, scale_x=nx / width,
                      scale_y=ny / height, pad=pad, codes=np.ascontiguousarray(codes),
                      offsets=offsets, members=members, prepared=prepared)


def _differences_exact(lo: NDArray[np.float64], hi: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether every difference of two doubles within [lo, hi] is itself an exact double.

    True when the interval keeps one sign and spans at most a factor of two (Sterbenz's lemma),
    far from underflow and overflow. Then GEOS's orientation test (a floating-point filter,
    then double-double arithmetic on exact differences and exact products) returns the true
    sign, so every point-in-polygon routine built on it, prepared or not, gives the true answer
    and all agree. Near zero (a coordinate of 5e-324 beside a vertex at 0, say) the
    double-double products underflow and two GEOS routines can disagree; such cells keep the
    STRtree path so that its answer, whatever it is, stays the answer.
    """
    small, large = np.minimum(np.abs(lo), np.abs(hi)), np.maximum(np.abs(lo), np.abs(hi))
    return ((lo > 0) | (hi < 0)) & (large <= 2 * small) & (small >= 1e-100) & (large <= 1e100)


@dataclass(frozen=True, eq=False)
class _Grids:
    """What the raster build needs of the grids, in ``tree`` order."""

    tree: shapely.STRtree
    prepared: NDArray[np.object_]
    #: Valid Polygons and MultiPolygons: the only geometries that may own or test a cell.
    ownable: NDArray[np.bool_]
    bounds: NDArray[np.float64]

    def classify(self, west: NDArray[np.float64], south: NDArray[np.float64],
                 east: NDArray[np.float64], north: NDArray[np.float64]
                 ) -> tuple[NDArray[np.int32], tuple[NDArray[np.intp], NDArray[np.intp]]]:
        """Codes for padded cell boxes, and the candidates of the cells fit to be border cells.

        EXACT marks a cell as undecided. The (cell, grid) pairs, sorted by cell then grid, list
        the grids touching each undecided cell whose points may be tested without the STRtree:
        one whose arithmetic is exact (see ``_differences_exact``) and which touches no
        non-ownable geometry.
        """
        boxes = shapely.box(west, south, east, north)
        cell, geom = self.tree.query(boxes)  # bounding boxes only
        # The coordinates GEOS may combine for a point of the cell: the cell and every grid
        # whose bounding box reaches it (those are the ones the STRtree path looks at).
        reach = self.bounds[geom]
        lo_x, lo_y, hi_x, hi_y = west.copy(), south.copy(), east.copy(), north.copy()
        np.minimum.at(lo_x, cell, reach[:, 0])
        np.minimum.at(lo_y, cell, reach[:, 1])
        np.maximum.at(hi_x, cell, reach[:, 2])
        np.maximum.at(hi_y, cell, reach[:, 3])
        nearby = np.zeros(len(boxes), dtype=bool)
        nearby[cell] = True
        trusted = ~nearby | (_differences_exact(lo_x, hi_x) & _differences_exact(lo_y, hi_y))

        # A non-ownable geometry counts as touching wherever its bounding box does.
        hit = ~self.ownable[geom]
        check = np.flatnonzero(~hit)
        hit[check] = shapely.intersects(self.prepared[geom[check]], boxes[cell[check]])
        cell, geom = cell[hit], geom[hit]
        order = np.lexsort((geom, cell))
        cell, geom = cell[order], geom[order]

        codes = np.full(len(boxes), EMPTY, dtype=np.int32)
        codes[cell] = EXACT
        lowest = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]) if len(cell) else cell
        lowest = lowest[self.ownable[geom[lowest]] & trusted[cell[lowest]]]
        lowest = lowest[shapely.covers(self.prepared[geom[lowest]], boxes[cell[lowest]])]
        codes[cell[lowest]] = geom[lowest]
        codes[~trusted] = EXACT

        testable = trusted & (codes == EXACT)
        testable[cell[~self.ownable[geom]]] = False
        keep = testable[cell]
        return codes, (cell[keep], geom[keep])


def _coordinates(lons: ArrayLike, lats: ArrayLike
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = np.atleast_1d(np.asarray(lons, dtype=float))
    y = np.atleast_1d(np.asarray(lats, dtype=float))
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError("lons and lats must be one-dimensional and of the same length")
    return x, y


@dataclass
class GridIndex:
    """Grid polygons (in ``tree`` order) with their area ids, and the raster built over them.

    The raster is built on construction (``index_build_seconds`` in ``./gz bench geo``): the
    index is cached per process, so every later call answers at raster speed.
    """

    signature: tuple
    tree: shapely.STRtree | None
    geoms: list
    area_ids: NDArray[np.int64]
    cells_per_grid: int = field(default=CELLS_PER_GRID, kw_only=True)
    max_cells: int = field(default=MAX_CELLS, kw_only=True)
    raster: CellRaster | None = field(init=False, default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.tree is not None:
            self.raster = build_raster(self.tree.geometries, self.tree,
                                       cells_per_grid=self.cells_per_grid, max_cells=self.max_cells)

    def locate_ids(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """Vectorised: area id per point (-1 where no grid contains it).

        The same answers as ``locate_ids_exact``: the raster settles most points, border points
        are tested against their cell's candidates, and the rest (cells touching an invalid
        geometry, non-finite coordinates) take the STRtree path.
        """
        x, y = _coordinates(lons, lats)
        if self.tree is None or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int64)
        if self.raster is None:
            return self._exact(x, y)
        codes = self.raster.lookup(x, y)
        result = np.full(len(x), -1, dtype=np.int64)
        owned = codes >= 0
        result[owned] = self.area_ids[codes[owned]]
        border = np.flatnonzero(codes <= BORDER)
        if len(border):
            grid = self.raster.resolve_border(codes[border], x[border], y[border])
            hit = grid >= 0
            result[border[hit]] = self.area_ids[grid[hit]]
        rest = np.flatnonzero(codes == EXACT)
        if len(rest):
            result[rest] = self._exact(x[rest], y[rest])
        return result

    def locate_id(self, lon: float, lat: float) -> int:
        """``locate_ids`` for one point (-1 where no grid contains it), without building arrays."""
        x, y = float(lon), float(lat)
        if self.tree is None:
            return -1
        code = self.raster.code_at(x, y) if self.raster is not None else EXACT
        if code >= 0:
            return int(self.area_ids[code])
        if code == EMPTY:
            return -1
        if code <= BORDER:
            assert self.raster is not None
            grid = self.raster.resolve_border_at(code, x, y)
            return int(self.area_ids[grid]) if grid >= 0 else -1
        return int(self._exact(np.array([x]), np.array([y]))[0])

    def locate_ids_exact(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """The defining rule, without the raster: one STRtree ``intersects`` query for all."""
        x, y = _coordinates(lons, lats)
        if self.tree is None or len(x) == 0:
            return np.full(len(x), -1, dtype=np.int64)
        return self._exact(x, y)

    def _exact(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
        assert self.tree is not None
        points = shapely.points(x, y)
        result = np.full(len(points), -1, dtype=np.int64)
        point_idx, geom_idx = self.tree.query(points, predicate="intersects")
        # Shared borders: the first match (lowest grid index) wins, deterministically.
        order = np.lexsort((geom_idx, point_idx))
        point_idx, geom_idx = point_idx[order], geom_idx[order]
        first = np.unique(point_idx, return_index=True)[1]
        result[point_idx[first]] = self.area_ids[geom_idx[first]]
        return result


_lock = threading.Lock()
_index: GridIndex | None = None
_checked_at = float("-inf")  # time.monotonic() when the index's signature was last found current


def _signature() -> tuple:
    """The grids' count, latest change and the total of their change times (one aggregate).

    The latest ``updated_at`` alone misses a change saved by an app server whose clock runs behind
    the one that saved the latest (several hosts, clocks a little apart): its time is older than
    the maximum. The total of every grid's time changes whenever any grid's time does.
    """
    agg = Area.objects.filter(level=Level.GRID).aggregate(n=Count("id"), last=Max("updated_at"), total=Sum(
        RawSQL(_SQLITE_TIME if connection.vendor == "sqlite" else _POSTGRESQL_TIME, (), output_field=FloatField())))
    return (agg["n"], agg["last"], agg["total"])


# A grid's update time as a number, in each database's own terms: exact on PostgreSQL; on SQLite
# days since 2023 (SQLite keeps times in milliseconds; a change of a few milliseconds or more shows
# in the total of 100,000 grids).
_POSTGRESQL_TIME = 'EXTRACT(EPOCH FROM "areas_area"."updated_at")'
_SQLITE_TIME = 'julianday("areas_area"."updated_at") - 2460000.5'


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


def grid_index(*, max_age: float = 0.0) -> GridIndex:
    """The process's index, checked against the grids' signature (one aggregate query).

    ``max_age`` > 0 skips the check when it last passed less than that many seconds ago: for a
    caller that only needs to know whether a point is in some grid and can accept a grid redrawn
    a few seconds ago being missed (the Open311 intake; the case is placed with a checked index).
    """
    global _index, _checked_at
    current = _index
    if max_age > 0 and current is not None and time.monotonic() - _checked_at < max_age:
        return current
    signature = _signature()
    if current is not None and current.signature == signature:
        _checked_at = time.monotonic()
        return current
    with _lock:
        if _index is None or _index.signature != signature:
            _index = _build(signature)
        _checked_at = time.monotonic()
        return _index


def locate(lon: float, lat: float) -> Area | None:
    """The grid containing the point, or None."""
    area_id = grid_index().locate_id(lon, lat)
    if area_id < 0:
        return None
    return Area.objects.select_related("parent").filter(pk=area_id).first()


def invalidate() -> None:
    """Drop this process's index (tests; other processes notice through the signature)."""
    global _index
    with _lock:
        _index = None
