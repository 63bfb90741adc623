"""Filters for the inbox rows, which are drawn a hundred at a time.

Django's ``get_status_display`` translates every status label on each call, and a failed
attribute lookup in a template (``report.handling.assignee`` on a report nobody handles yet)
lists every attribute of the report to tell a property's error from a missing name. Once per
row, a hundred rows per page, both were a large part of drawing the inbox.
"""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from safepath.cases.models import ReportHandling
from safepath.reports.models import Report, ReportStatus

register = template.Library()

_STATUS_LABELS: dict[str | None, dict[str, str]] = {}


@register.filter
def status_label(report: Report) -> str:
    """The report's status in the reader's language (labels translated once per language)."""
    language = get_language()
    labels = _STATUS_LABELS.get(language)
    if labels is None:
        labels = _STATUS_LABELS[language] = {
            value: str(label) for value, label in ReportStatus.choices
        }
    return labels.get(report.status, report.status)


@register.filter
def handling_of(report: Report) -> ReportHandling | None:
    """The report's handling (assignee, unit), or None while nobody has taken it."""
    return getattr(report, "handling", None)
