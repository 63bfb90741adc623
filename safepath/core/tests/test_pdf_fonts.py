"""Fonts parsed once per process give the same PDFs as fpdf2's own ``add_font``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from safepath.core import pdf_fonts

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
pytestmark = pytest.mark.skipif(
    not (DEJAVU / "DejaVuSans.ttf").is_file(), reason="DejaVu fonts not installed"
)


def _document(*, cached: bool, text: str, shaping: bool = False) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 2, tzinfo=UTC))
    pdf.add_page()
    if cached:
        pdf_fonts.add_font(pdf, "body", DEJAVU / "DejaVuSans.ttf")
        pdf_fonts.add_font(pdf, "body", DEJAVU / "DejaVuSans-Bold.ttf", "B")
    else:
        pdf.add_font("body", "", str(DEJAVU / "DejaVuSans.ttf"))
        pdf.add_font("body", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
    if shaping:
        pdf.set_text_shaping(True)
    pdf.set_font("body", size=12)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", "B", size=14)
    pdf.multi_cell(0, 6, text.upper(), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_cached_font_gives_the_same_pdf_every_time() -> None:
    pdf_fonts._PARSED.clear()
    texts = ["Scans 1,234 · reports 56 — Zürich ← Ωμέγα", "Другой текст: 0.5 h, ≤ 300 ms"]
    for text in [*texts, *texts]:  # the second round reads the parsed font from the cache
        assert _document(cached=True, text=text) == _document(cached=False, text=text)
    assert len(pdf_fonts._PARSED) == 2


def test_cached_font_with_text_shaping() -> None:
    """Shaping (kerning, ligatures) reads the font file through HarfBuzz, not the parse."""
    text = "AVATAR office ffi — Wave To"
    for _ in range(2):
        assert _document(cached=True, text=text, shaping=True) == _document(
            cached=False, text=text, shaping=True
        )


def test_documents_do_not_share_glyph_subsets() -> None:
    """Writing a PDF subsets its font in place: one document's glyphs must not limit the next."""
    pdf_fonts._PARSED.clear()
    _document(cached=True, text="aaa")
    assert _document(cached=True, text="xyz ЖЖ") == _document(cached=False, text="xyz ЖЖ")


def test_a_glyph_set_is_subset_once_and_gives_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The font subset a document embeds is made once per set of glyphs: the next document
    with the same glyphs gets the stored subset, byte for byte what fpdf2 makes itself."""
    from fontTools import subset as ftsubset

    pdf_fonts._SUBSETS.clear()
    made = []
    real = ftsubset.Subsetter.subset

    def counted(self: ftsubset.Subsetter, font: object) -> None:
        made.append(1)
        real(self, font)

    monkeypatch.setattr(ftsubset.Subsetter, "subset", counted)
    text = "Scans 1,234 · reports 56 — Zürich"
    first = _document(cached=True, text=text)
    assert len(made) == 2  # the regular and the bold face
    assert len(pdf_fonts._SUBSETS) == 2
    again = _document(cached=True, text=text)
    assert len(made) == 2  # nothing subset again
    other = _document(cached=True, text="другие буквы")
    assert len(made) == 4 and len(pdf_fonts._SUBSETS) == 4
    made.clear()
    assert first == again == _document(cached=False, text=text)
    assert other == _document(cached=False, text="другие буквы")
    assert len(made) == 4  # fpdf2's own fonts are subset as before, every time
