"""The monthly summary PDF for a chief, a board or a grant report (fpdf2, like case summaries).

Counts and durations only: the same figures as the page, for one calendar month in the
organization's time zone, with the heat grid drawn as shaded squares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.core.pdf_fonts import SummaryDocument

if TYPE_CHECKING:
    from safepath.analytics.views import Figures


def monthly_summary_pdf(figures: Figures) -> bytes:
    f = figures
    doc = SummaryDocument()  # fpdf is imported only now: a server holds it only then
    pdf, family, heading, line = doc.pdf, doc.family, doc.heading, doc.line

    doc.title(f"{f.organization.name}: {f.period.start.strftime('%B %Y')}")
    line(
        _("SafePath monthly summary, %(start)s to %(end)s (%(zone)s), printed %(now)s.")
        % {
            "start": f.period.start,
            "end": f.period.end,
            "zone": f.organization.time_zone,
            "now": timezone.now().astimezone(f.organization.zone).strftime("%Y-%m-%d %H:%M"),
        }
    )
    line(_("Counts only: nothing in this summary comes from what a reporter wrote."))

    heading(_("Activity"))
    t, p = f.when.totals, f.when.previous_totals
    for key, label in (
        ("scans", _("Scans")),
        ("reports_started", _("Reports started")),
        ("reports_answered", _("Reports with an answer")),
        ("followups", _("Follow-up visits")),
    ):
        line(f"{label}: {t[key]}  ({_('month before')}: {p[key]})")

    heading(_("When: scans by weekday and hour"))
    grid = f.when.grids[0]
    size = 6.2
    pdf.set_font(family, size=6)
    x0, y0 = pdf.get_x() + 10, pdf.get_y()
    for hour in range(0, 24, 3):
        pdf.text(x0 + hour * size + 0.5, y0 + 3, f"{hour:02d}")
    top = grid.maximum or 1
    for row_index, (weekday, cells) in enumerate(grid.table()):
        y = y0 + 5 + row_index * size
        pdf.text(x0 - 10, y + 4, weekday)
        for hour, (count, _shade) in enumerate(cells):
            level = int(255 - 200 * count / top)
            pdf.set_fill_color(level, level, 255)
            pdf.rect(x0 + hour * size, y, size - 0.4, size - 0.4, style="F")
    pdf.set_y(y0 + 5 + 7 * size + 3)
    pdf.set_font(family, size=10)
    line(
        _("Busiest hour of the week: %(v)s scans in one weekday-hour square.") % {"v": grid.maximum}
    )

    heading(_("Funnel"))
    total = f.funnel.total.counts
    line(
        _(
            "%(scans)s scans, %(started)s reports started, %(answered)s answered, "
            "%(receipts)s receipts kept, %(followups)s follow-up visits."
        )
        % {
            "scans": total.get("scans", 0),
            "started": total.get("reports_started", 0),
            "answered": total.get("reports_answered", 0),
            "receipts": total.get("receipts", 0),
            "followups": total.get("followups", 0),
        }
    )
    for row in f.funnel.site_types[:8]:
        line(
            f"  {row.label}: {row.counts.get('scans', 0)} / {row.counts.get('reports_started', 0)}"
        )
    if f.funnel.never_scanned:
        line(
            _("%(n)s placements were never scanned this month.")
            % {"n": len(f.funnel.never_scanned)}
        )

    heading(_("Hotspots"))
    significant = f.where.significant
    if not significant:
        line(_("No area stood out from its neighbourhood beyond chance."))
    for h in significant[:10]:
        line(f"{', '.join(h.placements)}: {int(h.result.count)} · {h.words}")
    for c in f.where.changes[:10]:
        line(f"{c.placement.public_name}: {c.result.recent} ({c.result.expected:.1f}) · {c.words}")

    heading(_("Response"))
    r = f.response.total
    line(
        _(
            "%(reports)s reports; median time to acknowledge %(median)s, 90th percentile "
            "%(p90)s; %(escalated)s escalations; %(past)s past their time limit; %(closed)s "
            "closed (median %(close)s)."
        )
        % {
            "reports": r.reports,
            "median": r.ack_median,
            "p90": r.ack_p90,
            "escalated": r.escalated,
            "past": r.past_limit,
            "closed": r.closed,
            "close": r.close_median,
        }
    )
    for priority in f.response.by_priority:
        line(f"  {priority.label}: {priority.reports} · {priority.ack_median} / {priority.ack_p90}")
    for _code, label, n in f.response.outcomes:
        line(f"  {label}: {n}")

    heading(_("Training participation"))
    tr = f.training
    line(
        _(
            "%(members)s members; %(assigned)s with training assigned; %(open)s open and "
            "%(overdue)s overdue assignments; %(done)s courses completed this month."
        )
        % {
            "members": tr.members,
            "assigned": tr.members_assigned,
            "open": tr.assignments_open,
            "overdue": tr.assignments_overdue,
            "done": tr.completed_in_period,
        }
    )
    return bytes(pdf.output())
