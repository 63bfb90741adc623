"""The case summary PDF for prosecutors and audits (fpdf2, with a Unicode font)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from safepath.cases.indicators import INDICATORS_BY_CODE, NOT_PROOF
from safepath.cases.models import Case
from safepath.core.pdf_fonts import add_font
from safepath.reports.models import Report

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


def _font() -> Path | None:
    for candidate in (getattr(settings, "PDF_FONT", ""), *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def case_summary_pdf(*, case: Case, reports: QuerySet[Report]) -> bytes:
    """The case as a PDF; ``reports`` are the linked reports the reader may see."""
    # Imported when used: a server process holds it only then.
    from fpdf import FPDF

    pdf = FPDF(format="Letter")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    font = _font()
    if font is not None:
        add_font(pdf, "body", font)
        family = "body"
    else:  # Latin-1 only: better a plain summary than none
        family = "Helvetica"

    def heading(text: str) -> None:
        pdf.set_font(family, size=13)
        pdf.ln(3)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=10)

    def line(text: str) -> None:
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")

    pdf.set_font(family, size=16)
    pdf.multi_cell(0, 9, f"Case {case.reference}: {case.title}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    line(
        f"{case.organization.name} · opened {case.created_at:%Y-%m-%d} · status {case.status} · "
        f"printed {timezone.now():%Y-%m-%d %H:%M} UTC"
    )
    heading("Linked reports")
    for report in reports.select_related("placement"):
        line(
            f"{report.reference} · {report.placement.public_name} · "
            f"{report.created_at:%Y-%m-%d %H:%M} · {report.status} · priority {report.priority}"
        )
        for answer in report.entries.all():
            line(f"    {answer.created_at:%H:%M} {answer.step}: {answer.body}")
    heading("People, vehicles, phone numbers, locations")
    for entry in case.entries.all():
        line(
            f"{entry.get_kind_display()}: {entry.value}"
            + (f" ({entry.note})" if entry.note else "")
        )
    heading("Observations")
    line(str(NOT_PROOF))
    for observation in case.observations.select_related("recorded_by"):
        indicator = INDICATORS_BY_CODE.get(observation.indicator)
        text = str(indicator.text) if indicator else observation.indicator
        line(
            f"{observation.recorded_at:%Y-%m-%d} {observation.indicator} {text}"
            f" (recorded by {observation.recorded_by.email})"
            + (f": {observation.note}" if observation.note else "")
        )
    heading("Notes")
    for note in case.notes.select_related("author"):
        line(f"{note.created_at:%Y-%m-%d %H:%M} {note.author.email}: {note.body}")
    heading("Documents")
    for document in case.documents.defer("sealed_data"):
        line(f"{document.name} ({document.content_type}, {document.size} bytes)")
    return bytes(pdf.output())
