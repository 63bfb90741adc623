"""The reporter's side keeps every promise (issue 11), checked over plain HTTP.

Whoever holds the phone next learns nothing and changes nothing; "saved" is true; the
reporter decides who reads; errors, languages and times stay the reporter's. Browser-level
checks of the same promises are in ``test_browser_promises.py``.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from safepath.accounts.models import Organization, OrganizationKind, User
from safepath.core.asgi_limits import BodySizeLimit
from safepath.placements.models import Placement
from safepath.reports.errors import server_error, too_large_page
from safepath.reports.models import (
    RecipientPreference,
    Report,
    ReportMessage,
    ReportStatus,
)
from safepath.reports.services import report_message_from_responder
from safepath.reports.tests.flow import answer, post, receipt_from, send_report
from safepath.routing.models import Delivery, ReportRecipient, RoutingEvent

FIRST_PAGE_BUDGET = 14 * 1024


def open_followup(client: Client, receipt: str) -> Any:
    return client.post("/followup/", {"action": "open", "receipt": receipt})


def keep_cookies(client: Client) -> dict[str, str]:
    """What a browser might keep whatever the server says (history, a crash, a copy)."""
    return {name: morsel.value for name, morsel in client.cookies.items() if morsel.value}


def restore(client: Client, kept: dict[str, str]) -> None:
    for name, value in kept.items():
        client.cookies[name] = value


# Whoever holds the phone next ---------------------------------------------------------------


def test_quick_exit_ends_the_report_on_the_server_whatever_the_browser_keeps(
    bus_station: Placement,
) -> None:
    phone = Client()
    answer(phone, bus_station, "details", text="a grey van by gate 4")
    kept = keep_cookies(phone)

    left = phone.get(f"/Q/{bus_station.code}/exit")
    restore(phone, kept)  # the browser kept the cookie anyway

    assert left.status_code == 303
    landing = phone.get(f"/Q/{bus_station.code}").content.decode()
    assert "Your report is saved" not in landing  # the neutral start
    answer(phone, bus_station, "details", text="changed by someone else")
    first = Report.objects.order_by("pk").first()
    assert first is not None
    assert [e.text for e in first.entries.all()] == ["a grey van by gate 4"]


def test_quick_exit_ends_the_follow_up_on_the_server(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "first words")
    phone = Client()
    open_followup(phone, receipt)
    report = Report.objects.get()
    report_message_from_responder(report=report, author=None, body="We read it. Safe to call?")  # type: ignore[arg-type]
    assert "Safe to call?" in phone.get("/followup/").content.decode()
    kept = keep_cookies(phone)

    phone.get("/followup/exit")
    restore(phone, kept)
    again = phone.get("/followup/").content.decode()

    assert "Safe to call?" not in again
    assert 'id="receipt"' in again  # asks for the receipt: the neutral start


def test_the_follow_up_ends_after_a_few_idle_minutes(bus_station: Placement, settings) -> None:
    receipt = send_report(Client(), bus_station, "first words")
    phone = Client()
    open_followup(phone, receipt)
    assert settings.FOLLOWUP_IDLE_SECONDS <= 10 * 60  # was 30 minutes
    assert "Your report" in phone.get("/followup/").content.decode()
    Report.objects.update(
        followup_seen_at=timezone.now() - timedelta(seconds=settings.FOLLOWUP_IDLE_SECONDS + 1)
    )

    assert "Your report" not in phone.get("/followup/").content.decode()


def test_after_i_am_done_the_cookie_no_longer_writes(bus_station: Placement) -> None:
    phone = Client()
    answer(phone, bus_station, "details", text="what I saw")
    kept = keep_cookies(phone)
    receipt_from(answer(phone, bus_station, "more", action="done"))
    restore(phone, kept)

    answer(phone, bus_station, "details", text="rewritten by someone else")
    answer(phone, bus_station, "details", text="again", action="autosave")

    first = Report.objects.order_by("pk").first()
    assert first is not None and first.finished_at is not None
    assert [e.text for e in first.entries.all()] == ["what I saw"]


def test_the_receipt_adds_information_as_new_entries(bus_station: Placement) -> None:
    receipt = send_report(Client(), bus_station, "what I saw")
    phone = Client()
    open_followup(phone, receipt)

    phone.post("/followup/", {"action": "add", "text": "one more thing"})

    report = Report.objects.get()
    assert [(e.step, e.text) for e in report.entries.all()] == [
        ("details", "what I saw"),
        ("followup", "one more thing"),
    ]


def test_responders_see_every_version_of_an_answer(
    bus_station: Placement, bob_client: Client
) -> None:
    phone = Client()
    answer(phone, bus_station, "details", text="a red van")
    answer(phone, bus_station, "details", text="a blue van")

    page = bob_client.get(f"/dashboard/reports/{Report.objects.get().reference}/")

    assert "a red van" in page.content.decode() and "a blue van" in page.content.decode()


def test_every_reporter_page_has_one_neutral_title(bus_station: Placement) -> None:
    phone = Client()
    pages = [phone.get(f"/Q/{bus_station.code}"), post(phone, bus_station, action="start")]
    pages.append(answer(phone, bus_station, "about", choice="me"))
    pages.append(answer(phone, bus_station, "danger", action="skip"))
    pages.append(answer(phone, bus_station, "under18", action="done"))
    pages.append(post(phone, bus_station, action="saved", step="receipt"))
    pages += [Client().get("/followup/"), Client().get("/help/")]

    titles = {re.search(r"<title>(.*?)</title>", p.content.decode()).group(1) for p in pages}  # type: ignore[union-attr]

    assert titles == {"Help"}


def test_answer_fields_follow_the_direction_of_what_is_typed(bus_station: Placement) -> None:
    phone = Client()
    details = answer(phone, bus_station, "what", action="skip").content.decode()
    receipt = send_report(Client(), bus_station, "hello")
    follow = Client()
    open_followup(follow, receipt)

    assert '<textarea id="text" name="text" dir="auto"' in details
    assert '<textarea id="text" name="text" dir="auto"' in follow.get("/followup/").content.decode()


# "Saved" must be true -------------------------------------------------------------------------


def test_the_first_answer_posted_twice_starts_one_report(bus_station: Placement) -> None:
    phone = Client()
    page = post(phone, bus_station, action="start").content.decode()
    key = re.search(r'name="key" value="([^"]+)"', page)
    assert key, "the first question carries a one-time key"

    # An autosave and "Save and go on" racing: neither has the other's cookie yet.
    answer(Client(), bus_station, "about", choice="me", action="autosave", key=key.group(1))
    answer(Client(), bus_station, "about", choice="me", key=key.group(1))

    assert Report.objects.count() == 1
    assert Report.objects.get().entries.count() == 1


def _http(url: str, data: dict[str, str], cookie: str = "") -> tuple[int, str, str]:
    import urllib.error
    import urllib.parse
    import urllib.request

    request = urllib.request.Request(  # noqa: S310  # a local test server
        url, data=urllib.parse.urlencode(data).encode(), headers={"Cookie": cookie}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode(), response.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), ""


def _count(live: Any, sql: str) -> int:
    from safepath.reports.tests.live import _connect

    with _connect(live) as db:
        cursor = db.cursor()
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def test_concurrent_saves_make_one_answer_and_one_receipt(tmp_path: Any) -> None:
    """20 autosaves of one question and 20 receipt requests at once, against a real server
    process on this run's database (a SQLite file, or a fresh PostgreSQL database)."""
    from concurrent.futures import ThreadPoolExecutor

    from safepath.core.testing import deployment

    with deployment(tmp_path) as live:
        server = live.start_server(worker=False)
        url = f"{server.url}/Q/{live.summary['placements'][0]['code']}"
        status, _body, set_cookie = _http(url, {"step": "about", "action": "next", "choice": "me"})
        assert status == 200 and set_cookie
        cookie = set_cookie.split(";")[0]
        data = {"step": "details", "action": "autosave"}

        with ThreadPoolExecutor(max_workers=20) as pool:
            saves = list(
                pool.map(lambda i: _http(url, {**data, "text": f"words {i}"}, cookie), range(20))
            )
        with ThreadPoolExecutor(max_workers=20) as pool:
            receipts = list(
                pool.map(
                    lambda i: _http(url, {"step": "details", "action": "receipt"}, cookie),
                    range(20),
                )
            )

        assert {s for s, _b, _c in saves} == {200}
        assert {s for s, _b, _c in receipts} == {200}
        shown = [b for _s, b, _c in receipts if 'id="receipt">' in b]
        assert len(shown) == 1
        rows = "SELECT COUNT(*) FROM reports_reportentry WHERE step = 'details'"
        assert _count(live, rows) == 1
        assert _count(live, "SELECT COUNT(*) FROM reports_reportreceipt") == 2  # + the demo one


# The reporter decides who reads ---------------------------------------------------------------


@pytest.fixture
def task_force_and_hotline(settings: Any, db: None) -> tuple[Organization, Organization]:
    task_force = Organization.objects.create(
        slug="tri-county", name="Tri-County Task Force", kind=OrganizationKind.TASK_FORCE
    )
    hotline = Organization.objects.create(
        slug="hotline", name="National Hotline", kind=OrganizationKind.SERVICE_PROVIDER
    )
    settings.FALLBACK_ORGANIZATION = task_force.slug
    settings.HOTLINE_ORGANIZATION = hotline.slug
    return task_force, hotline


def test_the_landing_names_everyone_routing_would_tell_and_offers_not_police_first(
    bus_station: Placement, task_force_and_hotline: tuple[Organization, Organization]
) -> None:
    body = Client().get(f"/Q/{bus_station.code}").content.decode()

    recipients = re.search(r'<p class="small" id="recipients">(.*?)</p>', body, re.S)
    assert recipients
    assert "Riverside Police Department" in recipients.group(1)
    assert "Tri-County Task Force" in recipients.group(1)  # the fallback is told too
    assert "National Hotline" in recipients.group(1)  # who reads it instead of police
    assert "goes only to" not in body
    assert 'id="start-service"' in body


def test_not_police_chosen_first_means_police_never_receive_it(
    bus_station: Placement, task_force_and_hotline: tuple[Organization, Organization]
) -> None:
    phone = Client()
    first = post(phone, bus_station, action="start", recipient="service").content.decode()
    key = re.search(r'name="key" value="([^"]+)"', first).group(1)  # type: ignore[union-attr]
    assert 'name="recipient" value="service"' in first

    answer(phone, bus_station, "about", choice="me", key=key, recipient="service")

    report = Report.objects.get()
    assert report.recipient_preference == RecipientPreference.SERVICE
    told = set(
        ReportRecipient.objects.filter(report=report).values_list("organization__slug", flat=True)
    )
    assert "riverside-pd" not in told and "hotline" in told
    assert not Delivery.objects.filter(report=report, organization__slug="riverside-pd").exists()


def test_police_who_lost_a_report_read_an_honest_line(
    bus_station: Placement,
    task_force_and_hotline: tuple[Organization, Organization],
    bob_client: Client,
    charlie: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from safepath.conftest import logged_in

    phone = Client()
    answer(phone, bus_station, "about", choice="me")
    reference = Report.objects.get().reference
    with django_capture_on_commit_callbacks(execute=True):  # rerouting runs after commit
        answer(phone, bus_station, "recipient", choice="service")  # taken away from police

    page = bob_client.get(f"/dashboard/reports/{reference}/")

    assert page.status_code == 410
    assert "chose a help group instead of police" in page.content.decode()
    assert logged_in(charlie).get(f"/dashboard/reports/{reference}/").status_code == 404


# Language, errors, reach ----------------------------------------------------------------------


def test_the_language_picked_is_kept_through_the_visit(bus_station: Placement) -> None:
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    landing = phone.get(f"/Q/{bus_station.code}?lang=es").content.decode()
    assert '<html lang="es"' in landing
    assert 'href="/followup/?lang=es"' in landing
    assert '<html lang="es"' in phone.get("/followup/?lang=es").content.decode()

    answer(phone, bus_station, "about", choice="me", lang="es")
    post(phone, bus_station, action="lang", lang="ar", step="danger")
    back = phone.get(f"/Q/{bus_station.code}").content.decode()  # Back: no form, no address

    assert '<html lang="ar"' in back


def reporter_design(body: str, lang: str) -> None:
    assert f'<html lang="{lang}"' in body
    assert 'class="exit"' in body
    assert 'href="tel:911"' in body and 'href="sms:233733"' in body


def test_a_missing_reporter_page_keeps_the_reporter_design() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="es").get("/followup/nothing-here")

    assert page.status_code == 404
    reporter_design(page.content.decode(), "es")
    assert "Esta página no existe" in page.content.decode()


def test_a_server_error_on_a_reporter_page_keeps_the_reporter_design(db: None) -> None:
    request = RequestFactory().post("/Q/ABCDEFGH", HTTP_ACCEPT_LANGUAGE="ar")

    page = server_error(request)

    assert page.status_code == 500
    reporter_design(page.content.decode(), "ar")


def test_a_photo_over_the_request_limit_gets_a_reporter_page_in_her_language(db: None) -> None:
    sent: list[MutableMapping[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:  # never reached
        raise AssertionError

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    limit = BodySizeLimit(app, limit=100, page_for=lambda path: too_large_page)
    scope = {
        "type": "http",
        "path": "/Q/ABCDEFGH",
        "headers": [(b"content-length", b"12000000"), (b"accept-language", b"es-MX,es;q=0.9")],
    }
    asyncio.run(limit(scope, receive, send))

    assert sent[0]["status"] == 413
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"].startswith(b"text/html")
    assert b"default-src 'none'" in headers[b"content-security-policy"]
    body = sent[1]["body"].decode()
    reporter_design(body, "es")
    assert "demasiado grande" in body


def test_a_message_on_a_closed_report_reopens_it_and_tells_the_recipients(
    bus_station: Placement, bob: User
) -> None:
    receipt = send_report(Client(), bus_station, "what I saw")
    report = Report.objects.get()
    Report.objects.update(status=ReportStatus.CLOSED)
    before = Delivery.objects.filter(report=report).count()
    phone = Client()
    open_followup(phone, receipt)

    phone.post("/followup/", {"action": "message", "text": "He is back. Please come."})

    report.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS
    assert Delivery.objects.filter(report=report).count() > before
    assert RoutingEvent.objects.filter(report=report, reason__icontains="open again").exists()


def test_a_message_on_a_quiet_report_tells_the_recipients_again(
    bus_station: Placement, bob: User, settings: Any
) -> None:
    receipt = send_report(Client(), bus_station, "what I saw")
    report = Report.objects.get()
    Report.objects.update(
        status=ReportStatus.ACKNOWLEDGED,
        last_activity_at=timezone.now() - timedelta(seconds=settings.REPORT_QUIET_SECONDS + 1),
    )
    before = Delivery.objects.filter(report=report).count()
    phone = Client()
    open_followup(phone, receipt)

    phone.post("/followup/", {"action": "message", "text": "Still here."})

    assert Delivery.objects.filter(report=report).count() > before


def test_reporter_times_are_in_the_organizations_time_zone(bus_station: Placement) -> None:
    bus_station.organization.time_zone = "America/Chicago"
    bus_station.organization.save()
    receipt = send_report(Client(), bus_station, "what I saw")
    report = Report.objects.get()
    message = report_message_from_responder(report=report, author=None, body="Hello")  # type: ignore[arg-type]
    ReportMessage.objects.filter(pk=message.pk).update(
        created_at=datetime(2026, 7, 1, 18, 30, tzinfo=UTC)
    )
    phone = Client()
    open_followup(phone, receipt)

    page = phone.get("/followup/").content.decode()

    assert "2026-07-01 13:30" in page  # 18:30 UTC is 13:30 in Chicago in July
    assert "18:30" not in page


# Throttle and compression ---------------------------------------------------------------------


def test_responses_are_compressed_and_the_first_page_fits_one_round_trip(
    bus_station: Placement,
) -> None:
    page = Client(HTTP_ACCEPT_ENCODING="gzip, br").get(f"/Q/{bus_station.code}")

    assert page["Content-Encoding"] == "gzip"
    assert len(page.content) <= FIRST_PAGE_BUDGET
    assert b"<!doctype html>" in gzip.decompress(page.content)


def test_pages_that_show_a_receipt_or_the_conversation_are_never_compressed(
    bus_station: Placement,
) -> None:
    phone = Client(HTTP_ACCEPT_ENCODING="gzip")
    answer(phone, bus_station, "details", text="words")
    shown = answer(phone, bus_station, "more", action="done")
    receipt = receipt_from(shown)
    follow = Client(HTTP_ACCEPT_ENCODING="gzip")
    open_followup(follow, receipt)
    conversation = follow.get("/followup/")

    assert not shown.has_header("Content-Encoding")
    assert not conversation.has_header("Content-Encoding")
    assert "Your report" in conversation.content.decode()
