"""Posters: the QR on page one decodes (also worn), every language's words are in the PDF,
Arabic reads right to left, and missing fonts give a clear 503 instead of an error page."""

from __future__ import annotations

import pypdfium2
import pytest
from django.test import Client

from safepath.placements import qr
from safepath.placements.models import Placement, PosterPaper
from safepath.placements.poster_text import POSTER_TEXT
from safepath.placements.posters import poster_pdf
from safepath.placements.tests.decoding import (
    decode_image,
    pdf_page_image,
    pdf_page_text,
    worn,
)

pytestmark = pytest.mark.django_db

# Ligatures (Arabic lam-alef, for one) come back from PDF text extraction in another order;
# words without them must come back exactly, in reading order.
# Letters that connect to the letter after them (alef, dal, ra and a few others do not).
DUAL_JOINING = set("بتثجحخسشصضطظعغفقكلمنهي")
ARABIC_LETTERS = DUAL_JOINING | set("اأإآدذرزوةى")
ARABIC_WORDS = ["تحتاج", "التحدث", "بسرية", "امسح", "الرمز", "للحصول", "المساعدة"]


def set_languages(placement: Placement, languages: list[str]) -> Placement:
    placement.languages = languages
    placement.save()
    return placement


@pytest.mark.parametrize("paper", PosterPaper.values)
def test_page_one_decodes_to_the_scan_url_also_when_worn(
    bob_client: Client, bus_station: Placement, paper: str
) -> None:
    set_languages(bus_station, ["en", "es", "ar"])

    response = bob_client.get(f"/placements/{bus_station.code}/poster.pdf?paper={paper}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    page = pdf_page_image(response.content, dpi=150)
    expected = qr.scan_url(bus_station)
    decoded = decode_image(page)
    assert decoded and set(decoded) == {expected}
    assert expected in decode_image(worn(page))


def test_letter_and_a4_have_their_paper_sizes(bus_station: Placement) -> None:
    sizes = {}
    for paper in (PosterPaper.LETTER, PosterPaper.A4):
        document = pypdfium2.PdfDocument(poster_pdf(bus_station, paper=paper))
        sizes[paper] = tuple(round(v / 72 * 25.4) for v in document[0].get_size())

    assert sizes == {PosterPaper.LETTER: (216, 279), PosterPaper.A4: (210, 297)}


@pytest.mark.parametrize("language", sorted(POSTER_TEXT))
def test_every_language_prints_its_own_words_and_the_hotlines(
    bus_station: Placement, language: str, settings
) -> None:
    set_languages(bus_station, [language])

    text = pdf_page_text(poster_pdf(bus_station))

    wording = POSTER_TEXT[language]
    if wording.rtl:
        for word in ARABIC_WORDS:
            assert word in text
    else:
        assert wording.headline in text.replace("\r\n", " ")
        assert wording.body in text.replace("\r\n", " ")
    assert bus_station.grouped_code in text
    assert settings.HOTLINE_PHONE in text  # also inside right-to-left text, in its own order
    assert settings.HOTLINE_SMS in text
    assert f"{wording.emergency}" in text


def test_poster_wording_is_discreet() -> None:
    for wording in POSTER_TEXT.values():
        words = f"{wording.headline} {wording.body}".lower()
        for alarming in ("traffick", "trata", "police", "policía", "abuse", "slave"):
            assert alarming not in words


def test_arabic_is_laid_out_right_to_left(bus_station: Placement) -> None:
    set_languages(bus_station, ["ar"])
    document = pypdfium2.PdfDocument(poster_pdf(bus_station))
    textpage = document[0].get_textpage()
    text = textpage.get_text_range()

    first, later = text.index("تحتاج"), text.index("بسرية")
    first_box = textpage.get_charbox(first)
    later_box = textpage.get_charbox(later)

    # pypdfium2 boxes are (left, bottom, right, top). Same line (descenders differ a little),
    # and the word read first stands to the right of the word read after it.
    assert abs(first_box[3] - later_box[3]) < 10
    assert first_box[0] > later_box[2]


def test_arabic_letters_are_joined_not_isolated(bus_station: Placement) -> None:
    """Shaped Arabic uses connected contextual forms: a joining letter touches the next one."""
    set_languages(bus_station, ["ar"])
    document = pypdfium2.PdfDocument(poster_pdf(bus_station))
    textpage = document[0].get_textpage()
    headline_end = textpage.get_text_range().index("؟")

    pairs = 0
    for index in range(headline_end - 1):
        letter, following = textpage.get_text_range(index, 2)
        if letter in DUAL_JOINING and following in ARABIC_LETTERS:
            pairs += 1
            # Boxes are (left, bottom, right, top): the letter read first sits to the right,
            # and its left edge reaches the next letter's right edge with no gap.
            gap = textpage.get_charbox(index)[0] - textpage.get_charbox(index + 1)[2]
            assert gap < 0.3, f"{letter}{following} are not joined"
    assert pairs >= 8


def test_unknown_paper_is_a_clear_400(bob_client: Client, bus_station: Placement) -> None:
    response = bob_client.get(f"/placements/{bus_station.code}/poster.pdf?paper=tabloid")

    assert response.status_code == 400
    assert b"letter, a4 or stickers" in response.content


def test_missing_fonts_answer_503_with_how_to_install(
    bob_client: Client, bus_station: Placement, settings, tmp_path
) -> None:
    settings.POSTER_FONT_DIR = str(tmp_path)

    response = bob_client.get(f"/placements/{bus_station.code}/poster.pdf")

    assert response.status_code == 503
    assert b"fonts-noto-core fonts-noto-cjk" in response.content
