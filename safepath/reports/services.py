"""Writes on reports. Every answer goes through ``report_add_answer``."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from safepath.core.live import publish_to_organizations
from safepath.placements.models import Placement
from safepath.placements.services import placement_count
from safepath.reports.models import Report, ReportEntry
from safepath.routing.selectors import recipient_organization_ids
from safepath.routing.services import report_route


def hash_browser_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def report_start(*, placement: Placement, step: str, value: str) -> tuple[Report, str]:
    """Create a report with its first answer, route it, and return it with the browser token.

    Creating, routing and queueing deliveries happen in one transaction: once the reporter is
    told the answer was saved, the responders are certain to hear of it.
    """
    token = secrets.token_urlsafe(32)
    report = Report.objects.create(
        placement=placement, browser_token_hash=hash_browser_token(token)
    )
    placement_count(placement=placement, counter="reports_started")
    placement_count(placement=placement, counter="reports_answered")
    report_route(report=report)
    report_add_answer(report=report, step=step, value=value)
    return report, token


@transaction.atomic
def report_add_answer(*, report: Report, step: str, value: str) -> ReportEntry:
    """Save one answer and tell the recipients' dashboards once it is committed."""
    entry = ReportEntry.objects.create(report=report, step=step, body=value)
    Report.objects.filter(pk=report.pk).update(last_activity_at=timezone.now())
    publish_to_organizations(
        recipient_organization_ids(report=report),
        {"kind": "report", "report": report.reference, "placement": report.placement.public_name},
    )
    return entry
