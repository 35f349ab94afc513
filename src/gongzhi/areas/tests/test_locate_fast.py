"""The cell raster in front of the STRtree gives exactly the STRtree's answers, point for point.

The contract is the STRtree path (``locate_ids_exact``). Away from zero it is also checked
against the rule evaluated without any index: the lowest-indexed geometry that the point
``intersects`` (borders and vertices included), -1 if none. Points are drawn where
the raster is most likely to be wrong: on vertices and shared borders, one ulp beside them, on
the outer edge of the extent, and at random; geometries include triangles, L-shapes, polygons
with holes, MultiPolygons, overlaps, gaps, and invalid or non-polygonal geometries.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from gongzhi.areas import locate
from gongzhi.areas.locate import BORDER, EXACT, GridIndex


def index_for(geoms: list, **options) -> GridIndex:
    # Area ids unlike the positions, so a mix-up between the two shows.
    return GridIndex(signature=(), tree=shapely.STRtree(geoms), geoms=geoms,
                     area_ids=np.arange(len(geoms), dtype=np.int64) * 7 + 1000, **options)


def reference(index: GridIndex, x: NDArray[np.float64], y: NDArray[np.float64]
              ) -> NDArray[np.int64]:
    """The rule with no index at all: a plain ``intersects`` of every geometry with every point."""
    points = shapely.points(x, y)
    result = np.full(len(points), -1, dtype=np.int64)
    for position in range(len(index.geoms) - 1, -1, -1):  # lowest index written last, so it wins
        result[shapely.intersects(index.geoms[position], points)] = index.area_ids[position]
    return result


def probe_points(geoms: list, rng: np.random.Generator, n_random: int
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vertices, edge midpoints, their one-ulp neighbours, the extent's outline, random points."""
    coords = shapely.get_coordinates(geoms)
    rings = [np.asarray(ring.coords) for g in geoms for ring in _rings(g)]
    mids = np.concatenate([(r[:-1] + r[1:]) / 2 for r in rings]) if rings else np.empty((0, 2))
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    outline = np.array([[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax],
                        [(xmin + xmax) / 2, ymin], [xmax, (ymin + ymax) / 2]])
    exact = np.concatenate([coords, mids, outline])
    nudged = [np.column_stack([np.nextafter(exact[:, 0], toward), exact[:, 1]])
              for toward in (-np.inf, np.inf)]
    nudged += [np.column_stack([exact[:, 0], np.nextafter(exact[:, 1], toward)])
               for toward in (-np.inf, np.inf)]
    width, height = xmax - xmin, ymax - ymin
    scattered = np.column_stack([rng.uniform(xmin - 0.1 * width, xmax + 0.1 * width, n_random),
                                 rng.uniform(ymin - 0.1 * height, ymax + 0.1 * height, n_random)])
    points = np.concatenate([exact, *nudged, scattered])
    return points[:, 0].copy(), points[:, 1].copy()


def _rings(geom) -> list:
    if isinstance(geom, Polygon):
        return [geom.exterior, *geom.interiors]
    if isinstance(geom, MultiPolygon):
        return [ring for part in geom.geoms for ring in _rings(part)]
    return []


def jittered_tiling(n_side: int, *, x0: float = 117.4, y0: float = 30.6, side: float = 0.1,
                    jitter: float = 0.35, seed: int = 1) -> list[Polygon]:
    """Quadrilaterals tiling a square, interior lattice vertices moved at random."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(n_side + 1.0), np.arange(n_side + 1.0), indexing="ij")
    dx, dy = rng.uniform(-jitter, jitter, gx.shape), rng.uniform(-jitter, jitter, gx.shape)
    dx[[0, -1], :] = 0.0
    dy[:, [0, -1]] = 0.0
    xs, ys = x0 + (gx + dx) * side / n_side, y0 + (gy + dy) * side / n_side
    return [Polygon([(xs[i, j], ys[i, j]), (xs[i + 1, j], ys[i + 1, j]),
                     (xs[i + 1, j + 1], ys[i + 1, j + 1]), (xs[i, j + 1], ys[i, j + 1])])
            for i in range(n_side) for j in range(n_side)]


def assert_same_as_exact(index: GridIndex, x: NDArray[np.float64], y: NDArray[np.float64], *,
                         against_reference: bool = True) -> None:
    """The raster path equals the STRtree path and, away from zero, the plain rule as well.

    Next to zero the STRtree path itself may part from a plain ``intersects``: with a vertex at
    x = 0, the point (5e-324, y) one ulp outside is "inside" for it (its double-double
    arithmetic underflows). The contract is the STRtree path, so only that comparison is kept.
    """
    fast = index.locate_ids(x, y)
    np.testing.assert_array_equal(fast, index.locate_ids_exact(x, y))
    # One point at a time (the web requests' path) gives the same answers as the arrays.
    np.testing.assert_array_equal([index.locate_id(a, b) for a, b in zip(x.tolist(), y.tolist())], fast)
    if against_reference:
        np.testing.assert_array_equal(fast, reference(index, x, y))


# --- large comparisons ---------------------------------------------------------------------------


@pytest.mark.parametrize("jitter", [0.0, 0.35], ids=["boxes", "jittered"])
def test_a_tiling_gives_the_exact_answers_for_every_probe_point(jitter):
    grids = jittered_tiling(16, jitter=jitter)
    index = index_for(grids)
    x, y = probe_points(grids, np.random.default_rng(5), 50_000)

    assert_same_as_exact(index, x, y)


def test_on_a_tiling_no_point_takes_the_strtree_path(monkeypatch):
    grids = jittered_tiling(24)
    index = index_for(grids)
    x, y = probe_points(grids, np.random.default_rng(6), 50_000)
    expected = index.locate_ids_exact(x, y)
    sent: list[int] = []
    exact = GridIndex._exact

    def counting(self: GridIndex, xs: NDArray[np.float64], ys: NDArray[np.float64]
                 ) -> NDArray[np.int64]:
        sent.append(len(xs))
        return exact(self, xs, ys)

    monkeypatch.setattr(GridIndex, "_exact", counting)

    np.testing.assert_array_equal(index.locate_ids(x, y), expected)
    assert sum(sent) == 0
    assert index.raster is not None and index.raster.share(EXACT) == 0
    assert index.raster.share(BORDER) < 0.5  # most cells are answered by the raster alone


def test_shapes_overlaps_holes_and_gaps_give_the_exact_answers():
    square_with_hole = Polygon([(0, 0), (6, 0), (6, 6), (0, 6)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    island = box(2.5, 2.5, 3.5, 3.5)  # inside the hole
    l_shape = Polygon([(6, 0), (10, 0), (10, 2), (8, 2), (8, 6), (6, 6)])
    triangle = Polygon([(0, 6), (5, 6), (0, 10)])
    # Two parts touching at a vertex.
    pair = MultiPolygon([box(7, 7, 8, 8), Polygon([(8, 8), (10, 8), (9, 10)])])
    overlapping_big = box(1, 1, 9, 9)  # last: only where nothing lower-indexed is
    sliver = Polygon([(0, 0), (10, 10), (10, 10.000001)])  # thin, slanted, across everything
    shapes = [square_with_hole, island, l_shape, triangle, pair, sliver, overlapping_big]
    for origin in (0.0, 117.0):  # at zero, the zero-straddling cells take the STRtree path
        grids = [shapely.transform(shape, lambda c, o=origin: c * 0.01 + o) for shape in shapes]
        for cells_per_grid in (1, 4, 64, 1024):
            index = index_for(grids, cells_per_grid=cells_per_grid)
            x, y = probe_points(grids, np.random.default_rng(cells_per_grid), 40_000)

            assert_same_as_exact(index, x, y, against_reference=origin != 0.0)


def test_large_projected_coordinates_give_the_exact_answers():
    # Metres in a projected system: large magnitudes, small cells relative to them.
    grids = jittered_tiling(12, x0=39_500_000.0, y0=3_390_000.0, side=3_000.0, seed=3)
    index = index_for(grids, cells_per_grid=256)
    x, y = probe_points(grids, np.random.default_rng(3), 30_000)

    assert_same_as_exact(index, x, y)


# --- borders, one case each -----------------------------------------------------------------


def test_a_point_on_a_shared_border_goes_to_the_lower_index_whatever_the_order():
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    x, y = [1.0, 1.0, 0.5, 1.5], [0.5, 0.0, 0.5, 0.5]  # on the border (twice), left, right

    assert list(index_for([left, right]).locate_ids(x, y)) == [1000, 1000, 1000, 1007]
    assert list(index_for([right, left]).locate_ids(x, y)) == [1000, 1000, 1007, 1000]


def test_a_vertex_shared_by_four_grids_goes_to_the_lowest_index():
    grids = [box(1, 1, 2, 2), box(0, 1, 1, 2), box(1, 0, 2, 1), box(0, 0, 1, 1)]
    index = index_for(grids)

    assert list(index.locate_ids([1.0], [1.0])) == [1000]
    assert list(index.locate_ids([0.5, 1.5], [0.5, 0.5])) == [1021, 1014]


def test_the_outer_edge_is_inside_and_one_ulp_beyond_is_not():
    index = index_for([box(0, 0, 1, 1), Polygon([(1, 0), (2, 0), (1.5, 1)])])
    beyond = np.nextafter(2.0, np.inf)

    assert list(index.locate_ids([2.0, beyond, 1.0, 0.0, 1.5], [0.0, 0.0, 1.0, 1.0, 1.0])) == [
        1007, -1, 1000, 1000, 1007]


def test_overlapping_grids_give_each_point_to_the_lowest_index_containing_it():
    big, small = box(0, 0, 100, 100), box(10, 10, 10.5, 10.5)
    x, y = [10.25, 10.5, 50.0], [10.25, 10.5, 50.0]  # inside small, small's corner, big only

    assert list(index_for([small, big], cells_per_grid=64).locate_ids(x, y)) == [1000, 1000, 1007]
    assert list(index_for([big, small], cells_per_grid=64).locate_ids(x, y)) == [1000, 1000, 1000]


# --- awkward inputs -------------------------------------------------------------------------


def test_next_to_zero_the_strtree_answer_is_kept_even_where_it_is_off_by_an_ulp():
    triangle = Polygon([(0, 0), (0.125, 0), (0, 0.125)])
    index = index_for([triangle], cells_per_grid=1)
    x, y = np.array([5e-324, 0.01]), np.array([0.125, 0.01])  # one ulp outside; well inside

    assert list(index.locate_ids_exact(x, y)) == [1000, 1000]  # the STRtree path's own quirk
    assert list(index.locate_ids(x, y)) == [1000, 1000]
    assert not triangle.intersects(Point(5e-324, 0.125))


def test_a_tiling_across_zero_is_exact_and_accelerated_away_from_the_axes():
    grids = jittered_tiling(16, x0=-0.05, y0=-0.05, seed=4)
    index = index_for(grids)
    x, y = probe_points(grids, np.random.default_rng(4), 40_000)

    assert_same_as_exact(index, x, y, against_reference=False)
    raster = index.raster
    # Cells within a grid or two of an axis take the STRtree path (their coordinates span
    # more than a factor of two); the others are answered by the raster.
    assert raster is not None and 0 < raster.share(EXACT) < 0.75
    assert raster.share(BORDER) > 0.05 and np.count_nonzero(raster.codes >= 0) > 0.1 * raster.cells


def test_invalid_and_non_polygonal_geometries_are_left_to_the_strtree_path():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    line = LineString([(0, 0.5), (2, 0.5)])
    point = Point(1.5, 0.25)
    overlapping_parts = MultiPolygon([box(2, 0, 3, 1), box(2.5, 0, 3.5, 1)])  # invalid
    grids = [bowtie, box(0, 0, 4, 1), line, point, overlapping_parts]
    index = index_for(grids, cells_per_grid=256)
    x, y = probe_points(grids, np.random.default_rng(8), 20_000)

    assert_same_as_exact(index, x, y)
    assert index.raster is not None and index.raster.share(EXACT) > 0


def test_only_lines_means_no_raster_and_the_exact_path():
    grids = [LineString([(0, 0), (1, 0)]), LineString([(0, 1), (1, 1)])]
    index = index_for(grids)

    assert index.raster is None
    assert list(index.locate_ids([0.5, 0.5, 0.5], [0.0, 1.0, 0.5])) == [1000, 1007, -1]


def test_non_finite_coordinates_answer_as_the_exact_path_does():
    index = index_for([box(0, 0, 1, 1)])
    x = np.array([np.nan, np.inf, -np.inf, 0.5, np.nan])
    y = np.array([0.5, 0.5, 0.5, np.nan, np.nan])

    np.testing.assert_array_equal(index.locate_ids(x, y), index.locate_ids_exact(x, y))
    assert [index.locate_id(a, b) for a, b in zip(x, y)] == list(index.locate_ids_exact(x, y))


def test_empty_scalar_and_mismatched_inputs():
    index = index_for([box(0, 0, 1, 1)])

    assert index.locate_ids([], []).shape == (0,)
    assert list(index.locate_ids(0.5, 0.5)) == [1000]
    with pytest.raises(ValueError):
        index.locate_ids([0.5, 0.6], [0.5])


def test_no_tree_answers_minus_one():
    index = GridIndex(signature=(), tree=None, geoms=[], area_ids=np.empty(0, dtype=np.int64))

    assert index.raster is None
    assert list(index.locate_ids([0.5, 1.0], [0.5, 1.0])) == [-1, -1]
    assert index.locate_id(0.5, 0.5) == -1


def test_the_callers_geometries_are_not_prepared_or_changed():
    grids = jittered_tiling(6)
    before = shapely.to_wkb(grids)
    index_for(grids)

    assert not shapely.is_prepared(grids).any()
    assert list(shapely.to_wkb(grids)) == list(before)


def test_threads_sharing_one_index_get_the_same_answers():
    # The cached index is shared by a worker's threads, and shapely releases the GIL in its
    # predicates: the border tests must only read what the build left behind.
    grids = jittered_tiling(16, seed=11)
    index = index_for(grids)
    x, y = probe_points(grids, np.random.default_rng(11), 50_000)
    expected = index.locate_ids_exact(x, y)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: index.locate_ids(x, y), range(8)))

    for answer in answers:
        np.testing.assert_array_equal(answer, expected)


# --- memory cap -----------------------------------------------------------------------------


def test_the_memory_cap_bounds_cells_and_candidates_and_answers_stay_exact():
    grids = jittered_tiling(20)  # 400 grids: 64 cells each would be 25,600 cells
    index = index_for(grids, cells_per_grid=64, max_cells=1_000)
    x, y = probe_points(grids, np.random.default_rng(9), 20_000)

    raster = index.raster
    assert raster is not None
    assert raster.cells <= 1_000 and len(raster.members) <= 1_000
    assert_same_as_exact(index, x, y)


def test_the_default_cap_is_two_million_cells():
    assert locate.MAX_CELLS == 2_097_152
    grids = jittered_tiling(4)
    raster = index_for(grids, cells_per_grid=10**9).raster

    assert raster is not None and raster.cells <= locate.MAX_CELLS
    assert raster.nbytes <= 3 * 4 * locate.MAX_CELLS + 4


# --- property: random layouts on a lattice, so that borders and vertices are hit exactly ----

SCALES = (0.125, 0.1, 1e-3, 1_000.0)
ORIGINS = (0.0, 117.0, -73.25, 1e6)


@st.composite
def shapes(draw, scale: float, origin: float):
    """One polygonal shape on a 0..8 lattice (scaled and moved), possibly a MultiPolygon."""
    def p(ix: int, iy: int) -> tuple[float, float]:
        return (origin + ix * scale, origin / 2 + iy * scale)

    x, y = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    w, h = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["box", "triangle", "l_shape", "holed", "multi"]))
    if kind == "box":
        return Polygon([p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h)])
    if kind == "triangle":
        apex = draw(st.integers(0, w))
        return Polygon([p(x, y), p(x + w, y), p(x + apex, y + h)])
    if kind == "l_shape":
        w, h = max(w, 2), max(h, 2)
        return Polygon([p(x, y), p(x + w, y), p(x + w, y + 1), p(x + 1, y + 1), p(x + 1, y + h),
                        p(x, y + h)])
    if kind == "holed":
        w, h = max(w, 3), max(h, 3)
        hole = [p(x + 1, y + 1), p(x + w - 1, y + 1), p(x + w - 1, y + h - 1), p(x + 1, y + h - 1)]
        return Polygon([p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h)], [hole])
    return MultiPolygon([Polygon([p(x, y), p(x + 1, y), p(x + 1, y + 1), p(x, y + 1)]),
                         Polygon([p(x + 1, y + 1), p(x + 2, y + 1), p(x + 1, y + 2)])])


@st.composite
def layouts(draw):
    scale, origin = draw(st.sampled_from(SCALES)), draw(st.sampled_from(ORIGINS))
    grids = draw(st.lists(shapes(scale, origin), min_size=1, max_size=8))
    # Lattice points and half-lattice points: vertices, edges, centres, and the gaps between.
    lattice = draw(st.lists(st.tuples(st.integers(-1, 22), st.integers(-1, 22)),
                            min_size=1, max_size=60))
    x = np.array([origin + i / 2 * scale for i, _ in lattice])
    y = np.array([origin / 2 + j / 2 * scale for _, j in lattice])
    cells_per_grid = draw(st.sampled_from([1, 3, 16, 100, 400]))
    max_cells = draw(st.sampled_from([locate.MAX_CELLS, 50]))
    return grids, x, y, cells_per_grid, max_cells, origin != 0.0


@settings(max_examples=300, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(layouts(), st.integers(0, 2**32 - 1))
def test_random_layouts_match_the_rule_on_lattice_and_random_points(layout, seed):
    grids, x, y, cells_per_grid, max_cells, away_from_zero = layout
    index = index_for(grids, cells_per_grid=cells_per_grid, max_cells=max_cells)
    px, py = probe_points(grids, np.random.default_rng(seed), 300)

    assert_same_as_exact(index, np.concatenate([x, px]), np.concatenate([y, py]),
                         against_reference=away_from_zero)
