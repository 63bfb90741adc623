"""The live report over plain form posts: landing, one question per screen, skip, done."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client

from safepath.placements.models import Placement, PlacementStatus, ScanCount
from safepath.reports.models import Report, ReportEntry
from safepath.reports.questions import QUESTION_LIST
from safepath.reports.signals import report_facts_changed
from safepath.reports.tests.flow import answer, post, receipt_from
from safepath.routing.models import Delivery, ReportRecipient

pytestmark = pytest.mark.django_db


def test_landing_names_the_place_and_offers_four_plain_choices(bus_station: Placement) -> None:
    response = Client().get(f"/Q/{bus_station.code}")

    assert response.status_code == 200
    body = response.content.decode()
    assert bus_station.public_name in body
    assert 'href="tel:911"' in body
    assert 'href="tel:1-888-373-7888"' in body and 'href="sms:233733"' in body
    assert 'name="action" value="start"' in body  # send a silent report: a plain form post
    assert 'href="/followup/?lang=en"' in body
    assert "Riverside Police Department" in body  # who receives it
    assert 'class="exit"' in body


def test_scan_counts_without_recording_the_person(bus_station: Placement) -> None:
    Client().get(f"/Q/{bus_station.code}", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Phone/1.0")
    Client().get(f"/Q/{bus_station.code}")

    counts = ScanCount.objects.filter(placement=bus_station)
    assert [c.scans for c in counts] == [2]


def test_every_screen_posts_back_to_the_scan_url_only(bus_station: Placement) -> None:
    client = Client()
    pages = [client.get(f"/Q/{bus_station.code}"), post(client, bus_station, action="start")]
    for question in QUESTION_LIST[:-1]:
        pages.append(answer(client, bus_station, question.key, action="skip"))

    for page in pages:
        body = page.content.decode()
        actions = set(re.findall(r'<form[^>]*action="([^"]*)"', body))
        assert actions == {f"/Q/{bus_station.code}"}, actions
        assert page.status_code == 200


def test_questions_come_one_per_screen_in_order_and_can_be_skipped(
    bus_station: Placement,
) -> None:
    client = Client()
    first = post(client, bus_station, action="start").content.decode()
    assert "Is this about you or someone else?" in first
    assert "Question 1 of 10" in first

    second = answer(client, bus_station, "about", action="skip").content.decode()

    assert "Is anyone in danger right now?" in second
    assert Report.objects.count() == 0  # skipping saves nothing: no report yet


def test_first_answer_creates_a_routed_report_before_acknowledging(
    bus_station: Placement, bob, alice
) -> None:
    client = Client()
    response = answer(client, bus_station, "about", choice="other")

    assert response.status_code == 200
    assert "Saved. The helpers can see it now." in response.content.decode()
    report = Report.objects.get()
    assert [(e.step, e.choices) for e in report.entries.all()] == [("about", ["other"])]
    assert list(ReportRecipient.objects.values_list("organization__slug", flat=True)) == [
        "riverside-pd"
    ]
    assert Delivery.objects.count() == 2


def test_report_cookie_is_the_only_cookie_and_is_locked_down(bus_station: Placement) -> None:
    client = Client()
    assert not client.get(f"/Q/{bus_station.code}").cookies
    assert not post(client, bus_station, action="start").cookies

    response = answer(client, bus_station, "about", choice="me")

    assert list(response.cookies) == [settings.REPORTER_COOKIE_NAME]
    cookie = response.cookies[settings.REPORTER_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == f"/Q/{bus_station.code}"
    assert 0 < int(cookie["max-age"]) <= 2 * 60 * 60
    assert cookie.value not in Report.objects.get().browser_token_hash


def test_later_answers_join_the_same_report_and_an_edit_is_a_new_version(
    bus_station: Placement,
) -> None:
    client = Client()
    answer(client, bus_station, "about", choice="me")
    answer(client, bus_station, "details", text="a red van", action="autosave")  # a draft
    answer(client, bus_station, "details", text="a red van, plate", action="autosave")
    answer(client, bus_station, "details", text="a red van, plate 7ABC123")  # saved
    answer(client, bus_station, "details", text="a blue van")  # changed after saving

    report = Report.objects.get()
    assert [(e.step, e.text) for e in report.entries.all()] == [
        ("about", ""),
        ("details", "a red van, plate 7ABC123"),  # drafts grew into it; kept
        ("details", "a blue van"),  # the change is a new version beside it
    ]


def test_another_browser_starts_its_own_report(bus_station: Placement) -> None:
    answer(Client(), bus_station, "details", text="one")
    answer(Client(), bus_station, "details", text="two")

    assert Report.objects.count() == 2


def test_done_is_one_tap_away_and_saves_what_was_typed(bus_station: Placement) -> None:
    client = Client()
    response = answer(client, bus_station, "what", choice=["documents"], action="done")

    assert receipt_from(response)
    assert Report.objects.get().entries.get().choices == ["documents"]


def test_done_without_any_answer_says_nothing_was_sent(bus_station: Placement) -> None:
    response = answer(Client(), bus_station, "about", action="done")

    assert "Nothing was sent" in response.content.decode()
    assert Report.objects.count() == 0


def test_after_the_last_question_the_receipt_is_shown(bus_station: Placement) -> None:
    client = Client()
    answer(client, bus_station, "more", text="last words")

    response = answer(client, bus_station, "photo", action="skip")

    assert receipt_from(response)


def test_a_receipt_taken_early_finishes_the_report_for_this_browser(
    bus_station: Placement,
) -> None:
    client = Client()
    answer(client, bus_station, "about", choice="me")

    shown = answer(client, bus_station, "danger", action="receipt")
    assert receipt_from(shown)
    back = post(client, bus_station, action="saved", step="receipt")

    assert "Your report was sent" in back.content.decode()
    assert 'href="/followup/?lang=en"' in back.content.decode()  # more goes through the receipt
    answer(client, bus_station, "danger", choice="yes")  # the old cookie writes nothing
    assert Report.objects.order_by("pk")[0].entries.count() == 1


def test_coming_back_to_the_scan_url_continues_the_report(bus_station: Placement) -> None:
    client = Client()
    client.get(f"/Q/{bus_station.code}")
    answer(client, bus_station, "about", choice="me")

    landing = client.get(f"/Q/{bus_station.code}").content.decode()
    assert "Your report is saved" in landing
    resumed = post(client, bus_station, action="start").content.decode()

    assert "Is anyone in danger right now?" in resumed  # the first open question
    assert ScanCount.objects.get().scans == 1  # coming back to add is not a new scan


def test_an_earlier_answer_is_not_shown_again_when_revisited(bus_station: Placement) -> None:
    # Whoever holds the phone now may not be the person who answered.
    client = Client()
    answer(client, bus_station, "about", choice="other")

    page = post(client, bus_station, action="lang", step="about", lang="en").content.decode()

    assert 'value="other"' in page
    assert "checked" not in page


@pytest.mark.parametrize(
    ("step", "choice", "field", "value"),
    [
        ("danger", "yes", "priority", "urgent"),
        ("under18", "yes", "priority", "urgent"),
        ("recipient", "service", "recipient_preference", "service"),
        ("recipient", "police", "recipient_preference", "police"),
    ],
)
def test_routing_facts_follow_the_answers_inside_the_answers_transaction(
    bus_station: Placement,
    step: str,
    choice: str,
    field: str,
    value: str,
) -> None:
    heard: list[tuple[str, set[str]]] = []

    def listener(sender: object, report: Report, changed: set[str], **kwargs: object) -> None:
        heard.append((getattr(report, field), changed))

    report_facts_changed.connect(listener)
    try:
        client = Client()
        answer(client, bus_station, "about", choice="me")
        # No post-commit hook runs here (the test's transaction never commits): the change is
        # announced inside the answer's own transaction, so re-routing commits with it.
        answer(client, bus_station, step, choice=choice)
        assert heard == [(value, {field})]
    finally:
        report_facts_changed.disconnect(listener)

    assert getattr(Report.objects.get(), field) == value
    assert heard == [(value, {field})]


def test_priority_never_goes_back_down(bus_station: Placement) -> None:
    client = Client()
    answer(client, bus_station, "danger", choice="yes")
    answer(client, bus_station, "danger", choice="no")

    assert Report.objects.get().priority == "urgent"


def test_an_unchanged_fact_sends_no_signal(
    bus_station: Placement, django_capture_on_commit_callbacks
) -> None:
    heard: list[object] = []

    def listener(**kwargs: object) -> None:
        heard.append(kwargs)

    report_facts_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            answer(Client(), bus_station, "danger", choice="no")
    finally:
        report_facts_changed.disconnect(listener)

    assert heard == []


def test_autosave_answers_with_json_and_commits(bus_station: Placement) -> None:
    client = Client()
    response = answer(client, bus_station, "details", text="grey car", action="autosave")

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "saved": True,
        "message": "Saved. The helpers can see it now.",
    }
    assert settings.REPORTER_COOKIE_NAME in response.cookies
    answer(client, bus_station, "details", text="grey car, two men", action="autosave")
    assert Report.objects.get().entries.get().text == "grey car, two men"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"step": "details", "text": "x" * 4001}, "Please keep it under 4000 characters."),
        ({"step": "details", "text": "bad\x00byte"}, "characters we cannot save"),
        ({"step": "about", "choice": "police"}, "Please pick one of the answers shown."),
        ({"step": "about", "choice": ["me", "other"]}, "Please pick one of the answers shown."),
        ({"step": "about", "choice": "<script>"}, "Please pick one of the answers shown."),
        ({"step": "nope", "text": "hello"}, "Something went wrong with that page."),
        ({"step": "details", "text": "hi", "action": "explode"}, "Something went wrong"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    bus_station: Placement, data: dict[str, object], message: str
) -> None:
    response = post(Client(), bus_station, **{"action": "next", **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0
    assert ReportEntry.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_bad_autosave_is_a_400_with_the_message(bus_station: Placement) -> None:
    response = answer(Client(), bus_station, "details", text="y" * 4001, action="autosave")

    assert response.status_code == 400
    assert "4000" in json.loads(response.content)["message"]
    assert Report.objects.count() == 0


def test_answer_of_exactly_the_limit_is_saved(bus_station: Placement) -> None:
    response = answer(Client(), bus_station, "details", text="y" * 4000)

    assert response.status_code == 200
    assert len(ReportEntry.objects.get().text) == 4000


def test_a_bad_answer_on_a_started_report_changes_nothing(bus_station: Placement) -> None:
    client = Client()
    answer(client, bus_station, "details", text="kept")

    answer(client, bus_station, "details", text="z" * 5000)

    assert Report.objects.get().entries.get().text == "kept"


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
    response = Client().post("/Q/ZZZZZZZZZZ", {"step": "details", "text": "hello"})

    assert response.status_code == 404
    assert "help is still here" in response.content.decode()
    assert Report.objects.count() == 0


def test_retired_code_leads_to_help_and_counts_only_a_retired_scan(
    bus_station: Placement,
) -> None:
    bus_station.status = PlacementStatus.RETIRED
    bus_station.save()

    get = Client().get(f"/Q/{bus_station.code}")
    post_response = answer(Client(), bus_station, "details", text="hello")

    assert get.status_code == post_response.status_code == 404
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
    answer(client, bus_station, "about", choice="me")
    answer(client, bus_station, "details", text="second")

    row = ScanCount.objects.get(placement=bus_station)
    assert (row.scans, row.reports_started, row.reports_answered) == (1, 1, 1)
