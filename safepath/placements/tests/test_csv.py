"""CSV import and export: all rows or none, clear row-level errors, limits, round trips."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safepath.accounts.models import Unit, User
from safepath.conftest import logged_in
from safepath.placements.models import Placement, PlacementEvent

pytestmark = pytest.mark.django_db

HEADER = "public_name,site_type,unit,address,latitude,longitude,languages,installed_on\n"


@pytest.fixture
def alice_client(alice: User) -> Client:
    return logged_in(alice)


def upload(client: Client, text: str | bytes, name: str = "placements.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/placements/import/", {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_good_file_imports_every_row(alice_client: Client, riverside) -> None:
    Unit.objects.create(organization=riverside, slug="north", name="North")
    text = (
        HEADER
        + "Bus station restroom,restroom,north,1 Main St,38.5,-121.4,es ar,2026-01-02\n"
        + "Motel lobby,lobby,,,,,,\n"
    )

    response = upload(alice_client, "\ufeff" + text)  # a spreadsheet's byte-order mark is fine

    assert response.status_code == 302
    bus = Placement.objects.get(public_name="Bus station restroom")
    assert (bus.unit and bus.unit.slug, bus.languages, str(bus.latitude)) == (
        "north",
        ["es", "ar"],
        "38.500000",
    )
    assert Placement.objects.get(public_name="Motel lobby").languages == ["en"]
    assert PlacementEvent.objects.filter(kind=PlacementEvent.Kind.IMPORTED).count() == 2


def test_one_bad_row_rejects_the_file_with_row_level_errors(alice_client: Client) -> None:
    text = (
        HEADER
        + "Fine row,restroom,,,,,en,\n"
        + ",restroom,,,,,en,\n"
        + "Bad site,castle,,,,,en,\n"
        + "Bad coordinates,lobby,,,95,10,en,\n"
        + "Too many languages,lobby,,,,,en es ar fr,\n"
        + "Bad unit,lobby,nowhere,,,,en,\n"
        + "Bad date,lobby,,,,,en,31/12/2026\n"
    )

    response = upload(alice_client, text)

    page = response.content.decode()
    assert response.status_code == 400
    assert not Placement.objects.exists()
    assert "Nothing was imported" in page
    for row, words in (
        (3, "public_name"),
        (4, "site_type"),
        (5, "latitude"),
        (6, "languages: at most three"),
        (7, "unit: no unit"),
        (8, "installed_on"),
    ):
        assert f"Row {row}: {words}" in page, (row, words)
    assert "Row 2" not in page


def test_wrong_encoding_is_explained(alice_client: Client) -> None:
    response = upload(alice_client, (HEADER + "Café du Métro,lobby,,,,,fr,\n").encode("cp1252"))

    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not Placement.objects.exists()


def test_huge_file_is_refused_with_its_limit(alice_client: Client, settings) -> None:
    settings.PLACEMENT_IMPORT_MAX_BYTES = 10_000
    text = HEADER + "A placement,lobby,,,,,en,\n" * 1000

    response = upload(alice_client, text)

    assert response.status_code == 400
    assert "larger than 9 KB" in response.content.decode()
    assert not Placement.objects.exists()


def test_too_many_rows_are_refused(alice_client: Client, settings) -> None:
    settings.PLACEMENT_IMPORT_MAX_ROWS = 3

    response = upload(alice_client, HEADER + "A placement,lobby,,,,,en,\n" * 4)

    assert response.status_code == 400
    assert "more than 3 rows" in response.content.decode()
    assert not Placement.objects.exists()


def test_unknown_column_and_missing_header_are_explained(alice_client: Client) -> None:
    assert (
        "Unknown columns: colour"
        in upload(alice_client, "public_name,colour\nX,red\n").content.decode()
    )
    assert "public_name" in upload(alice_client, "X,restroom\n").content.decode()
    assert not Placement.objects.exists()


def test_template_imports_as_is(alice_client: Client) -> None:
    template = alice_client.get("/placements/import/template.csv")

    assert template.status_code == 200
    assert upload(alice_client, template.content).status_code == 302
    assert Placement.objects.count() == 1


def test_export_lists_own_placements_and_its_rows_cannot_be_imported_twice(
    alice_client: Client, bus_station: Placement, clinic: Placement
) -> None:
    exported = alice_client.get("/placements/export.csv")

    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [row["code"] for row in rows] == [bus_station.code]
    response = upload(alice_client, exported.content)
    assert response.status_code == 400
    assert "has a code" in response.content.decode()
    assert Placement.objects.count() == 2


def test_another_tenants_unit_slug_is_unknown(alice_client: Client, st_brigid) -> None:
    Unit.objects.create(organization=st_brigid, slug="er", name="ER")

    response = upload(alice_client, HEADER + "X,lobby,er,,,,en,\n")

    assert "no unit" in response.content.decode()
    assert not Placement.objects.exists()


def test_mac_line_endings_import_like_any_other(alice_client: Client) -> None:
    text = HEADER + "Bus station restroom,restroom,,,,,en,\r" + "Motel lobby,lobby,,,,,,\r"

    response = upload(alice_client, text.replace("\n", "\r"))

    assert response.status_code == 302
    assert set(Placement.objects.values_list("public_name", flat=True)) == {
        "Bus station restroom",
        "Motel lobby",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "Bus," + "x" * (140 * 1024) + ",,,,,en,\n", "cell longer than"),
        (HEADER + '"Bus station, restroom,restroom,,,,,en,\nMotel,lobby,,,,,,\n', "not valid CSV"),
        (HEADER + '"Bus" station,restroom,,,,,en,\n', "not valid CSV"),
        ("public_name,site_type,public_name\nBus,restroom,Motel\n", "Columns named twice"),
    ],
    ids=["huge cell", "unterminated quote", "text after quote", "duplicate header"],
)
def test_a_broken_file_is_refused_plainly_and_imports_nothing(
    alice_client: Client, text: str, message: str
) -> None:
    response = upload(alice_client, text)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Placement.objects.exists()


@pytest.mark.parametrize("unit", ["99999999999999999999999", "²", "-1", "1e9"])
def test_an_impossible_unit_filter_finds_nothing_instead_of_failing(
    bob_client: Client, bus_station: Placement, unit: str
) -> None:
    response = bob_client.get("/placements/", {"unit": unit})

    assert response.status_code == 200
    assert bus_station.public_name not in response.content.decode()
