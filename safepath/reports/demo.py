"""The demo report and its known receipt (registered with ``safepath.core.demo``)."""

from __future__ import annotations

from typing import Any

from safepath.accounts.demo import DEMO_ORGANIZATIONS
from safepath.accounts.models import User
from safepath.placements.models import Placement
from safepath.reports.services import report_seed_demo


def seed_reports(summary: dict[str, list[dict[str, Any]]]) -> None:
    """A report at the first demo organization's first placement, with a printed receipt."""
    first = Placement.objects.filter(organization__slug=DEMO_ORGANIZATIONS[0].slug).first()
    if first is None:
        return
    responder = User.objects.filter(email=DEMO_ORGANIZATIONS[0].users[1].email).first()
    _, receipt = report_seed_demo(placement=first, author=responder)
    summary["reports"].append({"placement": first.code, "receipt": receipt})
