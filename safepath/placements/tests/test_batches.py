"""Poster batches: made by the worker, progress visible, one PDF, tenant-scoped."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from safepath.accounts.models import Unit
from safepath.placements import qr
from safepath.placements.models import BatchStatus, Placement, PosterBatch
from safepath.placements.services import poster_batches_process_due
from safepath.placements.tests.decoding import decode_image, pdf_page_count, pdf_page_image

pytestmark = pytest.mark.django_db


def test_selected_placements_become_one_pdf_made_in_the_background(
    bob_client: Client, riverside, bus_station: Placement
) -> None:
    other = Placement.objects.create(organization=riverside, public_name="Inn", languages=["ar"])

    created = bob_client.post(
        "/placements/batches/", {"codes": [bus_station.code, other.code], "paper": "a4"}
    )

    batch = PosterBatch.objects.get()
    assert created["Location"] == f"/placements/batches/{batch.pk}/"
    waiting = bob_client.get(f"/placements/batches/{batch.pk}/status.json").json()
    assert (waiting["status"], waiting["percent"], waiting["download_url"]) == ("pending", 0, None)
    page = bob_client.get(f"/placements/batches/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page  # progress without JavaScript

    call_command("worker", "--once")

    done = bob_client.get(f"/placements/batches/{batch.pk}/status.json").json()
    assert (done["status"], done["percent"], done["done"]) == ("done", 100, 2)
    pdf = bob_client.get(done["download_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Disposition"].startswith("attachment")
    data = pdf.content
    assert pdf_page_count(data) == 2
    assert decode_image(pdf_page_image(data, page=0)) == [qr.scan_url(bus_station)]
    assert decode_image(pdf_page_image(data, page=1)) == [qr.scan_url(other)]


def test_a_whole_unit_can_be_printed(bob_client: Client, riverside) -> None:
    unit = Unit.objects.create(organization=riverside, slug="north", name="North")
    for n in range(3):
        Placement.objects.create(organization=riverside, public_name=f"P{n}", unit=unit)
    Placement.objects.create(organization=riverside, public_name="Elsewhere")

    bob_client.post("/placements/batches/", {"unit": unit.pk, "paper": "stickers"})
    poster_batches_process_due()

    batch = PosterBatch.objects.get()
    assert batch.status == BatchStatus.DONE
    assert pdf_page_count(bytes(batch.pdf or b"")) == 3


def test_nothing_selected_is_a_clear_400(bob_client: Client, bus_station) -> None:
    response = bob_client.post("/placements/batches/", {"paper": "letter"})

    assert response.status_code == 400
    assert "Select some placements" in response.content.decode()
    assert not PosterBatch.objects.exists()


def test_another_tenants_codes_cannot_be_put_in_a_batch(
    bob_client: Client, clinic: Placement
) -> None:
    response = bob_client.post("/placements/batches/", {"codes": [clinic.code], "paper": "a4"})

    assert response.status_code == 400
    assert not PosterBatch.objects.exists()


def test_another_tenants_batch_is_a_404(
    bob_client: Client, charlie_client: Client, bus_station
) -> None:
    bob_client.post("/placements/batches/", {"codes": [bus_station.code], "paper": "letter"})
    batch = PosterBatch.objects.get()

    for suffix in ("", "status.json", "posters.pdf"):
        assert charlie_client.get(f"/placements/batches/{batch.pk}/{suffix}").status_code == 404
    listing = charlie_client.get("/placements/batches/").content.decode()
    assert f"/placements/batches/{batch.pk}/" not in listing


def test_a_failing_batch_is_retried_then_marked_failed(
    bob_client: Client, bus_station, settings, tmp_path
) -> None:
    settings.POSTER_FONT_DIR = str(tmp_path)  # no fonts: every attempt fails
    bob_client.post("/placements/batches/", {"codes": [bus_station.code], "paper": "letter"})

    for _ in range(3):
        poster_batches_process_due()

    batch = PosterBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert "fonts-noto-core" in batch.error
    assert bob_client.get(f"/placements/batches/{batch.pk}/status.json").json()["error"]
