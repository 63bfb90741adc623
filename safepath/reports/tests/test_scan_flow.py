"""The reporter's side of the walking skeleton: scan, answer, add more, bad input."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from safepath.placements.models import Placement, PlacementStatus, ScanCount
from safepath.reports.models import Report, ReportEntry
from safepath.routing.models import Delivery, ReportRecipient

pytestmark = pytest.mark.django_db


def answer(client: Client, placement: Placement, text: str, step: str = "what"):
    return client.post(f"/Q/{placement.code}", {"step": step, "answer": text})


def test_scan_shows_public_name_and_first_question(bus_station: Placement) -> None:
    response = Client().get(f"/Q/{bus_station.code}")

    assert response.status_code == 200
    body = response.content.decode()
    assert bus_station.public_name in body
    assert "What is happening?" in body
    assert 'method="post"' in body
    assert "<script" not in body  # works with JavaScript off: a plain form


def test_scan_counts_without_recording_the_person(bus_station: Placement) -> None:
    Client().get(f"/Q/{bus_station.code}", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Phone/1.0")
    Client().get(f"/Q/{bus_station.code}")

    counts = ScanCount.objects.filter(placement=bus_station)
    assert [c.scans for c in counts] == [2]
    assert counts[0].hour.minute == 0 and counts[0].hour.second == 0


def test_first_answer_creates_routed_report_before_acknowledging(
    bus_station: Placement, bob, alice
) -> None:
    client = Client()
    response = answer(client, bus_station, "A man took my passport.")

    assert response.status_code == 303
    assert response["Location"] == f"/Q/{bus_station.code}"
    report = Report.objects.get()
    assert report.placement == bus_station
    assert [e.body for e in report.entries.all()] == ["A man took my passport."]
    assert list(ReportRecipient.objects.values_list("organization__slug", flat=True)) == [
        "riverside-pd"
    ]
    assert sorted(Delivery.objects.values_list("user__email", flat=True)) == [
        "alice@riverside.test",
        "bob@riverside.test",
    ]
    follow = client.get(response["Location"])
    assert "Saved." in follow.content.decode()


def test_report_cookie_is_the_only_cookie_and_is_locked_down(bus_station: Placement) -> None:
    client = Client()
    get = client.get(f"/Q/{bus_station.code}")
    assert not get.cookies

    response = answer(client, bus_station, "help")

    assert list(response.cookies) == [settings.REPORTER_COOKIE_NAME]
    cookie = response.cookies[settings.REPORTER_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == f"/Q/{bus_station.code}"
    assert 0 < int(cookie["max-age"]) <= 2 * 60 * 60
    report = Report.objects.get()
    assert cookie.value not in report.browser_token_hash  # only a hash is stored


def test_later_answers_join_the_same_report(bus_station: Placement) -> None:
    client = Client()
    client.get(f"/Q/{bus_station.code}")
    answer(client, bus_station, "first")
    page = client.get(f"/Q/{bus_station.code}").content.decode()
    assert "Anything else you want to add?" in page

    answer(client, bus_station, "second", step="more")

    report = Report.objects.get()
    assert [(e.step, e.body) for e in report.entries.all()] == [
        ("what", "first"),
        ("more", "second"),
    ]
    assert ScanCount.objects.get().scans == 1  # coming back to add is not a new scan


def test_another_browser_starts_its_own_report(bus_station: Placement) -> None:
    answer(Client(), bus_station, "one")
    answer(Client(), bus_station, "two")

    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Please write something before you send."),
        ("   \n ", "Please write something before you send."),
        ("x" * 4001, "Please keep it under 4000 characters."),
        ("bad\x00byte", "characters we cannot save"),
    ],
)
def test_bad_answer_is_refused_with_a_clear_message_and_saves_nothing(
    bus_station: Placement, text: str, message: str
) -> None:
    response = answer(Client(), bus_station, text)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0
    assert ReportEntry.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_unknown_step_is_refused(bus_station: Placement) -> None:
    response = answer(Client(), bus_station, "hello", step="not-a-question")

    assert response.status_code == 400
    assert Report.objects.count() == 0


def test_answer_of_exactly_the_limit_is_saved(bus_station: Placement) -> None:
    response = answer(Client(), bus_station, "y" * 4000)

    assert response.status_code == 303
    assert len(ReportEntry.objects.get().body) == 4000


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "short", "OIL0OIL0OI", "%20"])
def test_unknown_code_gets_the_neutral_help_page(db: None, code: str) -> None:
    response = Client().get(f"/Q/{code}")

    assert response.status_code == 404
    body = response.content.decode()
    assert "help is still here" in body
    assert 'href="tel:911"' in body
    assert "1-888-373-7888" in body
    assert Report.objects.count() == 0


def test_posting_to_an_unknown_code_stores_nothing(db: None) -> None:
    response = Client().post("/Q/ZZZZZZZZZZ", {"step": "what", "answer": "hello"})

    assert response.status_code == 404
    assert Report.objects.count() == 0


def test_retired_code_leads_to_help_and_counts_only_a_retired_scan(
    bus_station: Placement,
) -> None:
    bus_station.status = PlacementStatus.RETIRED
    bus_station.save()

    get = Client().get(f"/Q/{bus_station.code}")
    post = answer(Client(), bus_station, "hello")

    assert get.status_code == post.status_code == 404
    assert "help is still here" in get.content.decode()
    assert Report.objects.count() == 0
    counts = ScanCount.objects.get(placement=bus_station)
    assert (counts.scans, counts.reports_started, counts.retired_code_scans) == (0, 0, 1)


def test_code_typed_in_lower_case_finds_the_placement(bus_station: Placement) -> None:
    response = Client().get(f"/q/{bus_station.code.lower()}")

    assert response.status_code == 303
    assert response["Location"] == f"/Q/{bus_station.code}"


def test_home_page_offers_help_without_tracking(db: None) -> None:
    response = Client().get("/")

    assert response.status_code == 200
    assert "1-888-373-7888" in response.content.decode()
    assert not response.cookies


def test_a_started_report_is_counted_for_the_placement(bus_station: Placement) -> None:
    client = Client()
    client.get(f"/Q/{bus_station.code}")
    answer(client, bus_station, "first")
    answer(client, bus_station, "second", step="more")

    row = ScanCount.objects.get(placement=bus_station)
    assert (row.scans, row.reports_started, row.reports_answered) == (1, 1, 1)
