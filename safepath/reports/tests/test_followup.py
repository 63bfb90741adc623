"""Receipts and the follow-up page: status, messages both ways, adding information, throttles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import User
from safepath.placements.models import Placement, ScanCount
from safepath.reports.models import Report, ReportMessage, ReportReceipt, ReportStatus
from safepath.reports.selectors import FAILED_TRIES_PER_WINDOW, RECEIPT_TRIES_PER_WINDOW
from safepath.reports.services import report_message_from_responder
from safepath.reports.tests.flow import RECEIPT, send_report

pytestmark = pytest.mark.django_db


def open_followup(client: Client, receipt: str, **extra: str):
    return client.post("/followup/", {"action": "open", "receipt": receipt, **extra})


def test_receipt_is_sixteen_digits_in_groups_and_only_a_hash_is_kept(
    bus_station: Placement,
) -> None:
    receipt = send_report(Client(), bus_station, "hello")

    groups = receipt.split(" ")
    assert [len(g) for g in groups] == [4, 4, 4, 4] and "".join(groups).isdigit()
    stored = ReportReceipt.objects.get()
    assert stored.receipt_hash.startswith("$argon2id$")
    assert "".join(groups) not in stored.receipt_hash
    assert len(stored.lookup) == 4


def test_the_receipt_opens_the_report_with_a_coarse_status(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "hello")
    reader = Client()

    opened = open_followup(reader, receipt)

    assert opened.status_code == 303 and opened["Location"] == "/followup/"
    cookie = opened.cookies[settings.FOLLOWUP_COOKIE_NAME]
    assert cookie["httponly"] is True and cookie["samesite"] == "Strict"
    assert cookie["path"] == "/followup/"
    page = reader.get("/followup/").content.decode()
    assert 'data-status="received"' in page
    assert ScanCount.objects.get().followups == 1


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (ReportStatus.NEW, "received"),
        (ReportStatus.ACKNOWLEDGED, "handled"),
        (ReportStatus.IN_PROGRESS, "handled"),
        (ReportStatus.REFERRED, "handled"),
        (ReportStatus.CLOSED, "closed"),
    ],
)
def test_reporter_sees_only_three_statuses(bus_station: Placement, status: str, shown: str) -> None:
    receipt = send_report(Client(), bus_station, "hello")
    Report.objects.update(status=status)
    reader = Client()
    open_followup(reader, receipt)

    assert f'data-status="{shown}"' in reader.get("/followup/").content.decode()


def test_receipt_typed_with_dashes_or_without_spaces_works(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "hello")

    assert open_followup(Client(), receipt.replace(" ", "-")).status_code == 303
    assert open_followup(Client(), receipt.replace(" ", "")).status_code == 303
    arabic_indic = receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert open_followup(Client(), arabic_indic).status_code == 303


def test_a_wrong_receipt_gets_a_neutral_answer(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "secret words")
    wrong = ("1" if receipt[0] != "1" else "2") + receipt[1:]

    response = open_followup(Client(), wrong)

    assert response.status_code == 200
    body = response.content.decode()
    assert "We found nothing for this number." in body
    assert "secret words" not in body and bus_station.public_name not in body
    assert settings.FOLLOWUP_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("bad", ["", "12345", "abcd efgh ijkl mnop", "1" * 17, "½" * 16])
def test_a_malformed_receipt_gets_a_clear_400(db: None, bad: str) -> None:
    response = open_followup(Client(), bad)

    assert response.status_code == 400
    body = response.content.decode()
    assert "receipt number" in body


def test_messages_go_both_ways(bus_station: Placement, bob: User) -> None:
    receipt = send_report(Client(), bus_station, "hello")
    report = Report.objects.get()
    report_message_from_responder(report=report, author=bob, body="We can help. Are you safe?")
    reader = Client()
    open_followup(reader, receipt)

    assert "We can help. Are you safe?" in reader.get("/followup/").content.decode()
    sent = reader.post("/followup/", {"action": "message", "text": "Yes, call after 9pm."})

    assert sent.status_code == 303
    assert [m.body for m in report.messages.all()] == [
        "We can help. Are you safe?",
        "Yes, call after 9pm.",
    ]
    assert "Yes, call after 9pm." in reader.get("/followup/").content.decode()


def test_information_added_later_joins_the_report(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "first")
    reader = Client()
    open_followup(reader, receipt)

    reader.post("/followup/", {"action": "add", "text": "They moved to the motel."})
    reader.post("/followup/", {"action": "add", "text": "Two cars now."})

    entries = Report.objects.get().entries.all()
    assert [(e.step, e.text) for e in entries][-2:] == [
        ("followup", "They moved to the motel."),
        ("followup", "Two cars now."),
    ]


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001])
def test_bad_follow_up_text_is_refused_and_changes_nothing(
    bus_station: Placement, text: str
) -> None:
    receipt = send_report(Client(), bus_station, "first")
    reader = Client()
    open_followup(reader, receipt)

    for action in ("message", "add"):
        response = reader.post("/followup/", {"action": action, "text": text})
        assert response.status_code == 400
        assert "Please" in response.content.decode()
    assert ReportMessage.objects.count() == 0
    assert Report.objects.get().entries.count() == 1


def test_without_an_open_follow_up_nothing_can_be_added(bus_station: Placement) -> None:
    send_report(Client(), bus_station, "first")

    response = Client().post("/followup/", {"action": "message", "text": "sneaky"})

    assert response.status_code == 400
    assert "Please type your receipt number again." in response.content.decode()
    assert ReportMessage.objects.count() == 0


def test_a_forged_follow_up_cookie_opens_nothing(bus_station: Placement) -> None:
    send_report(Client(), bus_station, "first secret")
    client = Client()
    client.cookies[settings.FOLLOWUP_COOKIE_NAME] = '{"r": 1}'

    body = client.get("/followup/").content.decode()

    assert "first secret" not in body and 'id="receipt"' in body


def test_close_ends_the_follow_up(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "first")
    reader = Client()
    open_followup(reader, receipt)

    reader.post("/followup/", {"action": "leave"})

    assert 'id="status"' not in reader.get("/followup/").content.decode()


def test_wrong_tries_of_one_number_are_throttled(bus_station: Placement) -> None:
    wrong = "1111 2222 3333 4444"
    for _ in range(RECEIPT_TRIES_PER_WINDOW):
        assert open_followup(Client(), wrong).status_code == 200

    throttled = open_followup(Client(), wrong)

    assert throttled.status_code == 429
    assert "Too many tries" in throttled.content.decode()


def test_the_real_reporter_opening_often_is_never_locked_out(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "first")
    for _ in range(RECEIPT_TRIES_PER_WINDOW * 3):  # only failures count
        assert open_followup(Client(), receipt).status_code == 303


def test_the_failure_count_survives_a_cleared_cache(bus_station: Placement) -> None:
    from django.core.cache import cache

    wrong = "1111 2222 3333 5555"
    for _ in range(RECEIPT_TRIES_PER_WINDOW):
        open_followup(Client(), wrong)
    cache.clear()  # an evicted cache (or 741 random guesses filling it) forgets nothing

    assert open_followup(Client(), wrong).status_code == 429


def test_a_flood_of_wrong_numbers_never_locks_out_a_real_receipt(
    bus_station: Placement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("safepath.reports.selectors.FAILED_TRIES_PER_WINDOW", 3)
    receipt = send_report(Client(), bus_station, "first")
    for guess in range(1111_2222_3333_0000, 1111_2222_3333_0040):
        assert open_followup(Client(REMOTE_ADDR="198.51.100.1"), str(guess)).status_code == 200

    # No address is counted, and the right receipt still opens while someone is guessing.
    assert open_followup(Client(REMOTE_ADDR="198.51.100.2"), receipt).status_code == 303
    assert FAILED_TRIES_PER_WINDOW > 3


def test_a_report_gets_one_receipt_and_asking_again_gives_no_other(
    bus_station: Placement,
) -> None:
    client = Client()
    first = send_report(client, bus_station, "first")
    from safepath.reports.tests.flow import answer

    again = answer(client, bus_station, "more", action="done")

    assert RECEIPT.search(again.content.decode()) is None
    assert ReportReceipt.objects.count() == 1
    assert open_followup(Client(), first).status_code == 303


def test_a_quiet_report_no_longer_opens_from_the_browser(bus_station: Placement, settings) -> None:
    client = Client()
    send_report(client, bus_station, "written earlier")
    Report.objects.update(
        last_activity_at=timezone.now() - timedelta(seconds=settings.REPORTER_COOKIE_AGE + 1)
    )

    page = client.get(f"/Q/{bus_station.code}").content.decode()

    assert "written earlier" not in page
    assert "You already have" not in page


def test_earlier_answers_are_not_sent_back_to_the_browser(bus_station: Placement) -> None:
    from safepath.reports.tests.flow import answer

    client = Client()
    answer(client, bus_station, "what", text="a secret only the reporter typed")
    back = client.post(f"/Q/{bus_station.code}", {"action": "lang", "step": "what", "lang": "es"})

    assert "a secret only the reporter typed" not in back.content.decode()


def test_follow_up_keeps_the_chosen_language(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "hola")
    reader = Client()
    open_followup(reader, receipt, lang="es")

    page = reader.get("/followup/")

    assert 'lang="es"' in page.content.decode()
    assert page["Content-Language"] == "es"
