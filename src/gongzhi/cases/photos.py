"""Case photos: type and size checked, re-encoded without metadata; the EXIF location kept as coordinates.

Phones write the place, the device, the owner's name and more into a photo's metadata. Only the
location is useful here (it places a report), so it is read out as two numbers and the image is
re-encoded from its pixels, which drops everything else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Phones write JPEGs that carry more pictures (a depth map, an HDR gain map) after the first: Pillow
# reads them as MPO. Their first frame is the photo; it is kept, as a plain JPEG.
SAME_AS = {"MPO": "JPEG"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 4096  # larger photos are scaled down: enough to see a pothole, a tenth of the storage
GPS_IFD = 0x8825


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    lon: float | None
    lat: float | None


def _rational(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        numerator, denominator = value
        return numerator / denominator


def _degrees(dms, ref) -> float | None:
    try:
        degrees, minutes, seconds = (_rational(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper() in ("S", "W") else value


def exif_location(image: Image.Image) -> tuple[float | None, float | None]:
    """(lon, lat) from the EXIF GPS block, or (None, None) when absent or implausible."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except (AttributeError, KeyError, ValueError, TypeError):
        return None, None
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lon, 7), round(lat, 7)


def _too_many_pixels() -> InvalidInput:
    return InvalidInput(_("照片像素过多（不超过 %(mp)d 百万像素）。") % {"mp": MAX_PIXELS // 1_000_000},
                        fields={"photos": "pixels"})


def process(source: bytes | IO[bytes]) -> ProcessedPhoto:
    """Check and re-encode an uploaded photo (bytes, or an uploaded file read lazily from its temporary
    file: its size is known without reading it); ``InvalidInput`` with the reason otherwise."""
    limit = settings.GONGZHI_CASE_PHOTO_MAX_BYTES
    size = len(source) if isinstance(source, bytes) else source.size
    if size > limit:
        raise InvalidInput(_("照片过大（不超过 %(mb)d MB）。") % {"mb": limit // (1024 * 1024)}, fields={"photos": "size"})
    if not size:
        raise InvalidInput(_("照片文件为空。"), fields={"photos": "empty"})
    if not isinstance(source, bytes):
        source.seek(0)
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as probe:
            kind = SAME_AS.get(probe.format, probe.format)
            if kind not in ALLOWED:
                raise InvalidInput(_("只接受 JPEG、PNG 或 WebP 格式的照片。"), fields={"photos": "type"})
            # Only the header has been read so far: a decompression bomb is refused before decoding.
            if probe.width * probe.height > MAX_PIXELS:
                raise _too_many_pixels()
            lon, lat = exif_location(probe)
            probe.seek(0)  # the first frame of a multi-picture JPEG
            probe.load()
            image = ImageOps.exif_transpose(probe)  # keep what the photographer saw upright
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError):
        raise InvalidInput(_("无法识别的图片文件。"), fields={"photos": "unreadable"}) from None
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    content_type, extension = ALLOWED[kind]
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return ProcessedPhoto(out.getvalue(), content_type, extension, image.width, image.height, lon, lat)
