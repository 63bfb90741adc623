"""TrueType fonts for fpdf2 documents, parsed once per process.

``FPDF.add_font`` reads a font's character map and the width of each of its thousands of
glyphs every time it is called (~90 ms for DejaVu Sans); a server making PDFs paid that on
every request. Here the parsed font is kept per (file, face) and each document gets its own
copy of the parts a document changes (the subset of glyphs it uses, the widths looked up,
and a freshly opened font file, since writing the PDF subsets that file in place).

fpdf is imported only when a PDF is made: a server process holds it only then.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

_PARSED: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()


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
    from fontTools import ttLib
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
    font.ttfont = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=face, lazy=True)
    font.cw = defaultdict(template.cw.default_factory, template.cw)
    font.glyph_ids = dict(template.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")
