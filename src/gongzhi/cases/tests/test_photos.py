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


def mpo_from_a_phone() -> bytes:
    """A multi-picture JPEG (MPO), as phones write them: the photo, then a second picture after it."""
    first, second = Image.new("RGB", (80, 60), (200, 30, 30)), Image.new("RGB", (40, 30), (30, 30, 200))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()


def test_a_multi_picture_jpeg_from_a_phone_is_accepted_as_its_first_picture():
    data = mpo_from_a_phone()
    with Image.open(io.BytesIO(data)) as probe:
        assert probe.format == "MPO" and probe.n_frames == 2
    result = photos.process(data)
    assert result.content_type == "image/jpeg" and (result.width, result.height) == (80, 60)
    with Image.open(io.BytesIO(result.content)) as kept:
        assert kept.format == "JPEG" and getattr(kept, "n_frames", 1) == 1
        red, green, blue = kept.getpixel((40, 30))
        assert red > 150 and blue < 80  # the first picture, not the second


def test_a_multi_picture_jpeg_is_accepted_on_the_report_page(cases_demo, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.cases.models import Case

    client.force_login(cases_demo.users["resident"])
    response = client.post("/cases/report/", {
        "description": "手机拍的：路灯杆倾斜", "lon": cases_demo.lon, "lat": cases_demo.lat,
        "photos": [SimpleUploadedFile("IMG_0001.jpg", mpo_from_a_phone(), content_type="image/jpeg")]})
    assert response.status_code == 302
    photo = Case.objects.get().photos.get()
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (80, 60)


def test_a_decompression_bomb_is_refused_from_its_header_before_decoding():
    out = io.BytesIO()
    Image.new("L", (16, 16)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = (60_000).to_bytes(2, "big") * 2  # the frame header claims 60000 × 60000
    with pytest.raises(InvalidInput) as error:
        photos.process(bytes(data))
    assert error.value.fields == {"photos": "pixels"} and "像素过多" in error.value.message


def test_an_uploaded_file_is_checked_from_its_temporary_file(settings):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("photo.jpg", "image/jpeg", 0, None)
    upload.write(jpeg_with_exif())
    upload.flush()
    upload.size = upload.tell()
    result = photos.process(upload)
    assert result.content_type == "image/jpeg" and (result.width, result.height) == (80, 60)
    upload.close()
