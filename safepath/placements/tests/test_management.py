"""Managing placements: who may change what, history, code replacement, checks, the map."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Unit, User
from safepath.conftest import logged_in
from safepath.placements.models import (
    Placement,
    PlacementEvent,
    PlacementStatus,
    RetiredCode,
    ScanCount,
)
from safepath.placements.selectors import get_placement_for_scan

pytestmark = pytest.mark.django_db

FORM = {
    "public_name": "Library, second floor restroom",
    "site_type": "restroom",
    "address": "1 Library Way",
    "latitude": "38.5",
    "longitude": "-121.4",
    "language_1": "es",
    "language_2": "ar",
    "language_3": "",
    "installed_on": "2026-01-10",
    "last_checked_on": "",
    "internal_notes": "Behind the door",
    "unit": "",
}


@pytest.fixture
def alice_client(alice: User) -> Client:
    return logged_in(alice)


def test_admin_creates_a_placement_with_its_languages_and_history(
    alice_client: Client, riverside
) -> None:
    unit = Unit.objects.create(organization=riverside, slug="north", name="North precinct")

    response = alice_client.post("/placements/new/", {**FORM, "unit": unit.pk})

    placement = Placement.objects.get(public_name=FORM["public_name"])
    assert response.status_code == 302
    assert response["Location"] == f"/placements/{placement.code}/"
    assert placement.languages == ["es", "ar"]
    assert placement.unit == unit
    assert placement.events.get().kind == PlacementEvent.Kind.CREATED


def test_unit_of_another_organization_is_refused(alice_client: Client, st_brigid) -> None:
    foreign = Unit.objects.create(organization=st_brigid, slug="er", name="ER")

    response = alice_client.post("/placements/new/", {**FORM, "unit": foreign.pk})

    assert response.status_code == 400
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"language_2": "es"}, "Choose each language once."),
        ({"latitude": "95"}, "less than or equal to 90"),
        ({"longitude": ""}, "Give both latitude and longitude"),
        ({"language_1": "de"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_saves_nothing(
    alice_client: Client, riverside, change: dict[str, str], message: str
) -> None:
    response = alice_client.post("/placements/new/", {**FORM, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Placement.objects.exists()


def test_responder_may_look_and_check_but_not_change(
    bob_client: Client, bus_station: Placement
) -> None:
    assert bob_client.get(f"/placements/{bus_station.code}/").status_code == 200
    assert bob_client.get("/placements/new/").status_code == 403
    assert bob_client.get(f"/placements/{bus_station.code}/edit/").status_code == 403
    assert bob_client.get("/placements/import/").status_code == 403
    retire = bob_client.post(f"/placements/{bus_station.code}/status/", {"status": "retired"})
    assert retire.status_code == 403
    assert bob_client.post(f"/placements/{bus_station.code}/checked/").status_code == 302

    bus_station.refresh_from_db()
    assert bus_station.status == PlacementStatus.ACTIVE
    # "Today" is the organization's day, which is not UTC's for hours every night.
    assert bus_station.last_checked_on == timezone.localdate(timezone=bus_station.organization.zone)


def test_edit_records_which_fields_changed_not_their_values(
    alice_client: Client, bus_station: Placement
) -> None:
    response = alice_client.post(
        f"/placements/{bus_station.code}/edit/",
        {**FORM, "public_name": bus_station.public_name, "internal_notes": "secret spot"},
    )

    assert response.status_code == 302
    event = bus_station.events.get(kind=PlacementEvent.Kind.EDITED)
    assert "internal notes" in event.detail
    assert "secret spot" not in event.detail
    assert event.actor is not None and event.actor.email == "alice@riverside.test"


def test_replacing_a_code_keeps_history_and_the_old_code_leads_to_counted_help(
    alice_client: Client, bus_station: Placement
) -> None:
    old = bus_station.code

    response = alice_client.post(f"/placements/{old}/replace-code/", {"reason": "torn"})

    bus_station.refresh_from_db()
    assert response.status_code == 302
    assert bus_station.code != old
    assert RetiredCode.objects.get(code=old).placement == bus_station
    assert get_placement_for_scan(code=old) is None
    # The new code is live at once; the old one opens the neutral help page and is counted.
    assert Client().get(f"/Q/{bus_station.code}").status_code == 200
    old_scan = Client().get(f"/Q/{old}")
    assert old_scan.status_code == 404
    assert "help is still here" in old_scan.content.decode()
    counts = ScanCount.objects.get(placement=bus_station)
    assert (counts.scans, counts.retired_code_scans) == (1, 1)
    page = alice_client.get(f"/placements/{bus_station.code}/").content.decode()
    assert old in page and "torn" in page


def test_an_unknown_code_counts_for_nobody(bus_station: Placement) -> None:
    Client().get("/Q/ZZZZZZZZZZ")

    assert not ScanCount.objects.exists()


def test_a_lost_posters_code_still_opens_the_report_page(
    alice_client: Client, bus_station: Placement
) -> None:
    alice_client.post(f"/placements/{bus_station.code}/status/", {"status": "lost"})

    bus_station.refresh_from_db()
    assert bus_station.status == PlacementStatus.LOST
    assert Client().get(f"/Q/{bus_station.code}").status_code == 200
    assert bus_station.events.filter(kind=PlacementEvent.Kind.STATUS).exists()


def test_retiring_leads_the_code_to_help(alice_client: Client, bus_station: Placement) -> None:
    alice_client.post(f"/placements/{bus_station.code}/status/", {"status": "retired"})

    assert Client().get(f"/Q/{bus_station.code}").status_code == 404
    assert ScanCount.objects.get(placement=bus_station).retired_code_scans == 1


def test_invalid_status_is_a_400(alice_client: Client, bus_station: Placement) -> None:
    response = alice_client.post(f"/placements/{bus_station.code}/status/", {"status": "gone"})

    assert response.status_code == 400


def test_placements_not_checked_in_the_period_are_listed_as_due(
    bob_client: Client, riverside, settings
) -> None:
    settings.PLACEMENT_CHECK_DAYS = 30
    today = timezone.localdate(timezone=riverside.zone)  # the organization's day, as staff see
    stale = Placement.objects.create(
        organization=riverside, public_name="Stale", last_checked_on=today - timedelta(days=31)
    )
    fresh = Placement.objects.create(
        organization=riverside, public_name="Fresh", last_checked_on=today - timedelta(days=3)
    )
    never = Placement.objects.create(
        organization=riverside, public_name="Never", installed_on=today - timedelta(days=60)
    )

    page = bob_client.get("/placements/?due=1").content.decode()

    assert stale.public_name in page and never.public_name in page
    assert fresh.public_name not in page
    # Checking it from a phone takes it off the list and returns to the list.
    back = bob_client.post(f"/placements/{stale.code}/checked/", {"next": "/placements/?due=1"})
    assert back["Location"] == "/placements/?due=1"
    assert f"/placements/{stale.code}/" not in bob_client.get("/placements/?due=1").content.decode()


def test_checked_today_never_redirects_off_site(bob_client: Client, bus_station) -> None:
    response = bob_client.post(
        f"/placements/{bus_station.code}/checked/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == f"/placements/{bus_station.code}/"


def test_map_draws_only_own_placements_inline_with_no_third_party(
    bob_client: Client, bus_station: Placement, clinic: Placement
) -> None:
    for placement, lat, lon in ((bus_station, "38.58", "-121.49"), (clinic, "38.60", "-121.40")):
        placement.latitude, placement.longitude = lat, lon
        placement.save()

    page = bob_client.get("/placements/map/").content.decode()

    assert "<svg" in page
    assert f'href="/placements/{bus_station.code}/"' in page
    assert clinic.code not in page
    assert "https://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_list_shows_own_placements_only(bob_client: Client, bus_station, clinic) -> None:
    page = bob_client.get("/placements/").content.decode()

    assert bus_station.public_name in page
    assert clinic.public_name not in page
