"""PDFs for training: the certificate (with a QR code to its public verification page) and
the compliance export for audits. Set in DejaVu Sans from Debian's fonts-dejavu-core, which
covers the Latin text of English and Spanish; no font is committed to the repository."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from safepath.core.pdf_fonts import add_font

if TYPE_CHECKING:
    from fpdf import FPDF

    from safepath.training.models import Certificate
    from safepath.training.selectors import ComplianceMatrix, Credit, Transcript

FONT_DIR = Path(getattr(settings, "PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


def _document(orientation: str = "P") -> FPDF:
    # Imported when used: a server process holds it only then.
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format="Letter")
    pdf.set_creator("SafePath")
    add_font(pdf, "DejaVu", FONT_DIR / "DejaVuSans.ttf")
    add_font(pdf, "DejaVu", FONT_DIR / "DejaVuSans-Bold.ttf", "B")
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def verify_url(certificate_id: str) -> str:
    return f"{settings.BASE_URL}/verify/{certificate_id}"


def _day(value: date | None) -> str:
    return value.isoformat() if value else _("does not expire")


def certificate_pdf(*, certificate: Certificate) -> bytes:
    pdf = _document("L")
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(28)
    pdf.set_font("DejaVu", "B", 28)
    pdf.cell(0, 14, _("Certificate of completion"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(0, 10, _("This certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(0, 14, certificate.name_as_printed, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 14)
    pdf.cell(0, 10, _("completed the course"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_x(30)
    pdf.multi_cell(pdf.w - 60, 8, certificate.course_title, align="C")
    pdf.set_font("DejaVu", "", 11)
    lines = [
        _("Course version: %(v)s") % {"v": certificate.version_label},
        _("Issued by: %(org)s") % {"org": certificate.organization.name},
        _("Completed on: %(d)s") % {"d": certificate.issued_on.isoformat()},
        _("Expires: %(d)s") % {"d": _day(certificate.expires_on)},
        _("Certificate id: %(id)s") % {"id": certificate.id},
    ]
    pdf.set_y(pdf.h - 72)
    for line in lines:
        pdf.set_x(24)
        pdf.cell(150, 7, line, new_x="LMARGIN", new_y="NEXT")
    import segno  # imported when used: a server holds it only then
    from fpdf.enums import WrapMode

    qr = io.BytesIO()
    segno.make(verify_url(certificate.id), error="m").save(qr, kind="png", scale=10, border=4)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - 72, y=pdf.h - 76, w=50, h=50)
    # The verification URL goes under the QR code, inside the border whatever the length of
    # the deployment's address: shrink the type to fit, and break the line if even 6 pt
    # does not fit.
    url = verify_url(certificate.id)
    border_right = pdf.w - 10 - 3
    left = pdf.w - 130
    width = border_right - left
    size = 9.0
    pdf.set_font("DejaVu", "", size)
    while pdf.get_string_width(url) > width and size > 6:
        size -= 0.5
        pdf.set_font("DejaVu", "", size)
    pdf.set_xy(left, pdf.h - 25)
    if pdf.get_string_width(url) <= width:
        pdf.cell(width, 4, url, align="R")
    else:
        pdf.multi_cell(width, 3.2, url, align="R", wrapmode=WrapMode.CHAR)
    return bytes(pdf.output())


STATUS_LABELS = {
    "pending": "pending",
    "compliant": "compliant",
    "due_soon": "due soon",
    "overdue": "OVERDUE",
    "expired": "EXPIRED",
}


def compliance_pdf(*, matrix: ComplianceMatrix, today: date) -> bytes:
    pdf = _document("L")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    title = _("Training compliance: %(unit)s") % {"unit": matrix.scope}
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    summary = ", ".join(f"{STATUS_LABELS[k]}: {v}" for k, v in matrix.counts.items())
    pdf.cell(
        0,
        6,
        _("As of %(d)s. %(n)d people, each counted under their worst standing: %(s)s")
        % {"d": today.isoformat(), "n": matrix.total_people, "s": summary},
    )
    pdf.ln(8)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    shares = (3, *([2] * len(matrix.requirements)))
    widths = [width * share / sum(shares) for share in shares]
    table = _Table(pdf, widths, heading=[_("Person"), *(r.title for r in matrix.requirements)])
    for row in matrix.rows:
        left = "" if row.active else " " + _("(left)")
        texts = [f"{row.name}{left}\n{row.units or _('no unit')}"]
        for cell in row.cells:
            if cell is None:
                texts.append("—")
                continue
            due = f" ({cell.due_on.isoformat()})" if cell.due_on else ""
            text = STATUS_LABELS[cell.status.value] + due
            if cell.last is not None:
                text += "\n" + _credit_line(cell.last)
            texts.append(text)
        table.row(texts)
    return bytes(pdf.output())


class _Table:
    """A bordered table drawn line by line, its heading repeated on every page.

    fpdf2's own table lays out every cell character by character, twice (about 0.1 s of CPU
    per row of 10 requirements): an audit export of thousands of people took minutes. Here
    words are measured once each (most repeat: statuses, dates, course versions) and
    wrapped greedily to the column, long ones (certificate ids) broken where they must.
    """

    LINE = 3.6  # mm, for 8 pt text
    PAD = 1.0

    def __init__(self, pdf: FPDF, widths: list[float], heading: list[str]) -> None:
        self.pdf, self.widths, self.heading = pdf, widths, heading
        self.measured: dict[tuple[str, str], float] = {}
        self._draw(heading, bold=True)

    def _width(self, text: str, style: str) -> float:
        key = (text, style)
        found = self.measured.get(key)
        if found is None:
            found = self.measured[key] = self.pdf.get_string_width(text)
        return found

    def _wrap(self, text: str, width: float, style: str) -> list[str]:
        lines: list[str] = []
        space = self._width(" ", style)
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                size = self._width(word, style)
                while size > width:  # a word wider than the column: break it
                    cut = len(word)
                    while cut > 1 and self._width(word[:cut], style) > width:
                        cut = max(1, cut * 2 // 3) if cut > 8 else cut - 1
                    if line:
                        lines.append(line)
                        line, used = "", 0.0
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = self._width(word, style)
                if line and used + space + size > width:
                    lines.append(line)
                    line, used = word, size
                else:
                    line, used = (f"{line} {word}", used + space + size) if line else (word, size)
            lines.append(line)
        return lines

    def _draw(self, texts: list[str], *, bold: bool = False) -> None:
        pdf = self.pdf
        style = "B" if bold else ""
        pdf.set_font("DejaVu", style, 8)
        wrapped = [
            self._wrap(text, width - 2 * self.PAD, style)
            for text, width in zip(texts, self.widths, strict=True)
        ]
        height = max(len(lines) for lines in wrapped) * self.LINE + 2 * self.PAD
        if pdf.get_y() + height > pdf.page_break_trigger and not bold:
            pdf.add_page()
            self._draw(self.heading, bold=True)
            pdf.set_font("DejaVu", style, 8)
        x, y = pdf.l_margin, pdf.get_y()
        for lines, width in zip(wrapped, self.widths, strict=True):
            pdf.rect(x, y, width, height)
            for number, line in enumerate(lines):
                if line:
                    pdf.text(x + self.PAD, y + self.PAD + (number + 0.8) * self.LINE, line)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    def row(self, texts: list[str]) -> None:
        self._draw(texts)


def _credit_line(credit: Credit) -> str:
    parts = [credit.completed_on.isoformat()]
    if credit.minutes is not None:
        parts.append(_("%(h)s h") % {"h": f"{credit.minutes / 60:.2f}"})
    if credit.score_percent is not None:
        parts.append(f"{credit.score_percent}%")
    parts.append(credit.course_version)
    if credit.certificate_id:
        parts.append(credit.certificate_id)
    return " · ".join(parts)


def transcript_pdf(*, transcript: Transcript, today: date) -> bytes:
    pdf = _document("L")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(
        0,
        9,
        _("Training transcript: %(name)s") % {"name": transcript.name},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 9)
    facts = [
        transcript.organization.name,
        transcript.email,
        _("left the organization") if not transcript.active else _("active"),
        _("%(h)s hours in total") % {"h": f"{transcript.total_minutes / 60:.2f}"},
        _("as of %(d)s") % {"d": today.isoformat()},
    ]
    pdf.cell(0, 6, " · ".join(facts), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    with pdf.table(col_widths=(2, 2, 5, 2, 2, 3, 4, 2), width=width, text_align="LEFT") as table:
        header = table.row()
        for label in (
            _("Date"),
            _("Kind"),
            _("Training"),
            _("Hours"),
            _("Score"),
            _("Course version"),
            _("Certificate id"),
            _("Status"),
        ):
            header.cell(label)
        for entry in transcript.entries:
            line = table.row()
            line.cell(entry.completed_on.isoformat())
            line.cell(entry.kind_label)
            line.cell(entry.title)
            line.cell("" if entry.minutes is None else f"{entry.minutes / 60:.2f}")
            line.cell("" if entry.score_percent is None else f"{entry.score_percent}%")
            line.cell(entry.course_version)
            line.cell(entry.certificate_id)
            line.cell(entry.status)
    return bytes(pdf.output())
