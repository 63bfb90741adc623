"""Reads for the reporter's side."""

from __future__ import annotations

from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import hash_browser_token


def report_for_browser(*, placement: Placement, token: str | None) -> Report | None:
    """The report this browser started at this placement, if its cookie still ties it."""
    if not token or len(token) > 100:
        return None
    return Report.objects.filter(
        placement=placement, browser_token_hash=hash_browser_token(token)
    ).first()
