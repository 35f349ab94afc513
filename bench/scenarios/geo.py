"""geo: assign points to grid polygons with the locate service's STRtree index,
against a per-point shapely loop (one tree query per point, the usual hand-written approach).

Full: 1,000,000 points over 4,000 grids; the baseline runs on a sample and is reported as a rate,
so the ratio compares points per second. Quick: 50,000 points over 400 grids.
"""

from __future__ import annotations

import time

import numpy as np
import shapely
from shapely.geometry import Point, box

from gongzhi.areas.locate import GridIndex


def make_grids(n_side: int) -> list:
    size = 0.18 / n_side
    return [box(117.40 + i * size, 30.60 + j * size, 117.40 + (i + 1) * size, 30.60 + (j + 1) * size)
            for i in range(n_side) for j in range(n_side)]


def run(*, quick: bool) -> tuple[dict, dict]:
    n_side, n_points, sample = (20, 50_000, 5_000) if quick else (64, 1_000_000, 20_000)  # 400 / 4,096 grids
    grids = make_grids(n_side)
    rng = np.random.default_rng(2026)
    lons = rng.uniform(117.39, 117.59, n_points)
    lats = rng.uniform(30.59, 30.79, n_points)
    index = GridIndex(signature=(), tree=shapely.STRtree(grids), geoms=grids,
                      area_ids=np.arange(len(grids), dtype=np.int64))

    started = time.perf_counter()
    ours = index.locate_ids(lons, lats)
    ours_seconds = time.perf_counter() - started

    tree = shapely.STRtree(grids)
    started = time.perf_counter()
    naive = []
    for lon, lat in zip(lons[:sample], lats[:sample]):
        point = Point(lon, lat)
        hits = [i for i in tree.query(point) if grids[i].intersects(point)]
        naive.append(min(hits) if hits else -1)
    naive_seconds = time.perf_counter() - started
    assert list(ours[:sample]) == naive, "vectorised and per-point results differ"

    ours_rate = n_points / ours_seconds
    naive_rate = sample / naive_seconds
    return (
        {"vs_naive": round(ours_rate / naive_rate, 1)},
        {"points": n_points, "grids": len(grids), "points_per_second": int(ours_rate),
         "naive_points_per_second": int(naive_rate), "naive_sample": sample},
    )
