"""The case summary PDF for prosecutors and audits (fpdf2, with a Unicode font)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from safepath.cases.indicators import INDICATORS_BY_CODE, NOT_PROOF
from safepath.cases.models import Case
from safepath.core.pdf_fonts import SummaryDocument
from safepath.reports.models import Report


def case_summary_pdf(*, case: Case, reports: QuerySet[Report]) -> bytes:
    """The case as a PDF; ``reports`` are the linked reports the reader may see."""
    doc = SummaryDocument()  # fpdf is imported only now: a server holds it only then
    pdf, heading, line = doc.pdf, doc.heading, doc.line
    doc.title(f"Case {case.reference}: {case.title}")
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
