"""QR codes decode to the placement's scan URL, stay small, and are staff-only."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.placements import qr
from safepath.placements.models import Placement
from safepath.placements.tests.decoding import decode_image, decode_png, svg_to_image, worn

pytestmark = pytest.mark.django_db


def test_png_decodes_to_the_uppercase_scan_url(
    bob_client: Client, bus_station: Placement, settings
) -> None:
    response = bob_client.get(f"/placements/{bus_station.code}/qr.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert decode_png(response.content) == [f"{settings.BASE_URL}/Q/{bus_station.code}".upper()]


def test_svg_rendered_to_an_image_decodes_to_the_scan_url(
    bob_client: Client, bus_station: Placement
) -> None:
    response = bob_client.get(f"/placements/{bus_station.code}/qr.svg")

    image = svg_to_image(response.content)

    assert decode_image(image) == [qr.scan_url(bus_station)]
    assert decode_image(worn(image)) == [qr.scan_url(bus_station)]


def test_qr_uses_alphanumeric_mode_and_print_grade_error_correction(bus_station: Placement) -> None:
    code = qr.make_qr(bus_station)

    assert code.mode == "alphanumeric"
    assert code.error in {"Q", "H"}
    # Alphanumeric keeps a 40-odd character URL within a small symbol (version 3 or less).
    assert int(code.version) <= 3


def test_svg_is_served_with_a_quiet_zone(bob_client: Client, bus_station: Placement) -> None:
    response = bob_client.get(f"/placements/{bus_station.code}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg")
    size = qr.make_qr(bus_station).symbol_size(scale=8)  # includes segno's 4-module border
    assert f'width="{size[0]}"' in svg


def test_lower_case_code_in_staff_url_is_accepted(
    bob_client: Client, bus_station: Placement
) -> None:
    response = bob_client.get(f"/placements/{bus_station.code.lower()}/qr.png")

    assert response.status_code == 200


@pytest.mark.parametrize("kind", ["qr.svg", "qr.png", "poster.pdf"])
def test_qr_and_poster_need_a_login(bus_station: Placement, kind: str) -> None:
    response = Client().get(f"/placements/{bus_station.code}/{kind}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("kind", ["qr.svg", "qr.png", "poster.pdf"])
def test_another_organizations_qr_and_poster_are_a_404(
    charlie_client: Client, bus_station: Placement, kind: str
) -> None:
    response = charlie_client.get(f"/placements/{bus_station.code}/{kind}")

    assert response.status_code == 404
