"""Reads on routing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safepath.routing.models import ReportRecipient

if TYPE_CHECKING:
    from safepath.reports.models import Report


def recipient_organization_ids(*, report: Report) -> list[int]:
    return list(
        ReportRecipient.objects.filter(report=report).values_list("organization_id", flat=True)
    )
