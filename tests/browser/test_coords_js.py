"""coords.js (the page's GCJ-02 conversion) gives the same numbers as the Python one, run in the
Chromium the browser tests already use (no Node.js needed)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gongzhi.core.maps.coords import gcj02_to_wgs84, out_of_china, wgs84_to_gcj02
from gongzhi.core.tests.test_coords import PUBLISHED, PUBLISHED_INVERSE

pytestmark = pytest.mark.browser

COORDS_JS = Path(__file__).resolve().parents[2] / "src/gongzhi/core/static/gongzhi/coords.js"


def test_coords_js_agrees_with_python(open_page):
    rng = random.Random(14)
    points = [(w[0], w[1]) for w in PUBLISHED] + [(g[0], g[1]) for g, _ in PUBLISHED_INVERSE]
    points += [(rng.uniform(73.5, 135), rng.uniform(18, 53.5)) for _ in range(200)] + [(2.35, 48.85)]
    page = open_page()
    page.set_content("<!DOCTYPE html><title>coords</title>")
    page.add_script_tag(content=COORDS_JS.read_text(encoding="utf-8"))
    results = page.evaluate("""pts => pts.map(p => [window.GZCoords.wgs84ToGcj02(p[0], p[1]),
        window.GZCoords.gcj02ToWgs84(p[0], p[1]), window.GZCoords.outOfChina(p[0], p[1])])""", points)
    for (lon, lat), (forward, inverse, outside) in zip(points, results, strict=True):
        assert forward == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-12)
        assert inverse == pytest.approx(list(gcj02_to_wgs84(lon, lat)), abs=1e-9)
        assert outside is out_of_china(lon, lat)
