"""``/map/tiles/<z>/<x>/<y>.<ext>``: raster tiles read from the MBTiles file (``GONGZHI_MAP_MBTILES``).

Signed-in users only. Answers: the tile with its type, an ETag and a private cache lifetime (304
when the browser holds it); 404 ``tile_missing`` for a tile the file does not have, ``bad_tile``
for coordinates that are not a tile, ``no_tiles`` when no file is configured; 503 ``tiles_missing``
/ ``tiles_corrupt`` / ``tiles_vector`` when the file cannot serve (logged once, never a traceback).
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .mbtiles import RASTER_FORMATS, TilesUnavailable, sniff_format, open_mbtiles
from .raster import forget_reports, report_once

TILE_PATH = re.compile(r"^(\d{1,2})/(\d{1,10})/(\d{1,10})\.([a-z]{3,4})$")
CACHE_CONTROL = "private, max-age=86400"


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"code": code, "message": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def tile(request, rest: str):
    if not request.user.is_authenticated:
        return _error(401, "login_required", _("请先登录。"))
    path = (getattr(settings, "GONGZHI_MAP_MBTILES", "") or "").strip()
    if not path:
        return _error(404, "no_tiles", _("未配置离线底图文件。"))
    match = TILE_PATH.match(rest)
    if not match or match.group(4) not in RASTER_FORMATS:
        return _error(404, "bad_tile", _("瓦片地址不正确。"))
    z, x, y = (int(v) for v in match.groups()[:3])
    if z > 30 or x >= 2**z or y >= 2**z:
        return _error(404, "bad_tile", _("瓦片地址不正确。"))
    tiles = open_mbtiles(path)
    try:
        if tiles.metadata().is_vector:
            raise TilesUnavailable("vector", f"{path} holds vector (pbf) tiles")
        data = tiles.tile(z, x, y)
    except TilesUnavailable as exc:
        report_once(path, exc.code, "map tiles: the MBTiles file cannot serve tiles (%s): %s", exc.code, exc.detail)
        return _error(503, f"tiles_{exc.code}", _("离线底图文件暂时无法读取，请联系系统管理员。"))
    forget_reports(path)  # readable again: a later failure is logged again
    if data is None:
        return _error(404, "tile_missing", _("该位置没有底图瓦片。"))
    etag = '"%s"' % hashlib.blake2b(data, digest_size=12).hexdigest()
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(data, content_type=RASTER_FORMATS.get(sniff_format(data), "application/octet-stream"))
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response
