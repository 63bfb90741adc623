"""Nothing identifying is stored, contents are sealed, and every reporter page is locked down.

The database is read the way an attacker with a dump would: raw rows of every table through a
cursor, not through the models that decrypt.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from safepath.accounts.models import User
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_message_from_responder
from safepath.reports.tests.flow import answer, post, receipt_from
from safepath.reports.tests.test_photos import photo_with_gps

pytestmark = pytest.mark.django_db

MARKER = "Zebra-Marker-4417"
USER_AGENT = "Mozilla/5.0 (Linux; Android 9; UniqueDevice-XK-88)"
FORWARDED = "198.51.100.77"
REMOTE = "203.0.113.45"


def raw_database_text() -> str:
    """Every value of every table, as text and as bytes decoded loosely."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview | bytearray):
                        chunks.append(bytes(value).decode("latin-1"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def identifying_client() -> Client:
    return Client(
        REMOTE_ADDR=REMOTE,
        HTTP_USER_AGENT=USER_AGENT,
        HTTP_X_FORWARDED_FOR=FORWARDED,
        HTTP_ACCEPT_LANGUAGE="es",
    )


def test_database_holds_no_plaintext_and_nothing_identifying(
    bus_station: Placement, bob: User
) -> None:
    client = identifying_client()
    client.get(f"/Q/{bus_station.code}")
    answer(client, bus_station, "what", choice=["documents"], text=f"{MARKER} answer")
    answer(client, bus_station, "details", text=f"{MARKER} details", action="autosave")
    after_photo = client.post(
        f"/Q/{bus_station.code}",
        {"step": "photo", "action": "next", "photo": _photo()},
        content_type=MULTIPART_CONTENT,
    )
    # The last question leads to the receipt, which a report gets only once.
    receipt = receipt_from(after_photo)
    report = Report.objects.get()
    report_message_from_responder(report=report, author=bob, body=f"{MARKER} from responder")
    reader = identifying_client()
    reader.post("/followup/", {"action": "open", "receipt": receipt})
    reader.post("/followup/", {"action": "message", "text": f"{MARKER} from reporter"})
    reader.post("/followup/", {"action": "add", "text": f"{MARKER} added"})
    # all really saved: what, details, followup; the photo; two messages
    assert report.entries.count() == 3 and report.photos.count() == 1
    assert report.messages.count() == 2

    dump = raw_database_text()

    assert MARKER not in dump
    assert "SpyPhone" not in dump  # the photo's metadata, even inside the sealed photo
    for trace in (USER_AGENT, "UniqueDevice", FORWARDED, REMOTE, receipt, receipt.replace(" ", "")):
        assert trace not in dump, trace


def _photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.jpg", photo_with_gps(), "image/jpeg")


def reporter_screens(placement: Placement) -> list[tuple[str, object]]:
    """A response from every kind of reporter screen, each with a label."""
    client = Client()
    screens: list[tuple[str, object]] = [
        ("landing", client.get(f"/Q/{placement.code}")),
        ("question", post(client, placement, action="start")),
        ("answered", answer(client, placement, "about", choice="me")),
        ("bad input", answer(client, placement, "details", text="x" * 5000)),
        ("photo", answer(client, placement, "more", action="skip")),
        ("receipt", answer(client, placement, "photo", action="skip")),
        ("finished", post(client, placement, action="saved", step="receipt")),
        ("autosave", answer(client, placement, "details", text="hi", action="autosave")),
        ("unknown code", Client().get("/Q/ZZZZZZZZZZ")),
        ("help", Client().get("/help/")),
        ("home", Client().get("/")),
        ("followup", Client().get("/followup/")),
        ("wrong receipt", Client().post("/followup/", {"action": "open", "receipt": "1" * 16})),
        ("bad receipt", Client().post("/followup/", {"action": "open", "receipt": "12"})),
    ]
    return screens


def test_every_reporter_response_carries_every_header(bus_station: Placement) -> None:
    for label, response in reporter_screens(bus_station):
        headers = response.headers  # type: ignore[attr-defined]
        assert headers["Cache-Control"] == "no-store", label
        assert headers["Referrer-Policy"] == "no-referrer", label
        assert "noindex" in headers["X-Robots-Tag"], label
        csp = headers["Content-Security-Policy"]
        assert csp.startswith("default-src 'none'"), label
        for scripts in re.findall(r"script-src ([^;]*)", csp):
            assert re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", scripts), label
        assert "camera=()" in headers["Permissions-Policy"], label
        assert "geolocation=()" in headers["Permissions-Policy"], label
        assert headers["X-Frame-Options"] == "DENY", label


def test_no_page_asks_anything_of_another_site(bus_station: Placement) -> None:
    for label, response in reporter_screens(bus_station):
        if response["Content-Type"].startswith("application/json"):  # type: ignore[index]
            continue
        body = response.content.decode()  # type: ignore[attr-defined]
        assert not re.search(r"<(link|img|iframe|object|embed)\b", body), label
        assert not re.search(r"\bsrc=", body), label
        assert "url(" not in body and "@import" not in body, label
        # The only other sites named are the quick exit (a link) and tel:/sms: links.
        for url in re.findall(r'(?:href|action)="([^"]+)"', body):
            assert url.startswith(("/", "tel:", "sms:", "https://www.weather.gov/")), (label, url)


def test_every_page_has_a_quick_exit_that_works_without_javascript(
    bus_station: Placement, settings
) -> None:
    for label, response in reporter_screens(bus_station):
        if response["Content-Type"].startswith("application/json"):  # type: ignore[index]
            continue
        body = response.content.decode()  # type: ignore[attr-defined]
        found = re.search(
            r'<a class="exit" href="([^"]+)" data-to="([^"]+)" rel="noreferrer">', body
        )
        assert found, label
        href, to = found.groups()
        assert to == settings.QUICK_EXIT_URL, label
        if href != settings.QUICK_EXIT_URL:
            # Through the server first (it ends the reporter's sessions), then the neutral site.
            left = Client().get(href)
            assert left.status_code == 303, label
            assert left["Location"] == settings.QUICK_EXIT_URL, label


def test_the_quick_exit_goes_where_the_deployment_says(bus_station: Placement, settings) -> None:
    settings.QUICK_EXIT_URL = "https://news.example/"

    body = Client().get(f"/Q/{bus_station.code}").content.decode()

    assert 'data-to="https://news.example/"' in body
    assert Client().get(f"/Q/{bus_station.code}/exit")["Location"] == "https://news.example/"
