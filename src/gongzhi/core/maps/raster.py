"""Which raster layer the settings choose, and what the map pages and the CSP need from it.

Order: an MBTiles file (``GONGZHI_MAP_MBTILES``, served by the platform itself), else a tile URL
(``GONGZHI_MAP_TILE_URL``), else 天地图 (``GONGZHI_TIANDITU_KEY``), else none: the platform's own
vector base map stands alone. The map element carries the choice as ``data-tiles*`` attributes
(``map_attrs``), read by ``static/gongzhi/raster.js``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html_join, strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .mbtiles import TilesUnavailable, open_mbtiles

logger = logging.getLogger("gongzhi.maps")

CRS_CHOICES = ("wgs84", "gcj02")
DEFAULT_MAX_ZOOM = 19
TIANDITU_MAX_ZOOM = 18
TIANDITU_SUBDOMAINS = "01234567"
TIANDITU_HOSTS = ("https://*.tianditu.gov.cn",)
# 天地图's WMTS (Web Mercator tile matrix set "w") addressed as XYZ: vec = streets, cva = their labels.
TIANDITU_TEMPLATE = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                     "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                     "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")


@dataclass(frozen=True)
class RasterSource:
    kind: str  # "mbtiles", "url" or "tianditu"
    url: str  # Leaflet tile URL template ({z}/{x}/{y}, optionally {s})
    labels_url: str = ""  # a second, transparent layer drawn above (天地图's cva)
    subdomains: str = ""
    crs: str = "wgs84"
    min_zoom: int | None = None
    max_zoom: int = DEFAULT_MAX_ZOOM  # the highest zoom the source has tiles for
    bounds: tuple[float, float, float, float] | None = None  # west, south, east, north
    attribution: str = ""
    hosts: tuple[str, ...] = ()  # origins the browser fetches tiles from (CSP img-src)


_reported: set[tuple[str, str]] = set()
_reported_lock = threading.Lock()


def report_once(key: str, code: str, message: str, *args) -> None:
    """Log a problem with the raster source once per process (not once per tile or page)."""
    with _reported_lock:
        if (key, code) in _reported:
            return
        _reported.add((key, code))
    logger.error(message, *args)


def forget_reports(key: str) -> None:
    with _reported_lock:
        for item in [r for r in _reported if r[0] == key]:
            _reported.discard(item)


@receiver(setting_changed)
def _setting_changed(setting, **kwargs):
    if setting.startswith("GONGZHI_MAP") or setting == "GONGZHI_TIANDITU_KEY":
        with _reported_lock:
            _reported.clear()


def tile_crs() -> str:
    crs = (getattr(settings, "GONGZHI_MAP_TILE_CRS", "") or "wgs84").strip().lower()
    return crs if crs in CRS_CHOICES else "wgs84"


def _max_zoom(default: int) -> int:
    value = getattr(settings, "GONGZHI_MAP_TILE_MAX_ZOOM", None)
    try:
        return min(max(int(value), 0), 24) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def _hosts(url: str, subdomains: str) -> tuple[str, ...]:
    """The origins of a tile URL template: one per subdomain when the host holds ``{s}``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ()  # relative: same origin
    if "{s}" in parts.netloc:
        return tuple(dict.fromkeys(f"{parts.scheme}://{parts.netloc.replace('{s}', s)}" for s in subdomains))
    return (f"{parts.scheme}://{parts.netloc}",)


def mbtiles_url(version: str, fmt: str) -> str:
    root = reverse("raster:tile", kwargs={"rest": "ROOT"})[: -len("ROOT")]
    return f"{root}{{z}}/{{x}}/{{y}}.{fmt}?v={version}"


def raster_source() -> RasterSource | None:
    crs = tile_crs()
    attribution = (getattr(settings, "GONGZHI_MAP_TILE_ATTRIBUTION", "") or "").strip()
    path = (getattr(settings, "GONGZHI_MAP_MBTILES", "") or "").strip()
    if path:
        try:
            meta = open_mbtiles(path).metadata()
        except TilesUnavailable as exc:
            report_once(path, exc.code, "map tiles: the MBTiles file cannot be read (%s): %s", exc.code, exc.detail)
            return None
        if meta.is_vector:
            report_once(path, "vector", "map tiles: %s holds vector (pbf) tiles; only raster tiles are drawn", path)
            return None
        return RasterSource(
            kind="mbtiles", url=mbtiles_url(meta.version, meta.format), crs=crs, min_zoom=meta.minzoom,
            max_zoom=meta.maxzoom, bounds=meta.bounds, attribution=attribution or strip_tags(meta.attribution).strip(),
        )
    url = (getattr(settings, "GONGZHI_MAP_TILE_URL", "") or "").strip()
    if url:
        subdomains = (getattr(settings, "GONGZHI_MAP_TILE_SUBDOMAINS", "") or "abc").strip() if "{s}" in url else ""
        labels = (getattr(settings, "GONGZHI_MAP_TILE_LABELS_URL", "") or "").strip()
        hosts = _hosts(url, subdomains) + (_hosts(labels, subdomains) if labels else ())
        return RasterSource(kind="url", url=url, labels_url=labels, subdomains=subdomains, crs=crs,
                            max_zoom=_max_zoom(DEFAULT_MAX_ZOOM), attribution=attribution,
                            hosts=tuple(dict.fromkeys(hosts)))
    key = (getattr(settings, "GONGZHI_TIANDITU_KEY", "") or "").strip()
    if key:
        key = quote(key, safe="")
        return RasterSource(
            kind="tianditu", url=TIANDITU_TEMPLATE.format(layer="vec", key=key),
            labels_url=TIANDITU_TEMPLATE.format(layer="cva", key=key), subdomains=TIANDITU_SUBDOMAINS,
            crs=crs, max_zoom=_max_zoom(TIANDITU_MAX_ZOOM), attribution=attribution or _("天地图"),
            hosts=TIANDITU_HOSTS,
        )
    return None


def attributes() -> dict[str, str]:
    """The map element's ``data-tiles*`` attributes (``data-tiles=""`` when there is no raster layer)."""
    source = raster_source()
    if source is None:
        return {"data-tiles": ""}
    attrs = {"data-tiles": source.url, "data-tiles-crs": source.crs, "data-tiles-max-zoom": str(source.max_zoom),
             "data-tiles-error": _("底图暂时无法加载，仅显示矢量地图。")}
    if source.subdomains:
        attrs["data-tiles-subdomains"] = source.subdomains
    if source.min_zoom is not None:
        attrs["data-tiles-min-zoom"] = str(source.min_zoom)
    if source.bounds:
        attrs["data-tiles-bounds"] = ",".join(f"{v:.6f}" for v in source.bounds)
    if source.labels_url:
        attrs["data-tiles-labels"] = source.labels_url
    if source.attribution:
        attrs["data-tiles-attribution"] = source.attribution
    return attrs


def map_attrs() -> SafeString:
    """``data-tiles="…" data-tiles-crs="…" …``, escaped, for a map element."""
    return format_html_join(" ", '{}="{}"', attributes().items())


def csp_img_hosts() -> tuple[str, ...]:
    """Origins the CSP's img-src must allow for tiles (none for MBTiles: served by the platform)."""
    if (getattr(settings, "GONGZHI_MAP_MBTILES", "") or "").strip():
        return ()
    source = raster_source()
    return source.hosts if source else ()
