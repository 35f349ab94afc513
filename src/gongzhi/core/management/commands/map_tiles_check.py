"""``./gz manage map_tiles_check [FILE]``: what an MBTiles file holds before it is configured.

Prints the metadata (name, format, bounds, zoom levels, attribution) and the tiles per zoom level
(with how many the bounds would need); fails on a vector (pbf) file or one that cannot be read.
Without FILE, checks GONGZHI_MAP_MBTILES.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.maps.mbtiles import MBTiles, TilesUnavailable


def tiles_in_bounds(bounds, zoom: int) -> int:
    """How many XYZ tiles at ``zoom`` cover ``bounds`` (west, south, east, north)."""
    west, south, east, north = bounds
    n = 2**zoom

    def column(lon):
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def row(lat):
        lat = max(min(lat, 85.05112878), -85.05112878)
        rad = math.radians(lat)
        return min(n - 1, max(0, int((1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2 * n)))

    return (column(east) - column(west) + 1) * (row(south) - row(north) + 1)


class Command(BaseCommand):
    help = "Show an MBTiles file's metadata and tile counts per zoom (default: GONGZHI_MAP_MBTILES)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the .mbtiles file (default: GONGZHI_MAP_MBTILES)")

    def handle(self, *args, **options):
        path = options["file"] or (getattr(settings, "GONGZHI_MAP_MBTILES", "") or "").strip()
        if not path:
            raise CommandError("No file given and GONGZHI_MAP_MBTILES is not set.")
        tiles = MBTiles(path)
        try:
            meta = tiles.metadata()
            counts = tiles.counts()
        except TilesUnavailable as exc:
            raise CommandError(f"{path}: cannot be read as MBTiles ({exc.code}): {exc.detail}") from None
        finally:
            tiles.close()
        out = self.stdout.write
        out(f"file:        {path}")
        out(f"name:        {meta.name}")
        out(f"format:      {meta.format}" + (" (vector)" if meta.is_vector else ""))
        out("bounds:      " + (", ".join(f"{v:.6f}" for v in meta.bounds) if meta.bounds else "(none)"))
        out(f"zoom:        {meta.minzoom}–{meta.maxzoom}")
        out(f"attribution: {meta.attribution or '(none)'}")
        out("tiles per zoom:")
        for zoom, count in counts:
            need = f" of {tiles_in_bounds(meta.bounds, zoom)} in bounds" if meta.bounds else ""
            out(f"  z{zoom:<3} {count:>9}{need}")
        out(f"  total {sum(c for _, c in counts):>9}")
        if meta.is_vector:
            raise CommandError(f"{path} holds vector tiles ({meta.format}); the maps draw raster tiles only "
                               "(png, jpg, webp). Ask for a raster export.")
        if not counts:
            raise CommandError(f"{path} holds no tiles.")
        self.stdout.write(self.style.SUCCESS("OK: raster tiles the maps can draw."))
