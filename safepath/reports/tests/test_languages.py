"""Twelve languages, complete; chosen from the page, the browser, then the placement."""

from __future__ import annotations

import gzip
import re

import pytest
from django.test import Client

from safepath.placements.models import Placement
from safepath.reports.catalogs import extract, problems
from safepath.reports.languages import NATIVE_NAMES
from safepath.reports.tests.flow import answer, post
from safepath.reports.tests.test_privacy import reporter_screens

pytestmark = pytest.mark.django_db

LANGUAGES = list(NATIVE_NAMES)
FIRST_PAGE_BUDGET = 14 * 1024
# Long English sentences must never show through in another language.
ENGLISH = [m for m in extract() if len(m) > 24 and "%(" not in m]


def test_there_are_twelve_languages_and_every_catalog_is_complete() -> None:
    assert len(LANGUAGES) == 12
    assert problems() == []


def html_tag(body: str) -> str:
    match = re.search(r"<html[^>]*>", body)
    assert match
    return match.group(0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_the_browser_language_fully(
    bus_station: Placement, language: str
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5")
    pages = [
        client.get(f"/Q/{bus_station.code}"),
        post(client, bus_station, action="start"),
        answer(client, bus_station, "about", choice="me"),
        answer(client, bus_station, "what", choice="documents"),
        answer(client, bus_station, "details", text="x" * 5000),
        answer(client, bus_station, "more", action="skip"),
        answer(client, bus_station, "photo", action="done"),
        client.get("/followup/"),
        client.post("/followup/", {"action": "open", "receipt": "1" * 16}),
        client.get("/Q/ZZZZZZZZZZ"),
    ]
    direction = "rtl" if language == "ar" else "ltr"
    for page in pages:
        body = page.content.decode()
        assert html_tag(body) == f'<html lang="{language}" dir="{direction}">'
        assert page["Content-Language"] == language
        if language != "en":
            leaked = [m for m in ENGLISH if m in body]
            assert not leaked, leaked


def test_the_page_choice_beats_the_browser_and_stays_on_the_scan_url(
    bus_station: Placement,
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    post(client, bus_station, action="start")

    switched = post(client, bus_station, action="lang", step="danger", lang="ar")
    body = switched.content.decode()

    assert html_tag(body) == '<html lang="ar" dir="rtl">'
    assert "هل أحد في خطر الآن؟" in body  # the same question, now in Arabic
    assert f'action="/Q/{bus_station.code}"' in body
    assert 'name="lang" value="ar"' in body  # carried by the next form post


def test_an_unknown_language_falls_back_without_an_error(bus_station: Placement) -> None:
    response = post(Client(), bus_station, action="lang", step="landing", lang="xx-evil")

    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_placement_languages_lead_the_switcher_and_are_the_default(
    bus_station: Placement,
) -> None:
    bus_station.languages = ["vi", "es"]
    bus_station.save()

    no_match = Client(HTTP_ACCEPT_LANGUAGE="de").get(f"/Q/{bus_station.code}").content.decode()
    browser = Client(HTTP_ACCEPT_LANGUAGE="ko").get(f"/Q/{bus_station.code}").content.decode()

    assert html_tag(no_match).startswith('<html lang="vi"')
    assert html_tag(browser).startswith('<html lang="ko"')
    switcher = re.findall(r'name="lang" value="([\w-]+)" lang=', no_match)
    assert switcher[:2] == ["vi", "es"] and sorted(switcher) == sorted(LANGUAGES)


def test_without_placement_languages_the_default_is_english(bus_station: Placement) -> None:
    body = Client(HTTP_ACCEPT_LANGUAGE="de").get(f"/Q/{bus_station.code}").content.decode()

    assert html_tag(body) == '<html lang="en" dir="ltr">'


def test_every_reporter_page_offers_every_language(bus_station: Placement) -> None:
    for label, response in reporter_screens(bus_station):
        if response["Content-Type"].startswith("application/json") or label == "receipt":  # type: ignore[index]
            continue
        body = response.content.decode()  # type: ignore[attr-defined]
        assert len(re.findall(r'name="lang" value="[\w-]+" lang=', body)) == 12, label


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_page_fits_in_one_round_trip(bus_station: Placement, language: str) -> None:
    body = Client(HTTP_ACCEPT_LANGUAGE=language).get(f"/Q/{bus_station.code}").content

    assert len(gzip.compress(body, compresslevel=6)) <= FIRST_PAGE_BUDGET


def _syllables(word: str) -> int:
    letters = re.sub(r"[^a-z]", "", word.lower())
    count = len(re.findall(r"[aeiouy]+", letters))
    if letters.endswith("e") and not letters.endswith("le") and count > 1:
        count -= 1
    return max(count, 1)


def test_the_english_words_are_plain() -> None:
    """Flesch-Kincaid grade of every reporter string together at most 6; no very long sentence."""
    words = sentences = syllables = 0
    for text in (re.sub(r"%\(\w+\)s", "it", m) for m in extract()):
        parts = [s for s in re.split(r"[.!?:]+", text) if s.strip()]
        for part in parts:
            assert len(part.split()) <= 30, part
        found = re.findall(r"[A-Za-z']+", text)
        words, sentences = words + len(found), sentences + len(parts)
        syllables += sum(_syllables(word) for word in found)
    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59

    assert grade <= 6, grade
