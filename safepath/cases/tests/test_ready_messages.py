"""Ready-made messages: every one in every reporter language, sent in the reporter's own."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from safepath.cases.ready_messages import READY_MESSAGES, ready_message
from safepath.placements.models import Placement
from safepath.reports.languages import NATIVE_NAMES
from safepath.reports.models import Report
from safepath.reports.selectors import messages_for_reporter
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


def test_every_message_is_written_in_every_reporter_language() -> None:
    for key, texts in READY_MESSAGES.items():
        assert set(texts) == set(NATIVE_NAMES), key
        for language, text in texts.items():
            assert text.strip() == text and text, (key, language)
            # A sentence left in English by mistake reads the same as the English one.
            if language != "en":
                assert text != texts["en"], (key, language)


def test_the_hotline_numbers_are_filled_in_every_language() -> None:
    for language in NATIVE_NAMES:
        text = ready_message(key="hotline", language=language).text

        assert settings.HOTLINE_PHONE in text and settings.HOTLINE_SMS in text, language
        assert "{" not in text


def test_an_unknown_language_gets_english() -> None:
    message = ready_message(key="help_on_the_way", language="xx")

    assert message.language == "en"
    assert message.text == "Help is on the way."


@pytest.fixture
def spanish_report(bus_station: Placement) -> Report:
    report, _ = report_start(placement=bus_station, step="what", value="hola", language="es")
    return report


def reply(client: Client, report: Report, data: dict[str, str]):
    return client.post(f"/dashboard/reports/{report.reference}/reply/", data)


def test_the_reply_form_offers_them_in_the_reporters_language_with_the_meaning(
    bob_client: Client, spanish_report: Report
) -> None:
    page = bob_client.get(f"/dashboard/reports/{spanish_report.reference}/").content.decode()

    assert "La ayuda va en camino. — Help is on the way." in page
    assert "Español" in page


def test_choosing_one_sends_it_in_the_reporters_language(
    bob_client: Client, spanish_report: Report
) -> None:
    response = reply(bob_client, spanish_report, {"ready": "safe_to_contact", "body": ""})

    assert response.status_code == 302
    [message] = messages_for_reporter(report=spanish_report)
    assert message.body == "¿Es seguro comunicarnos con usted?"
    assert message.from_responder


def test_free_text_is_sent_as_written(bob_client: Client, spanish_report: Report) -> None:
    written = "  We can meet you <b>at 5</b>\u202e ok  "

    assert reply(bob_client, spanish_report, {"ready": "", "body": written}).status_code == 302

    [message] = messages_for_reporter(report=spanish_report)
    assert message.body == written.strip()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"ready": "received", "body": "and more"}, "not both"),
        ({"ready": "", "body": ""}, "Write a message or choose one"),
        ({"ready": "no-such-message", "body": ""}, "Select a valid choice"),
    ],
)
def test_a_bad_reply_is_refused_and_nothing_is_sent(
    bob_client: Client, spanish_report: Report, data: dict[str, str], error: str
) -> None:
    response = reply(bob_client, spanish_report, data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert messages_for_reporter(report=spanish_report) == []
