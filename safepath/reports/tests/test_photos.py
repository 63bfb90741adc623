"""One optional photo: images only, size-limited, every bit of metadata (GPS too) removed."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from safepath.placements.models import Placement
from safepath.reports.models import Report, ReportPhoto
from safepath.reports.selectors import report_photo_bytes
from safepath.reports.tests.flow import answer, upload

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MAKE = 0x010F


def photo_with_gps(fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[MAKE] = "SpyPhone 3000"
    exif[0x0112] = 6  # orientation: rotated; the stored picture must come out upright
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (79.0, 58.0, 56.0)})
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes(), comment=b"secret comment")
    return out.getvalue()


def test_a_photo_is_stored_sealed_without_gps_or_any_metadata(bus_station: Placement) -> None:
    client = Client()
    answer(client, bus_station, "details", text="see photo")
    raw = photo_with_gps()
    assert b"SpyPhone" in raw

    response = upload(client, bus_station, SimpleUploadedFile("p.jpg", raw, "image/jpeg"))

    assert response.status_code == 200
    stored = ReportPhoto.objects.get()
    assert b"SpyPhone" not in bytes(stored.sealed_data)
    assert bytes(stored.sealed_data)[:1] == b"\x01"  # sealed, not a JPEG
    clean = report_photo_bytes(report=Report.objects.get())
    assert clean is not None
    assert b"SpyPhone" not in clean and b"secret comment" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info and "comment" not in image.info
        assert image.size == (48, 64)  # turned upright by its orientation, then stripped


def test_a_photo_alone_starts_a_report(bus_station: Placement) -> None:
    raw = photo_with_gps("PNG")

    upload(Client(), bus_station, SimpleUploadedFile("p.png", raw, "image/png"))

    assert Report.objects.get().photos.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"just text, not a picture", "not a photo we can use"),
        ("fake.jpg", b"\xff\xd8\xff\xe0 broken jpeg", "not a photo we can use"),
        ("doc.pdf", b"%PDF-1.4 hello", "not a photo we can use"),
    ],
)
def test_a_file_that_is_not_an_image_is_refused(
    bus_station: Placement, name: str, content: bytes, message: str
) -> None:
    response = upload(Client(), bus_station, SimpleUploadedFile(name, content, "image/jpeg"))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


def test_a_photo_over_the_size_limit_is_refused(bus_station: Placement, settings) -> None:
    settings.REPORT_PHOTO_MAX_BYTES = 1024
    big = photo_with_gps() + b"\0" * 2048

    response = upload(Client(), bus_station, SimpleUploadedFile("p.jpg", big, "image/jpeg"))

    assert response.status_code == 400
    assert "This photo is too big." in response.content.decode()
    assert ReportPhoto.objects.count() == 0


def test_a_photo_on_another_question_is_refused(bus_station: Placement) -> None:
    from django.test.client import MULTIPART_CONTENT

    response = Client().post(
        f"/Q/{bus_station.code}",
        {
            "step": "details",
            "action": "next",
            "photo": SimpleUploadedFile("p.jpg", photo_with_gps()),
        },
        content_type=MULTIPART_CONTENT,
    )

    assert response.status_code == 400
    assert ReportPhoto.objects.count() == 0
