"""Photos: type and size checked, metadata stripped, EXIF location kept as coordinates only."""

import io

import pytest
from PIL import Image
from PIL.ExifTags import Base, GPS

from gongzhi.cases import photos
from gongzhi.cases.errors import InvalidInput


def jpeg_with_exif() -> bytes:
    """A photo taken at 30°39'36" N, 117°29'24" E (30.66, 117.49), with the owner's name and device."""
    image = Image.new("RGB", (80, 60), (30, 60, 90))
    exif = image.getexif()
    exif[Base.Artist] = "张三"
    exif[Base.Model] = "Phone X"
    gps = exif.get_ifd(0x8825)
    gps[GPS.GPSLatitudeRef], gps[GPS.GPSLatitude] = "N", (30, 39, 36.0)
    gps[GPS.GPSLongitudeRef], gps[GPS.GPSLongitude] = "E", (117, 29, 24.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, xmp=b"<x:xmpmeta>secret</x:xmpmeta>")
    return out.getvalue()


def test_jpeg_keeps_its_location_and_loses_every_other_tag():
    data = jpeg_with_exif()
    assert b"Phone X" in data and b"secret" in data
    result = photos.process(data)
    assert result.content_type == "image/jpeg" and (result.width, result.height) == (80, 60)
    assert result.lat == pytest.approx(30.66, abs=1e-4) and result.lon == pytest.approx(117.49, abs=1e-4)
    assert b"Phone X" not in result.content and b"secret" not in result.content and "张三".encode() not in result.content
    with Image.open(io.BytesIO(result.content)) as again:
        assert dict(again.getexif()) == {} and "xmp" not in again.info


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_reencoded(kind):
    out = io.BytesIO()
    image = Image.new("RGB", (20, 20), (1, 2, 3))
    exif = image.getexif()
    exif[Base.Artist] = "李四"
    image.save(out, kind, exif=exif)
    result = photos.process(out.getvalue())
    assert result.content_type == f"image/{kind.lower()}" and "李四".encode() not in result.content


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"), (b"not an image at all", "unreadable"), (b"GIF89a" + b"\0" * 100, "unreadable"),
])
def test_bad_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(InvalidInput) as error:
        photos.process(data)
    assert error.value.fields == {"photos": reason}


def test_other_image_types_are_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(InvalidInput) as error:
        photos.process(out.getvalue())
    assert error.value.fields == {"photos": "type"}


def test_oversized_files_are_refused(settings):
    settings.GONGZHI_CASE_PHOTO_MAX_BYTES = 1000
    with pytest.raises(InvalidInput) as error:
        photos.process(jpeg_with_exif() + b"\0" * 2000)
    assert error.value.fields == {"photos": "size"}


def test_huge_pictures_are_scaled_down():
    out = io.BytesIO()
    Image.new("RGB", (5000, 100)).save(out, "PNG")
    result = photos.process(out.getvalue())
    assert max(result.width, result.height) == photos.MAX_SIDE
