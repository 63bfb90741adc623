"""Reads for the responders' side, always scoped to the member's organizations."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.http import Http404

from safepath.accounts.access import organizations_for
from safepath.accounts.models import User
from safepath.reports.models import Report


def reports_for_inbox(*, user: User | AnonymousUser) -> QuerySet[Report]:
    """Reports received by any of the user's organizations, newest activity first."""
    received = Report.objects.filter(recipients__organization__in=organizations_for(user))
    return (
        Report.objects.filter(pk__in=received.values("pk"))
        .select_related("placement")
        .annotate(answer_count=Count("entries"))
        .order_by("-last_activity_at", "-pk")
    )


def get_report_for_member(*, user: User | AnonymousUser, reference: str) -> Report:
    """The report with this reference if one of the user's organizations received it; else 404."""
    try:
        return reports_for_inbox(user=user).get(reference=reference)
    except Report.DoesNotExist:
        raise Http404 from None
