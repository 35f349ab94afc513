"""Real, small MBTiles files for the tests: SQLite with ``tiles`` (TMS rows) and ``metadata``,
raster tiles drawn with Pillow."""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

from PIL import Image, ImageDraw


def global_pixel(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel of ``(lon, lat)`` at ``zoom`` (256-pixel tiles), as Leaflet computes it."""
    scale = 256 * 2**zoom
    rad = math.radians(lat)
    x = (lon + 180.0) / 360.0 * scale
    y = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * scale
    return x, y


def tiles_covering(bounds, zoom: int):
    west, south, east, north = bounds
    x0, y0 = (int(v // 256) for v in global_pixel(west, north, zoom))
    x1, y1 = (int(v // 256) for v in global_pixel(east, south, zoom))
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield x, y


def tile_image(z: int, x: int, y: int, fmt: str = "png", paint=None) -> bytes:
    """A 256-pixel tile: a pale fill by zoom, a darker border; ``paint(draw, z, x, y)`` adds marks."""
    image = Image.new("RGB", (256, 256), (236, 228 - 6 * (z % 5), 206))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 255, 255], outline=(190, 180, 160))
    if paint:
        paint(draw, z, x, y)
    out = io.BytesIO()
    image.save(out, {"png": "PNG", "jpg": "JPEG", "webp": "WEBP"}[fmt])
    return out.getvalue()


def write_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], metadata: dict[str, str],
                  *, as_view: bool = False) -> Path:
    """``tiles`` keyed by XYZ ``(z, x, y)``; stored with TMS rows as the format wants."""
    path = Path(path)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(metadata.items()))
    rows = [(z, x, 2**z - 1 - y, data) for (z, x, y), data in tiles.items()]
    if as_view:  # the deduplicated layout some tools write: tiles is a view over map + images
        conn.execute("CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT)")
        conn.execute("CREATE TABLE images (tile_id TEXT PRIMARY KEY, tile_data BLOB)")
        for i, (z, x, row, data) in enumerate(rows):
            conn.execute("INSERT INTO map VALUES (?, ?, ?, ?)", (z, x, row, str(i)))
            conn.execute("INSERT INTO images VALUES (?, ?)", (str(i), data))
        conn.execute("CREATE VIEW tiles AS SELECT zoom_level, tile_column, tile_row, tile_data "
                     "FROM map JOIN images ON images.tile_id = map.tile_id")
    else:
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def make_mbtiles(path: Path, bounds, zooms, *, fmt: str = "png", paint=None, attribution: str = "",
                 name: str = "test") -> Path:
    """Every tile covering ``bounds`` (west, south, east, north) at each of ``zooms``."""
    tiles = {(z, x, y): tile_image(z, x, y, fmt, paint) for z in zooms for x, y in tiles_covering(bounds, z)}
    metadata = {"name": name, "format": fmt, "bounds": ",".join(str(v) for v in bounds),
                "minzoom": str(min(zooms)), "maxzoom": str(max(zooms)), "type": "baselayer"}
    if attribution:
        metadata["attribution"] = attribution
    return write_mbtiles(path, tiles, metadata)
