"""The startup check (``manage check``, run by ``./gz serve`` and ``migrate``): the raster source
must be one the maps can draw. A vector (pbf) MBTiles file, an unreadable file or an unknown CRS
stops the start with a clear message instead of grey maps later."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from .mbtiles import TilesUnavailable, open_mbtiles
from .raster import CRS_CHOICES


@register("gongzhi")
def check_raster_source(app_configs=None, **kwargs):
    errors = []
    crs = (getattr(settings, "GONGZHI_MAP_TILE_CRS", "") or "wgs84").strip().lower()
    if crs not in CRS_CHOICES:
        errors.append(Error(
            f"GONGZHI_MAP_TILE_CRS is {crs!r}; it must be one of: {', '.join(CRS_CHOICES)}.",
            hint="wgs84 for 天地图 and CGCS2000 services (the default), gcj02 for 高德/腾讯-style tiles.",
            id="gongzhi.E301"))
    path = (getattr(settings, "GONGZHI_MAP_MBTILES", "") or "").strip()
    if not path:
        return errors
    try:
        meta = open_mbtiles(path).metadata()
    except TilesUnavailable as exc:
        what = "does not exist or is not readable" if exc.code == "missing" else "is not a readable MBTiles file"
        errors.append(Error(f"GONGZHI_MAP_MBTILES ({path}) {what}: {exc.detail}",
                            hint="Check the path and the file (./gz manage map_tiles_check FILE), or unset it.",
                            id="gongzhi.E302"))
        return errors
    if meta.is_vector:
        errors.append(Error(
            f"GONGZHI_MAP_MBTILES ({path}) holds vector tiles (format {meta.format}); the maps draw raster "
            "tiles only (png, jpg, webp).",
            hint="Ask the GIS office for a raster MBTiles export (PNG or JPEG tiles), or unset GONGZHI_MAP_MBTILES: "
                 "the platform's own vector base map is drawn without it.",
            id="gongzhi.E303"))
    return errors
