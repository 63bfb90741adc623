"""Deliveries: queued with the report, sent by the worker over real SMTP, retried, never lost."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from safepath.placements.models import Placement
from safepath.reports.services import report_start
from safepath.routing.models import Delivery, DeliveryStatus
from safepath.routing.services import backoff_delay, deliveries_claim, deliveries_process_due

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


MARKER = "The blue van parks behind the laundromat"


def test_worker_emails_each_member_that_a_report_arrived_without_its_contents(
    smtp: Inbox, bus_station: Placement, alice, bob, charlie
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value=MARKER)

    call_command("worker", "--once")  # the command make run starts

    recipients = sorted(message["To"] for message in smtp.messages)
    assert recipients == ["alice@riverside.test", "bob@riverside.test"]
    for message in smtp.messages:
        text = message.get_payload()
        assert bus_station.public_name in message["Subject"]
        assert f"/dashboard/reports/{report.reference}/" in text
        assert MARKER not in text and "laundromat" not in text
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_failed_delivery_is_kept_and_retried_later(settings, bus_station: Placement, bob) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    report_start(placement=bus_station, step="what", value="help")

    assert deliveries_process_due() == 1

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error
    assert delivery.next_attempt_at > timezone.now()
    assert delivery.locked_until is None
    assert deliveries_process_due() == 0  # not due again until its backoff has passed


def test_delivery_gives_up_after_its_time_and_is_marked_failed(
    settings, bus_station: Placement, bob
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    report_start(placement=bus_station, step="what", value="help")
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=2))

    deliveries_process_due()

    assert Delivery.objects.get().status == DeliveryStatus.FAILED


def test_a_claimed_delivery_is_not_claimed_twice(bus_station: Placement, alice, bob) -> None:
    report_start(placement=bus_station, step="what", value="help")

    first = deliveries_claim()
    second = deliveries_claim()

    assert len(first) == 2
    assert second == []


def test_a_crashed_workers_claim_lapses(bus_station: Placement, bob) -> None:
    report_start(placement=bus_station, step="what", value="help")
    deliveries_claim()
    Delivery.objects.update(locked_until=timezone.now() - timedelta(seconds=1))

    assert len(deliveries_claim()) == 1


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(attempt).total_seconds() for attempt in range(1, 20)]

    assert delays[0] <= 5
    assert delays[5] >= 80  # 5 * 2**5 / 2
    assert max(delays) <= 3600
