"""Text messages through a provider interface.

``SAFEPATH_SMS_BACKEND`` picks the backend: ``console`` (default: logs that a message would be
sent, with the number masked), ``locmem`` (tests: keeps messages in ``LocmemSmsBackend.outbox``)
or ``twilio`` (Twilio's Messages REST API over HTTPS; the account keys come from
``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and ``TWILIO_FROM_NUMBER``). A backend raises
``SmsError`` when the provider refuses; the delivery is then retried with backoff.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not accept the message."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, delivery_id: str) -> None: ...


def mask_number(number: str) -> str:
    return "•" * max(len(number) - 4, 0) + number[-4:]


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str, delivery_id: str) -> None:
        logger.info("SMS %s to %s: %s", delivery_id, mask_number(to), body)


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    delivery_id: str


class LocmemSmsBackend:
    outbox: ClassVar[list[SentSms]] = []

    def send(self, *, to: str, body: str, delivery_id: str) -> None:
        self.outbox.append(SentSms(to=to, body=body, delivery_id=delivery_id))


class TwilioSmsBackend:
    """Twilio's Messages API: POST /2010-04-01/Accounts/{sid}/Messages.json, basic auth."""

    def __init__(self) -> None:
        self.sid = settings.TWILIO_ACCOUNT_SID
        self.token = settings.TWILIO_AUTH_TOKEN
        self.sender = settings.TWILIO_FROM_NUMBER
        self.api_base = settings.TWILIO_API_BASE.rstrip("/")
        if not (self.sid and self.token and self.sender):
            raise ImproperlyConfigured(
                "SAFEPATH_SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER."
            )

    def send(self, *, to: str, body: str, delivery_id: str) -> None:
        url = f"{self.api_base}/2010-04-01/Accounts/{urllib.parse.quote(self.sid)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        credentials = base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310  # https URL from settings
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                # Twilio drops a repeated request with the same key (retries after a crash).
                "I-Twilio-Idempotency-Token": delivery_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode("utf-8", "replace")
            raise SmsError(f"Twilio answered HTTP {error.code}: {detail}") from None
        except (OSError, ValueError) as error:
            raise SmsError(f"Twilio could not be reached: {error}") from None
        if payload.get("status") in {"failed", "undelivered"}:
            raise SmsError(f"Twilio refused the message: {payload.get('error_message')}")


BACKENDS: dict[str, type[SmsBackend]] = {
    "console": ConsoleSmsBackend,
    "locmem": LocmemSmsBackend,
    "twilio": TwilioSmsBackend,
}


def get_sms_backend() -> SmsBackend:
    try:
        backend = BACKENDS[settings.SMS_BACKEND]
    except KeyError:
        raise ImproperlyConfigured(
            f"SAFEPATH_SMS_BACKEND must be one of {', '.join(sorted(BACKENDS))}."
        ) from None
    return backend()
