"""Print-ready posters and sticker sheets as PDF, made with fpdf2 and real text shaping.

Text goes through HarfBuzz (fpdf2's ``set_text_shaping``), so Arabic letters join and read
right to left, Vietnamese stacked marks sit where they belong, and Chinese and Korean use
their own Noto faces. Fonts come from the operating system (Debian's fonts-noto-core and
fonts-noto-cjk), found under ``settings.POSTER_FONT_DIR``; nothing is bundled.

The QR code is drawn as vector squares from segno's matrix, with its four-module quiet zone
kept white, so it prints sharp at any size.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from safepath.core.pdf_fonts import add_font
from safepath.placements import qr
from safepath.placements.models import Placement, PosterPaper
from safepath.placements.poster_text import POSTER_TEXT, PosterText

# fontTools reports every table it subsets at INFO: noise in the worker's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class PosterFontsMissing(Exception):  # reads as what went wrong
    """The Noto fonts posters need are not installed where POSTER_FONT_DIR points."""


# Font family -> (regular file, bold file, face number inside a .ttc collection).
FONT_FILES: dict[str, tuple[str, str, int]] = {
    "latin": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", 0),
    "arabic": ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", 0),
    "sc": ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 2),  # Simplified Chinese face
    "kr": ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 1),  # Korean face
}
DEBIAN_PACKAGES = "fonts-noto-core fonts-noto-cjk"

PAGE_SIZES_MM: dict[str, tuple[float, float]] = {
    PosterPaper.LETTER: (215.9, 279.4),
    PosterPaper.A4: (210.0, 297.0),
    PosterPaper.STICKERS: (215.9, 279.4),  # a US Letter sheet of stickers
}
INK = (20, 20, 20)
SOFT = (90, 90, 90)


@dataclass(frozen=True)
class PosterSpec:
    """Everything a poster shows, independent of the database row."""

    code: str
    grouped_code: str
    scan_url: str
    public_name: str
    languages: tuple[str, ...]

    @classmethod
    def of(cls, placement: Placement) -> PosterSpec:
        languages = tuple(lang for lang in placement.languages if lang in POSTER_TEXT) or ("en",)
        return cls(
            code=placement.code,
            grouped_code=placement.grouped_code,
            scan_url=qr.scan_url(placement),
            public_name=placement.public_name,
            languages=languages,
        )

    @property
    def typed_address(self) -> str:
        """What a person can type instead of scanning: host and grouped code, no scheme."""
        parts = urlsplit(settings.BASE_URL)
        return f"{parts.netloc}{parts.path}/Q/{self.grouped_code}"


@functools.lru_cache(maxsize=8)
def _index_fonts(font_dir: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    root = Path(font_dir)
    if root.is_dir():
        for path in root.rglob("Noto*"):
            found.setdefault(path.name, path)
    return found


def find_fonts(families: Iterable[str]) -> dict[str, tuple[Path, Path, int]]:
    """The font files for these families, or PosterFontsMissing naming what to install."""
    index = _index_fonts(settings.POSTER_FONT_DIR)
    fonts: dict[str, tuple[Path, Path, int]] = {}
    missing: list[str] = []
    for family in families:
        regular, bold, face = FONT_FILES[family]
        if regular in index and bold in index:
            fonts[family] = (index[regular], index[bold], face)
        else:
            missing.append(regular)
    if missing:
        _index_fonts.cache_clear()  # look again next time: the fonts may be installed by then
        raise PosterFontsMissing(
            f"Poster fonts not found under {settings.POSTER_FONT_DIR}: {', '.join(missing)}. "
            f"Install Debian's {DEBIAN_PACKAGES} (or set POSTER_FONT_DIR)."
        )
    return fonts


def fonts_available() -> bool:
    try:
        find_fonts(FONT_FILES)
    except PosterFontsMissing:
        return False
    return True


class PosterDocument:
    """One PDF of posters or sticker sheets. Fonts are loaded once for the whole document."""

    def __init__(self, *, paper: str, languages: Iterable[str]) -> None:
        if paper not in PAGE_SIZES_MM:
            raise ValueError(f"Unknown poster paper: {paper}")
        self.paper = paper
        families = {"latin"} | {POSTER_TEXT[lang].script for lang in languages}
        fonts = find_fonts(sorted(families))
        # Imported when used: a server process holds it only then.
        from fpdf import FPDF

        self.pdf = FPDF(unit="mm", format=PAGE_SIZES_MM[paper])
        self.pdf.set_auto_page_break(auto=False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.set_creator("SafePath")
        self.pdf.set_title("SafePath poster")
        for family, (regular, bold, face) in fonts.items():
            add_font(self.pdf, family, regular, face=face)
            add_font(self.pdf, family, bold, "B", face=face)
        # A public name in another script still prints: fall back through the loaded faces.
        self.pdf.set_fallback_fonts(["latin", *(f for f in sorted(fonts) if f != "latin")])
        self.pdf.set_text_shaping(True)

    # Text helpers -------------------------------------------------------------------------

    def _font_for(self, text: PosterText, *, bold: bool, size: float) -> None:
        self.pdf.set_font(text.script, "B" if bold else "", size)
        self.pdf.set_text_shaping(
            use_shaping_engine=True,
            direction="rtl" if text.rtl else "ltr",
            script="arab" if text.rtl else None,
            language="ar" if text.rtl else None,
        )

    def _latin(self, *, bold: bool, size: float) -> None:
        self.pdf.set_font("latin", "B" if bold else "", size)
        self.pdf.set_text_shaping(use_shaping_engine=True, direction="ltr")

    def _lines(self, x: float, y: float, width: float, line: str, size: float) -> float:
        """Write centred lines from ``y``; return the y below them."""
        height = size * 0.45  # mm per line for this point size, with some leading
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(width, height, line, align="C", new_x="LMARGIN", new_y="NEXT")
        return self.pdf.get_y()

    @staticmethod
    def _number(text: PosterText, number: str) -> str:
        # In right-to-left text a phone number must stay one left-to-right run: isolate it,
        # or the bidi algorithm may reorder its dash-separated groups.
        return f"\u2066{number}\u2069" if text.rtl else number

    def _hotlines(self, text: PosterText) -> str:
        return "  ·  ".join(
            f"{label} {self._number(text, number)}"
            for label, number in (
                (text.call, settings.HOTLINE_PHONE),
                (text.text, settings.HOTLINE_SMS),
                (text.emergency, settings.EMERGENCY_NUMBER),
            )
        )

    def _qr(self, spec: PosterSpec, x: float, y: float, size: float) -> None:
        """Draw the QR code (quiet zone included) as a ``size`` mm square at x, y."""
        rows = [list(row) for row in qr.make_qr_for_url(spec.scan_url).matrix_iter(border=4)]
        module = size / len(rows)
        self.pdf.set_fill_color(255, 255, 255)
        self.pdf.rect(x, y, size, size, style="F")
        self.pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # A run of dark modules as one rectangle: smaller file, no hairline seams.
                self.pdf.rect(x + start * module, y + r * module, (c - start) * module, module, "F")

    # Pages ----------------------------------------------------------------------------------

    def add_poster(self, spec: PosterSpec) -> None:
        pdf = self.pdf
        pdf.add_page()
        width, height = PAGE_SIZES_MM[self.paper]
        margin = 16.0
        inner = width - 2 * margin
        texts = [POSTER_TEXT[lang] for lang in spec.languages]
        pdf.set_text_color(*INK)

        y = margin
        for index, text in enumerate(texts):
            main = index == 0
            self._font_for(text, bold=True, size=26 if main else 17)
            y = self._lines(margin, y, inner, text.headline, 26 if main else 17) + 1.5
            self._font_for(text, bold=False, size=13 if main else 11)
            pdf.set_text_color(*SOFT)
            y = self._lines(margin, y, inner, text.body, 13 if main else 11) + 5
            pdf.set_text_color(*INK)

        bottom_block = 20 + 6 * len(texts) + 16
        qr_size = max(60.0, min(110.0, height - margin - bottom_block - y - 4))
        self._qr(spec, (width - qr_size) / 2, y, qr_size)
        y += qr_size + 3

        self._latin(bold=False, size=11)
        pdf.set_text_color(*SOFT)
        y = self._lines(margin, y, inner, spec.typed_address, 11)
        self._latin(bold=True, size=30)
        pdf.set_text_color(*INK)
        y = self._lines(margin, y + 1, inner, spec.grouped_code, 30) + 3
        for text in texts:
            self._font_for(text, bold=False, size=11)
            y = self._lines(margin, y, inner, self._hotlines(text), 11) + 0.5

        self._latin(bold=False, size=7)
        pdf.set_text_color(*SOFT)
        self._lines(margin, height - margin + 4, inner, spec.public_name, 7)
        pdf.set_text_color(*INK)

    def add_sticker_sheet(self, spec: PosterSpec) -> None:
        """Ten stickers of one code: for restroom stalls and discharge packets."""
        pdf = self.pdf
        pdf.add_page()
        width, _height = PAGE_SIZES_MM[self.paper]
        columns, rows = 2, 5
        margin_x, margin_y, gap = 10.0, 12.0, 4.0
        sticker_w = (width - 2 * margin_x - gap) / columns
        sticker_h = 48.0
        texts = [POSTER_TEXT[lang] for lang in spec.languages]
        for row in range(rows):
            for column in range(columns):
                x = margin_x + column * (sticker_w + gap)
                y = margin_y + row * (sticker_h + gap)
                pdf.set_draw_color(190, 190, 190)
                pdf.set_line_width(0.2)
                pdf.rect(x, y, sticker_w, sticker_h, round_corners=True, corner_radius=3)
                qr_size = sticker_h - 6
                self._qr(spec, x + 3, y + 3, qr_size)
                text_x = x + qr_size + 5
                text_w = sticker_w - qr_size - 8
                line_y = y + 4
                for index, text in enumerate(texts):
                    size = 8.5 if index == 0 else 6.5
                    self._font_for(text, bold=index == 0, size=size)
                    line_y = self._lines(text_x, line_y, text_w, text.headline, size) + 1
                self._latin(bold=True, size=10)
                line_y = self._lines(text_x, line_y + 0.5, text_w, spec.grouped_code, 10)
                self._font_for(texts[0], bold=False, size=6.5)
                phone = self._number(texts[0], settings.HOTLINE_PHONE)
                self._lines(text_x, line_y, text_w, f"{texts[0].call} {phone}", 6.5)

    def add(self, spec: PosterSpec) -> None:
        if self.paper == PosterPaper.STICKERS:
            self.add_sticker_sheet(spec)
        else:
            self.add_poster(spec)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def posters_pdf(
    specs: Sequence[PosterSpec],
    *,
    paper: str,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One PDF with a page per placement. ``progress(n)`` is told how many pages are done."""
    document = PosterDocument(paper=paper, languages={lang for s in specs for lang in s.languages})
    for index, spec in enumerate(specs, start=1):
        document.add(spec)
        if progress is not None:
            progress(index)
    return document.output()


def poster_pdf(placement: Placement, *, paper: str = PosterPaper.LETTER) -> bytes:
    return posters_pdf([PosterSpec.of(placement)], paper=paper)
