"""The compliance table's cells, written in one pass: a page shows 100 people x every
requirement, and the template engine's per-variable lookups cost more than the data."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from safepath.training.selectors import ComplianceRow

register = template.Library()

NOT_APPLICABLE = '<td class="muted">—</td>'


@register.filter
def compliance_cells(row: ComplianceRow) -> SafeString:
    """One ``<td>`` per requirement: the status (and due date), or a dash where the
    requirement does not apply. Every value is escaped by ``format_html``; a page repeats
    few distinct cells, so each is written once."""
    parts = []
    for cell in row.cells:
        if cell is None:
            parts.append(NOT_APPLICABLE)
            continue
        parts.append(_cell(cell.status, cell.due_on))
    return mark_safe("".join(parts))  # noqa: S308  (each part escaped by format_html)


@lru_cache(maxsize=4096)  # five statuses x the due dates pages show; bounded
def _cell(status: str, due_on: date | None) -> str:
    if due_on:
        return format_html(
            '<td class="st-{}">{}<br><small>{}</small></td>',
            status,
            status,
            due_on.strftime("%Y-%m-%d"),
        )
    return format_html('<td class="st-{}">{}</td>', status, status)
