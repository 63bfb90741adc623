"""Helpers that walk the reporter's flow over plain form posts, as a phone without JS would."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.test.client import MULTIPART_CONTENT

from safepath.placements.models import Placement

RECEIPT = re.compile(r'id="receipt">([0-9 ]{19})<')


def post(client: Client, placement: Placement, **data: Any) -> Any:
    return client.post(f"/Q/{placement.code}", data)


def answer(
    client: Client,
    placement: Placement,
    step: str,
    *,
    choice: list[str] | str | None = None,
    text: str = "",
    action: str = "next",
    **extra: Any,
) -> Any:
    data: dict[str, Any] = {"step": step, "action": action, "text": text, **extra}
    if choice is not None:
        data["choice"] = choice
    return post(client, placement, **data)


def upload(client: Client, placement: Placement, photo: Any, action: str = "next") -> Any:
    return client.post(
        f"/Q/{placement.code}",
        {"step": "photo", "action": action, "photo": photo},
        content_type=MULTIPART_CONTENT,
    )


def receipt_from(response: Any) -> str:
    match = RECEIPT.search(response.content.decode())
    assert match, "no receipt on the page"
    return match.group(1)


def send_report(client: Client, placement: Placement, text: str) -> str:
    """Answer one question with ``text``, finish, and return the receipt shown."""
    answer(client, placement, "details", text=text)
    return receipt_from(answer(client, placement, "more", action="done"))
