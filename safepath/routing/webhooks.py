"""Signed webhooks for agency systems. See docs/webhooks.md for the receiver's side.

Every request is a JSON POST with three headers:

- ``X-SafePath-Delivery``: the delivery's id (a UUID). Delivery is at least once; a receiver
  drops an id it has already seen.
- ``X-SafePath-Timestamp``: Unix seconds when the request was signed.
- ``X-SafePath-Signature``: ``v1=`` and the hex HMAC-SHA256 of ``<timestamp>.<body>`` with the
  webhook's secret. Receivers reject a timestamp more than five minutes away (replays).

Secrets are never stored: each is derived from ``SAFEPATH_WEBHOOK_KEY``, the webhook's id and
its ``secret_version``, so rotating a secret is bumping the version, and a database dump alone
cannot forge a notification.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from safepath.routing.models import Webhook

MASK = "•••"


def webhook_url_masked(url: str) -> str:
    """The webhook's address with whatever may be a credential hidden, for showing to admins.

    Receivers often take their credential in the address: a user and password, a token in
    the query, or a long random path segment (``/hooks/T0123/Bxyz/3kf9...``). What stays is
    enough to recognise the receiver: scheme, host, port and the short path segments.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        host = f"{MASK}@{host}"
    segments = [
        segment if len(segment) < 16 else f"{segment[:2]}{MASK}"
        for segment in parts.path.split("/")
    ]
    masked = f"{parts.scheme}://{host}{'/'.join(segments)}"
    if parts.query:
        names = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
        masked += "?" + "&".join(f"{name}={MASK}" for name in names)
    return masked


SIGNATURE_HEADER = "X-SafePath-Signature"
TIMESTAMP_HEADER = "X-SafePath-Timestamp"
DELIVERY_HEADER = "X-SafePath-Delivery"
REPLAY_WINDOW_SECONDS = 300


class WebhookError(Exception):
    """The receiver did not accept the request."""


def webhook_secret(webhook: Webhook) -> str:
    message = f"webhook:{webhook.pk}:{webhook.secret_version}".encode()
    return hmac.new(settings.WEBHOOK_KEY.encode(), message, hashlib.sha256).hexdigest()


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _refuse_private_host(host: str) -> None:
    """Refuse a host that resolves to this machine or a private network (no SSRF).

    Development allows it (WEBHOOK_ALLOW_PRIVATE), so a receiver on localhost can be tried.
    """
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        raise ValidationError(_("That web address cannot be found.")) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise ValidationError(
                _("A webhook must go to a public address, not a private or local one.")
            )


def validate_webhook_url(url: str) -> str:
    """The URL if an agency system may be called there; else a ValidationError saying why."""
    url = url.strip()
    URLValidator(schemes=["https", "http"], message=_("Enter a full web address."))(url)
    if urlsplit(url).scheme != "https" and settings.PRODUCTION:
        raise ValidationError(
            _("A webhook address must start with https:// (plain http is for development only).")
        )
    _refuse_private_host(urlsplit(url).hostname or "")
    return url


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver answers where it was asked: a redirect elsewhere is a failure, not a hop."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def webhook_post(*, webhook: Webhook, payload: dict[str, Any], delivery_id: str) -> None:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310  # validated http(s) URL
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SafePath-Webhook/1",
            DELIVERY_HEADER: delivery_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret=webhook_secret(webhook), timestamp=timestamp, body=body),
        },
    )
    try:
        # Checked again at send time: the name may point elsewhere by now.
        _refuse_private_host(urlsplit(webhook.url).hostname or "")
    except ValidationError as error:
        raise WebhookError(" ".join(error.messages)) from None
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT) as response:
            if response.status >= 300:
                raise WebhookError(f"The receiver answered HTTP {response.status}.")
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise WebhookError(f"The receiver answered HTTP {error.code}.") from None
    except OSError as error:
        raise WebhookError(f"The receiver could not be reached: {error}") from None
