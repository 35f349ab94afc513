"""geo: assign points to grid polygons with the locate service's ``GridIndex`` (a cell raster in
front of an STRtree), against a per-point shapely loop (one tree query per point plus an
``intersects`` test, the usual hand-written approach).

Two layouts of the same n × n grids over one square, both tiling it exactly (neighbours share
their vertices, so borders have no gaps or overlaps):

* ``vs_naive`` (headline): jittered quadrilaterals. The lattice's interior vertices move at
  random by up to 0.35 of a grid side along each axis (the outer ones only along the outline),
  so no grid is a rectangle and most borders are slanted, as with grids drawn by hand.
* ``vs_naive_boxes``: the same lattice unjittered, axis-aligned boxes.

The points are uniform over a slightly larger square, so about a fifth fall in no grid.

Full: 1,000,000 points over 4,096 grids; the baseline runs on a 20,000-point sample and is
reported as a rate, so the ratio compares points per second. Quick: 50,000 points over 400 grids.
Building the index (STRtree and raster) is timed apart, as ``index_build_seconds``: the service
caches the index per process and rebuilds it only when the grids change, so it is not part of a
query; the baseline's STRtree is likewise built outside its timing. ``raster_cells``,
``raster_bytes`` and ``border_cell_share`` describe the raster (a border cell's points get
point-in-polygon tests, the others none). Every run checks the answers: the sample against the
per-point loop and all points against the raster-free exact path.
"""

from __future__ import annotations

import time

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point, Polygon

from gongzhi.areas.locate import BORDER, GridIndex

WEST, SOUTH, SIDE = 117.40, 30.60, 0.18
JITTER = 0.35  # of a grid side; below 0.5 every quadrilateral stays simple (a valid polygon)


def make_grids(n_side: int, *, jitter: float = 0.0, seed: int = 7) -> list[Polygon]:
    """n_side² quadrilaterals tiling the square, grid (i, j) at index i * n_side + j."""
    size = SIDE / n_side
    gx, gy = np.meshgrid(np.arange(n_side + 1.0), np.arange(n_side + 1.0), indexing="ij")
    rng = np.random.default_rng(seed)
    dx = rng.uniform(-jitter, jitter, gx.shape)
    dy = rng.uniform(-jitter, jitter, gx.shape)
    dx[[0, -1], :] = 0.0  # the west and east outline stay straight
    dy[:, [0, -1]] = 0.0  # and so do the south and north ones
    xs, ys = WEST + (gx + dx) * size, SOUTH + (gy + dy) * size
    return [Polygon([(xs[i, j], ys[i, j]), (xs[i + 1, j], ys[i + 1, j]),
                     (xs[i + 1, j + 1], ys[i + 1, j + 1]), (xs[i, j + 1], ys[i, j + 1])])
            for i in range(n_side) for j in range(n_side)]


def naive_locate(tree: shapely.STRtree, grids: list[Polygon], lons: NDArray[np.float64],
                 lats: NDArray[np.float64]) -> list[int]:
    """The hand-written loop: one STRtree query and ``intersects`` tests per point."""
    result = []
    for lon, lat in zip(lons, lats):
        point = Point(lon, lat)
        hits = [i for i in tree.query(point) if grids[i].intersects(point)]
        result.append(min(hits) if hits else -1)
    return result


def measure(grids: list[Polygon], lons: NDArray[np.float64], lats: NDArray[np.float64],
            sample: int) -> dict:
    assert shapely.is_valid(grids).all(), "the grids must be valid polygons"
    started = time.perf_counter()
    index = GridIndex(signature=(), tree=shapely.STRtree(grids), geoms=grids,
                      area_ids=np.arange(len(grids), dtype=np.int64))
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    ours = index.locate_ids(lons, lats)
    ours_seconds = time.perf_counter() - started

    tree = shapely.STRtree(grids)
    started = time.perf_counter()
    naive = naive_locate(tree, grids, lons[:sample], lats[:sample])
    naive_seconds = time.perf_counter() - started

    assert list(ours[:sample]) == naive, "vectorised and per-point results differ"
    assert np.array_equal(ours, index.locate_ids_exact(lons, lats)), "raster and exact path differ"
    raster = index.raster
    assert raster is not None
    ours_rate, naive_rate = len(lons) / ours_seconds, sample / naive_seconds
    return {
        "vs_naive": round(ours_rate / naive_rate, 1),
        "points_per_second": int(ours_rate),
        "naive_points_per_second": int(naive_rate),
        "index_build_seconds": round(build_seconds, 3),
        "raster_cells": raster.cells,
        "raster_bytes": raster.nbytes,
        "border_cell_share": round(raster.share(BORDER), 3),
    }


def run(*, quick: bool) -> tuple[dict, dict]:
    # 400 / 4,096 grids
    n_side, n_points, sample = (20, 50_000, 5_000) if quick else (64, 1_000_000, 20_000)
    rng = np.random.default_rng(2026)
    lons = rng.uniform(WEST - 0.01, WEST + SIDE + 0.01, n_points)
    lats = rng.uniform(SOUTH - 0.01, SOUTH + SIDE + 0.01, n_points)

    quads = measure(make_grids(n_side, jitter=JITTER), lons, lats, sample)
    boxes = measure(make_grids(n_side), lons, lats, sample)
    figures = {"points": n_points, "grids": n_side * n_side, "naive_sample": sample}
    figures.update({k: v for k, v in quads.items() if k != "vs_naive"})
    figures.update({f"boxes_{k}": v for k, v in boxes.items() if k != "vs_naive"})
    return {"vs_naive": quads["vs_naive"], "vs_naive_boxes": boxes["vs_naive"]}, figures
