"""TrueType fonts for fpdf2 documents, parsed once per process.

``FPDF.add_font`` reads a font's character map and the width of each of its thousands of
glyphs every time it is called (~90 ms for DejaVu Sans); a server making PDFs paid that on
every request. Here the parsed font is kept per (file, face) and each document gets its own
copy of the parts a document changes (the subset of glyphs it uses, the widths looked up,
and a freshly opened font file, since writing the PDF subsets that file in place).

Writing a PDF subsets each font to the glyphs the document used (fontTools decompiles the
font's character map, glyph names and outlines to do it: ~25 ms for DejaVu Sans, most of a
short summary's time). Documents made with :func:`add_font` keep the result per (file, face,
glyphs requested): the next document that uses the same glyphs, as a monthly summary month
after month mostly does, embeds the same bytes without subsetting again.

fpdf is imported only when a PDF is made: a server process holds it only then.
"""

from __future__ import annotations

import copy
import io
import threading
import types
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

# Tables fpdf2 drops from every embedded subset (fpdf/output.py, ``_add_fonts``). Taken out
# of each document's font file before it is written, so the subsetter does not decompile
# them only to drop them (GSUB/GPOS are half of its time). Not for colour fonts, which
# fpdf2 draws from their own tables.
_DROPPED_ON_OUTPUT = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta")

_PARSED: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()

# Subset fonts made, per (file, face, glyphs requested, subsetter options): the font file's
# bytes and its glyph ids by name. A few dozen glyph sets cover a process's documents; the
# oldest goes first when there are more.
_SUBSETS: dict[tuple[Any, ...], _Subset] = {}
_SUBSETS_KEPT = 64


@dataclass(frozen=True)
class _Subset:
    data: bytes
    glyph_ids: dict[str, int]


def _document_font_class() -> type:
    """The font file class a document made with :func:`add_font` holds (made on first use,
    so fontTools is imported only when a PDF is made)."""
    global _DOCUMENT_FONT
    if _DOCUMENT_FONT is None:
        from fontTools import subset as ftsubset
        from fontTools import ttLib
        from fpdf import output

        class DocumentFont(ttLib.TTFont):
            """A document's own font file. Once subset (or given a stored subset), it reads
            its glyph ids and writes its bytes from that subset."""

            source: tuple[str, int]
            subset_made: _Subset | None = None

            def getGlyphID(self, glyphName: str) -> int:
                if self.subset_made is not None:
                    return self.subset_made.glyph_ids[glyphName]
                return int(super().getGlyphID(glyphName))

            def save(self, file: Any, reorderTables: bool | None = True) -> None:
                if self.subset_made is not None:
                    file.write(self.subset_made.data)
                    return
                super().save(file, reorderTables)

        class SubsetOnce(ftsubset.Subsetter):
            """fontTools' subsetter, which for a :class:`DocumentFont` subsets a given glyph
            set of a font file once per process and hands the stored result out after."""

            def populate(
                self,
                glyphs: Any = (),
                gids: Any = (),
                unicodes: Any = (),
                text: str = "",
            ) -> None:
                self.requested = (
                    tuple(sorted(glyphs)),
                    tuple(sorted(gids)),
                    tuple(sorted(unicodes)),
                    text,
                )
                super().populate(
                    glyphs=list(glyphs), gids=list(gids), unicodes=list(unicodes), text=text
                )

            def subset(self, font: Any) -> None:
                if not isinstance(font, DocumentFont) or font.subset_made is not None:
                    super().subset(font)
                    return
                key = (
                    font.source,
                    getattr(self, "requested", None),
                    repr(sorted(vars(self.options).items())),
                )
                with _LOCK:
                    found = _SUBSETS.get(key)
                if found is None:
                    super().subset(font)
                    buffer = io.BytesIO()
                    font.save(buffer)
                    order = font.getGlyphOrder()
                    found = _Subset(buffer.getvalue(), {n: i for i, n in enumerate(order)})
                    with _LOCK:
                        while len(_SUBSETS) >= _SUBSETS_KEPT:
                            del _SUBSETS[next(iter(_SUBSETS))]
                        _SUBSETS[key] = found
                font.subset_made = found

        # fpdf2 subsets through the module it imported (``fpdf.output.ftsubset``): the same
        # module with this subsetter in it. Any other font goes through fontTools as before.
        with_cache = types.ModuleType(ftsubset.__name__, ftsubset.__doc__)
        with_cache.__dict__.update(vars(ftsubset))
        with_cache.Subsetter = SubsetOnce  # type: ignore[attr-defined]
        output.ftsubset = with_cache
        _DOCUMENT_FONT = DocumentFont
    return _DOCUMENT_FONT


_DOCUMENT_FONT: type | None = None


def _parsed(path: str, face: int) -> Any:
    key = (path, face)
    with _LOCK:
        template = _PARSED.get(key)
        if template is None:
            from fpdf import FPDF

            scratch = FPDF()
            scratch.add_font("cached", fname=path, collection_font_number=face)
            template = scratch.fonts["cached"]
            _PARSED[key] = template
        return template


def add_font(pdf: FPDF, family: str, path: str | Path, style: str = "", *, face: int = 0) -> None:
    """``pdf.add_font(family, style, path, collection_font_number=face)``, parsing the
    font file only the first time this process sees it (same result in the document)."""
    from fpdf.fonts import SubsetMap, TextEmphasis

    path = str(path)
    style = "".join(sorted(style.upper()))
    fontkey = f"{family.lower()}{style}"
    if fontkey in pdf.fonts:
        return
    template = _parsed(path, face)
    if template.color_font is not None:  # drawn through the document: no shared parse
        pdf.add_font(family, style, path, collection_font_number=face)
        return
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.emphasis = TextEmphasis.coerce(style)
    with _LOCK:
        document_font = _document_font_class()
    font.ttfont = document_font(path, recalcTimestamp=False, fontNumber=face, lazy=True)
    font.ttfont.source = (path, face)
    # fontTools' subsetter drops a legacy 'kern' table when there is a GPOS
    # (Options.legacy_kern = False): decided before GPOS goes.
    tags = _DROPPED_ON_OUTPUT + (("kern",) if "GPOS" in font.ttfont else ())
    for tag in tags:
        if tag in font.ttfont:
            del font.ttfont[tag]
    font.cw = defaultdict(template.cw.default_factory, template.cw)
    font.glyph_ids = dict(template.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


BODY_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


def body_font() -> Path | None:
    """The font summaries are set in: ``settings.PDF_FONT``, else DejaVu or Noto Sans."""
    from django.conf import settings

    for candidate in (getattr(settings, "PDF_FONT", ""), *BODY_FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class SummaryDocument:
    """A Letter document in the body font, with the title, headings and lines that the case
    summary and the monthly analytics summary share. Without a body font it falls back to
    Helvetica (Latin-1 only): better a plain summary than none."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="Letter")
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.add_page()
        font = body_font()
        if font is not None:
            add_font(self.pdf, "body", font)
            self.family = "body"
        else:
            self.family = "Helvetica"

    def title(self, text: str) -> None:
        self.pdf.set_font(self.family, size=16)
        self.pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(self.family, size=10)

    def heading(self, text: str) -> None:
        self.pdf.set_font(self.family, size=13)
        self.pdf.ln(3)
        self.pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_font(self.family, size=10)

    def line(self, text: str) -> None:
        self.pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
