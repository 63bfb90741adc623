"""Signed webhooks, verified by the receiver example in docs/webhooks.md on a real HTTP server,
and the Twilio adapter against a local stand-in for Twilio's API (faked HTTP, not a mock)."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from safepath.accounts.models import Membership, User
from safepath.placements.models import Placement
from safepath.reports.models import Report, ReportPriority
from safepath.reports.services import report_start
from safepath.reports.signals import report_facts_changed
from safepath.routing.models import Delivery, DeliveryStatus, Webhook
from safepath.routing.services import deliveries_process_due, responder_channels_set, webhook_create
from safepath.routing.webhooks import sign, webhook_secret

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
MARKER = "Unique-marker-webhook-93c1"


def docs_receiver() -> dict[str, Any]:
    """Execute the receiver example of docs/webhooks.md and return its namespace."""
    text = DOC.read_text()
    code = re.search(r"## A receiver in Python.*?```python\n(.*?)```", text, re.S)
    assert code, "docs/webhooks.md lost its receiver example"
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)  # noqa: S102  # our own docs
    return namespace


@pytest.fixture
def receiver() -> Iterator[tuple[dict[str, Any], str, list[dict[str, Any]]]]:
    namespace = docs_receiver()
    received: list[dict[str, Any]] = []
    handler = namespace["Receiver"]

    class Recording(handler):  # type: ignore[misc, valid-type]
        def log_message(self, *args: Any) -> None:
            pass

        def send_response(self, code: int, message: str | None = None) -> None:
            received.append({"status": code, "delivery": self.headers.get("X-SafePath-Delivery")})
            super().send_response(code, message)

    server = HTTPServer(("127.0.0.1", 0), Recording)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield namespace, f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_docs_receiver_accepts_signed_notifications_and_drops_duplicates(
    receiver, bus_station: Placement, bob: User
) -> None:
    namespace, url, received = receiver
    webhook = webhook_create(organization=bus_station.organization, url=url)
    namespace["SECRET"] = webhook_secret(webhook).encode()
    _report, _ = report_start(placement=bus_station, step="what", value=MARKER)

    deliveries_process_due()

    delivery = Delivery.objects.get(webhook=webhook)
    assert delivery.status == DeliveryStatus.SENT
    assert received == [{"status": 204, "delivery": str(delivery.uid)}]
    assert namespace["seen_ids"] == {str(delivery.uid)}
    # The same delivery again (at least once): accepted, processed once.
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
    deliveries_process_due()
    assert namespace["seen_ids"] == {str(delivery.uid)}


def test_docs_receiver_refuses_a_wrong_secret(receiver, bus_station: Placement) -> None:
    namespace, url, received = receiver
    webhook_create(organization=bus_station.organization, url=url)
    namespace["SECRET"] = b"not the secret"
    report_start(placement=bus_station, step="what", value="help")

    deliveries_process_due()

    assert [r["status"] for r in received] == [401]
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "401" in delivery.last_error


def test_docs_verify_refuses_replays_and_tampering() -> None:
    verify = docs_receiver()["verify"]
    body = b'{"event":"report.received"}'
    now = int(time.time())

    assert verify(b"s", str(now), body, sign(secret="s", timestamp=now, body=body))
    assert not verify(b"s", str(now - 301), body, sign(secret="s", timestamp=now - 301, body=body))
    assert not verify(b"s", str(now), body + b" ", sign(secret="s", timestamp=now, body=body))


def test_webhook_payload_carries_no_report_contents(bus_station: Placement) -> None:
    from safepath.routing.services import webhook_payload

    webhook = Webhook.objects.create(
        organization=bus_station.organization, url="https://x.example/"
    )
    report_start(placement=bus_station, step="what", value=MARKER)
    payload = json.dumps(webhook_payload(Delivery.objects.get(webhook=webhook)))

    assert MARKER not in payload
    assert bus_station.public_name in payload


def test_webhook_must_be_https_outside_development(settings, bus_station: Placement) -> None:
    settings.PRODUCTION = True
    with pytest.raises(ValidationError, match="https"):
        webhook_create(organization=bus_station.organization, url="http://agency.example/hook")
    with pytest.raises(ValidationError):
        webhook_create(organization=bus_station.organization, url="not a url")
    assert not Webhook.objects.exists()
    assert webhook_create(organization=bus_station.organization, url="https://agency.example/h")


def test_rotating_the_version_changes_the_secret(bus_station: Placement) -> None:
    webhook = Webhook.objects.create(
        organization=bus_station.organization, url="https://x.example/"
    )
    first = webhook_secret(webhook)
    webhook.secret_version += 1

    assert webhook_secret(webhook) != first and len(first) == 64


class FakeTwilio(BaseHTTPRequestHandler):
    """Answers like Twilio's Messages API and keeps what it was sent."""

    requests: list[dict[str, Any]] = []
    fail_next = False

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeTwilio.requests.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                "form": dict(urllib.parse.parse_qsl(body.decode())),
                "idempotency": self.headers.get("I-Twilio-Idempotency-Token"),
            }
        )
        if FakeTwilio.fail_next:
            FakeTwilio.fail_next = False
            self.send_response(429)
            self.end_headers()
            self.wfile.write(b'{"message": "Too Many Requests"}')
            return
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"sid": "SM123", "status": "queued"}).encode())


@pytest.fixture
def twilio(settings) -> Iterator[type[FakeTwilio]]:
    FakeTwilio.requests = []
    server = HTTPServer(("127.0.0.1", 0), FakeTwilio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC0123"
    settings.TWILIO_AUTH_TOKEN = "token-xyz"
    settings.TWILIO_FROM_NUMBER = "+15550009999"
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{server.server_port}"
    try:
        yield FakeTwilio
    finally:
        server.shutdown()
        server.server_close()


def test_urgent_report_texts_through_twilio_and_retries_when_refused(
    twilio, bus_station: Placement, bob: User
) -> None:
    responder_channels_set(
        membership=Membership.objects.get(user=bob),
        email=False,
        phone="+15550004444",
        sms_always=False,
    )
    report, _ = report_start(placement=bus_station, step="what", value=MARKER)
    Report.objects.filter(pk=report.pk).update(priority=ReportPriority.URGENT)
    report_facts_changed.send(sender=Report, report=report, changed={"priority"})
    twilio.fail_next = True

    deliveries_process_due()
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == DeliveryStatus.PENDING and "429" in delivery.last_error
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=delivery.created_at)
    deliveries_process_due()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    last = twilio.requests[-1]
    assert last["path"] == "/2010-04-01/Accounts/AC0123/Messages.json"
    assert last["auth"] == "Basic " + base64.b64encode(b"AC0123:token-xyz").decode()
    assert last["form"]["To"] == "+15550004444" and last["form"]["From"] == "+15550009999"
    assert MARKER not in last["form"]["Body"] and "URGENT" in last["form"]["Body"]
    assert last["idempotency"] == str(delivery.uid)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://[::1]/hook",
    ],
)
def test_webhook_to_a_private_or_local_address_is_refused_in_production(
    settings, bus_station: Placement, url: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False

    with pytest.raises(ValidationError, match="public address"):
        webhook_create(organization=bus_station.organization, url=url)
    assert not Webhook.objects.exists()


def test_webhook_to_a_public_address_is_accepted(settings, bus_station: Placement) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False

    assert webhook_create(organization=bus_station.organization, url="https://93.184.216.34/h")


def test_a_redirecting_receiver_is_a_failure_not_a_hop(bus_station: Placement) -> None:
    from safepath.routing.webhooks import WebhookError, webhook_post

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        webhook = webhook_create(
            organization=bus_station.organization,
            url=f"http://127.0.0.1:{server.server_port}/hook",
        )
        with pytest.raises(WebhookError, match="302"):
            webhook_post(webhook=webhook, payload={"x": 1}, delivery_id="d1")
    finally:
        server.shutdown()
        server.server_close()
