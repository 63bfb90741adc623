"""Thin views over the analytics selectors: the page, its CSV tables and the monthly PDF."""

from __future__ import annotations

import csv
import functools
import gc
from collections.abc import Callable, Iterable
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safepath.accounts.models import Organization, OrganizationKind
from safepath.accounts.permissions import Capability, role_can
from safepath.analytics import fragments, selectors, services, vendor
from safepath.analytics.access import analytics_organizations, organization_for_analytics
from safepath.analytics.models import DigestSubscription, RegionalSharing
from safepath.core.spreadsheets import spreadsheet_safe


def without_cycle_collection(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run ``view`` with Python's cycle collector paused.

    The figures make tens of thousands of short-lived objects (a row, a dict, a tuple per
    placement and window) that reference counting frees as soon as they go; none forms a
    cycle. Yet the collector, triggered by the count of allocations, walks the generations
    several times per page, and every few pages the whole heap of the process (a full pass:
    70-90 ms, most of a page's p95). Paused, it finds the counts back where they were when the
    page is done, so nothing is deferred to the next request. It is process-wide: another
    thread's collection waits at most as long as a page (and it is switched back on by
    whichever caller found it on).
    """

    @functools.wraps(view)
    def paused(*args: Any, **kwargs: Any) -> HttpResponse:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return view(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()

    return paused


class Figures:
    """The figures of one organization and period, each section computed when first read
    (a CSV export reads one section; the page reads them all)."""

    def __init__(
        self, organization: Organization, period: selectors.Period, *, shared: bool = True
    ) -> None:
        self.organization = organization
        self.period = period
        self._ids = [organization.pk]
        # Shared passes over the counters pay off when several sections are read (the page,
        # the PDF); a CSV of one section reads only the window it needs.
        self._shared = shared

    # The counters are read twice per page, not once per figure: the hourly sums behind the
    # time figures, and the per-placement sums behind the funnel and the map.
    @cached_property
    def _hourly(self) -> selectors.LocalSums:
        return selectors.hourly_window(organizations=self._ids, period=self.period)

    @cached_property
    def _by_placement(self) -> dict[int, dict[str, Any]]:
        return selectors.placement_sums(organizations=self._ids, period=self.period)

    @cached_property
    def when(self) -> selectors.WhenFigures:
        rows = self._hourly if self._shared else None
        return selectors.when(organizations=self._ids, period=self.period, rows=rows)

    @cached_property
    def funnel(self) -> selectors.Funnel:
        sums = self._by_placement if self._shared else None
        return selectors.funnel(organizations=self._ids, period=self.period, sums=sums)

    @cached_property
    def engagement(self) -> list[selectors.WeekRow]:
        rows = self._hourly if self._shared else None
        return selectors.engagement(organizations=self._ids, period=self.period, rows=rows)

    @cached_property
    def where(self) -> selectors.WhereFigures:
        sums = self._by_placement if self._shared else None
        return selectors.where(organizations=self._ids, period=self.period, sums=sums)

    @cached_property
    def response(self) -> selectors.ResponseFigures:
        return selectors.response(organizations=self._ids, period=self.period)

    @cached_property
    def training(self) -> selectors.TrainingFigures:
        return selectors.training(organizations=self._ids, period=self.period)


# Per-placement lists on the page stop here; their CSV holds every placement.
PAGE_ROWS = 25


def _days(request: HttpRequest) -> int:
    raw = request.GET.get("days", str(selectors.DEFAULT_DAYS))
    if not raw.isdigit() or int(raw) not in selectors.PERIOD_CHOICES:
        raise ValueError(raw)
    return int(raw)


def figures_for(
    organization: Organization, period: selectors.Period, *, shared: bool = True
) -> Figures:
    return Figures(organization, period, shared=shared)


def _bad_period() -> HttpResponse:
    return HttpResponseBadRequest(
        _("Choose a period of 7, 28, 90 or 365 days.").encode(),
        content_type="text/plain; charset=utf-8",
    )


def _csp() -> str:
    """The staff policy, plus the operator's tile server for the map's base layer."""
    tiles = ""
    if settings.MAP_TILE_URL:
        # "{s}" subdomains become a CSP wildcard host: https://*.tile.example.org
        parts = urlsplit(settings.MAP_TILE_URL.replace("{s}", "*"))
        tiles = f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data:{tiles}",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def _map_data(figures: Figures) -> dict[str, Any]:
    words: dict[tuple[str, int], str] = {}  # one sentence per kind and level, not per cell
    for h in figures.where.hotspots:
        key = (h.result.kind, h.result.confidence)
        if key not in words:
            words[key] = h.words
    return {
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "points": figures.where.points,
        "areas": figures.where.areas,
        "cells": [
            {
                "cell": h.cell,
                "boundary": h.boundary,
                "count": h.result.count,
                "z": round(h.result.z, 2),
                "confidence": h.result.confidence,
                "kind": h.result.kind,
                "words": words[(h.result.kind, h.result.confidence)],
            }
            for h in figures.where.hotspots
        ],
    }


@login_required
@require_GET
@without_cycle_collection
def page(request: HttpRequest) -> HttpResponse:
    organization = organization_for_analytics(request.user, request.GET.get("org"))
    try:
        days = _days(request)
    except ValueError:
        return _bad_period()
    period = selectors.period_for(organization=organization, days=days)
    figures = figures_for(organization, period)
    response = render(
        request,
        "analytics/page.html",
        {
            "f": figures,
            "days": days,
            "period_choices": selectors.PERIOD_CHOICES,
            "organizations": analytics_organizations(request.user),
            "map_json": fragments.json_script(_map_data(figures), "map-data"),
            "funnel_steps": selectors.FUNNEL_STEPS,
            "tables": TABLES,
            # The repeated parts as HTML made in Python (fragments.py): the same markup
            # without the template engine's per-cell cost.
            "hours_head": fragments.HOURS_HEAD,
            "heat_grids": [(grid, fragments.heat_rows(grid)) for grid in figures.when.grids],
            "day_bars": fragments.bars(figures.when),
            "day_rows": fragments.day_rows(figures.when),
            "week_rows": fragments.week_rows(figures.engagement),
            "month": (period.end.replace(day=1)).strftime("%Y-%m"),
            "map_library": vendor.installed(),
            "can_manage": role_can(
                request.user.memberships.get(organization=organization).role,  # type: ignore[union-attr]
                Capability.ANALYTICS_MANAGE,
            ),
            "subscribed": DigestSubscription.objects.filter(
                user=request.user,  # type: ignore[misc]  # login_required: a User
                organization=organization,
            ).exists(),
            "sharing": RegionalSharing.objects.filter(organization=organization)
            .select_related("region")
            .first(),
            "regions": Organization.objects.filter(kind=OrganizationKind.TASK_FORCE).exclude(
                pk=organization.pk
            ),
            "is_region": RegionalSharing.objects.filter(region=organization).exists(),
            # The busiest placements only: an organization with thousands of posters gets
            # a readable page, and every placement in the CSV beside the table.
            "funnel_tables": [
                (
                    _("By placement"),
                    figures.funnel.placements[:PAGE_ROWS],
                    "funnel-placements",
                    len(figures.funnel.placements),
                ),
                (_("By site type"), figures.funnel.site_types, "funnel-site-types", 0),
                (_("By unit"), figures.funnel.units, "funnel-units", 0),
                (_("All placements"), [figures.funnel.total], "funnel-placements", 0),
            ],
            "never_scanned": figures.funnel.never_scanned[:PAGE_ROWS],
            "page_rows": PAGE_ROWS,
            "response_tables": [
                (_("By tier"), figures.response.by_tier, "response-tiers"),
                (_("By unit"), figures.response.by_unit, "response-units"),
                (_("By priority"), figures.response.by_priority, "response-priority"),
            ],
        },
    )
    response["Content-Security-Policy"] = _csp()
    return response


# CSV: every table the page shows ------------------------------------------------------


def _heat(f: Figures) -> Iterable[list[Any]]:
    yield [_("figure"), _("day"), *[f"{h:02d}:00" for h in range(24)]]
    for grid in f.when.grids:
        for weekday, cells in grid.table():
            yield [grid.label, weekday, *[count for count, _shade in cells]]


def _days_table(f: Figures) -> Iterable[list[Any]]:
    yield [
        _("day"),
        _("scans"),
        _("reports started"),
        _("answered"),
        _("follow-ups"),
        _("same day of previous period"),
        _("scans then"),
        _("reports started then"),
    ]
    for row in f.when.days:
        yield [
            row.day.isoformat(),
            row.counts["scans"],
            row.counts["reports_started"],
            row.counts["reports_answered"],
            row.counts["followups"],
            row.previous_day.isoformat(),
            row.previous["scans"],
            row.previous["reports_started"],
        ]


def _funnel_rows(rows: list[selectors.FunnelRow], first: str) -> Iterable[list[Any]]:
    yield [first, *[str(label) for _step, label in selectors.FUNNEL_STEPS], _("placements")]
    for row in rows:
        yield [
            spreadsheet_safe(row.label),
            *[row.counts.get(step, 0) for step, _label in selectors.FUNNEL_STEPS],
            row.placements,
        ]


def _never(f: Figures) -> Iterable[list[Any]]:
    yield [_("placement"), _("code"), _("last checked on"), _("due for a check")]
    for item in f.funnel.never_scanned:
        p = item.placement
        checked = p.last_checked_on.isoformat() if p.last_checked_on else ""
        yield [spreadsheet_safe(p.public_name), p.code, checked, item.due_for_check]


def _engagement(f: Figures) -> Iterable[list[Any]]:
    yield [_("week from"), _("scans"), _("reports started")]
    for row in f.engagement:
        yield [row.week.isoformat(), row.scans, row.reports_started]


def _hotspots(f: Figures) -> Iterable[list[Any]]:
    yield [
        _("H3 cell"),
        _("scans"),
        _("Gi* z-score"),
        _("confidence %"),
        _("meaning"),
        _("placements"),
    ]
    for h in f.where.hotspots:
        yield [
            h.cell,
            int(h.result.count),
            round(h.result.z, 3),
            h.result.confidence,
            h.words,
            spreadsheet_safe("; ".join(h.placements)),
        ]


def _changes(f: Figures) -> Iterable[list[Any]]:
    yield [
        _("placement"),
        _("scans in the last 7 days"),
        _("expected from the 8 weeks before"),
        _("confidence %"),
        _("meaning"),
    ]
    for c in f.where.changes:
        yield [
            spreadsheet_safe(c.placement.public_name),
            c.result.recent,
            round(c.result.expected, 1),
            c.result.confidence,
            c.words,
        ]


def _response_rows(rows: list[selectors.ResponseRow], first: str) -> Iterable[list[Any]]:
    yield [
        first,
        _("reports"),
        _("acknowledged"),
        _("median time to acknowledge"),
        _("90th percentile"),
        _("escalations"),
        _("past their time limit"),
        _("closed"),
        _("median time to close"),
        _("90th percentile to close"),
    ]
    for r in rows:
        yield [
            spreadsheet_safe(r.label),
            r.reports,
            r.acknowledged,
            r.ack_median,
            r.ack_p90,
            r.escalated,
            r.past_limit,
            r.closed,
            r.close_median,
            r.close_p90,
        ]


def _outcomes(f: Figures) -> Iterable[list[Any]]:
    yield [_("outcome code"), _("outcome"), _("reports")]
    for code, label, n in f.response.outcomes:
        yield [code, label, n]


def _training(f: Figures) -> Iterable[list[Any]]:
    t = f.training
    yield [_("figure"), _("value")]
    yield [_("members"), t.members]
    yield [_("members with training assigned"), t.members_assigned]
    yield [_("open assignments"), t.assignments_open]
    yield [_("overdue assignments"), t.assignments_overdue]
    yield [_("courses completed in the period"), t.completed_in_period]
    yield [_("members who completed a course in the period"), t.members_completed]


TABLES: dict[str, tuple[str, Callable[[Figures], Iterable[list[Any]]]]] = {
    "heat": ("Heat grid", _heat),
    "days": ("Per day", _days_table),
    "engagement": ("Per week", _engagement),
    "funnel-placements": (
        "Funnel by placement",
        lambda f: _funnel_rows(f.funnel.placements, _("placement")),
    ),
    "funnel-site-types": (
        "Funnel by site type",
        lambda f: _funnel_rows(f.funnel.site_types, _("site type")),
    ),
    "funnel-units": ("Funnel by unit", lambda f: _funnel_rows(f.funnel.units, _("unit"))),
    "never-scanned": ("Never scanned", _never),
    "hotspots": ("Hotspots", _hotspots),
    "changes": ("Changed placements", _changes),
    "response-tiers": ("Response by tier", lambda f: _response_rows(f.response.by_tier, _("tier"))),
    "response-units": ("Response by unit", lambda f: _response_rows(f.response.by_unit, _("unit"))),
    "response-priority": (
        "Response by priority",
        lambda f: _response_rows(f.response.by_priority, _("priority")),
    ),
    "outcomes": ("Outcomes", _outcomes),
    "training": ("Training participation", _training),
}


@login_required
@require_GET
@without_cycle_collection
def export_csv(request: HttpRequest, table: str) -> HttpResponse:
    organization = organization_for_analytics(request.user, request.GET.get("org"))
    if table not in TABLES:
        return HttpResponse(
            _("There is no table by that name.").encode(),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    try:
        days = _days(request)
    except ValueError:
        return _bad_period()
    period = selectors.period_for(organization=organization, days=days)
    figures = figures_for(organization, period, shared=False)  # one section
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-{table}-{period.start}-{period.end}.csv"'
    )
    writer = csv.writer(response)
    for row in TABLES[table][1](figures):
        writer.writerow(row)
    return response


def parse_month(raw: str | None, organization: Organization) -> tuple[int, int]:
    if not raw:
        today = timezone.now().astimezone(organization.zone).date()
        last = today.replace(day=1) - selectors.timedelta(days=1)
        return last.year, last.month
    try:
        year, month = (int(part) for part in raw.split("-"))
        date(year, month, 1)
    except ValueError as error:
        raise ValueError(raw) from error
    return year, month


@login_required
@require_GET
@without_cycle_collection
def summary_pdf(request: HttpRequest) -> HttpResponse:
    from safepath.analytics.pdf import monthly_summary_pdf

    organization = organization_for_analytics(request.user, request.GET.get("org"))
    try:
        year, month = parse_month(request.GET.get("month"), organization)
    except ValueError:
        return HttpResponseBadRequest(
            _("Give the month as YYYY-MM, for example 2026-03.").encode(),
            content_type="text/plain; charset=utf-8",
        )
    period = selectors.month_period(organization=organization, year=year, month=month)
    figures = figures_for(organization, period)
    data = monthly_summary_pdf(figures)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{organization.slug}-summary-{year}-{month:02d}.pdf"'
    )
    return response


@login_required
@require_POST
def digest(request: HttpRequest) -> HttpResponse:
    organization = organization_for_analytics(request.user, request.POST.get("org"))
    wanted = request.POST.get("weekly") == "on"
    services.digest_set(user=request.user, organization=organization, wanted=wanted)  # type: ignore[arg-type]
    return redirect(f"{reverse('analytics:page')}?org={organization.slug}")


@login_required
@require_POST
def regional_sharing(request: HttpRequest) -> HttpResponse:
    organization = organization_for_analytics(request.user, request.POST.get("org"))
    slug = request.POST.get("region", "")
    region = Organization.objects.filter(slug=slug).first() if slug else None
    if slug and region is None:
        return HttpResponseBadRequest(
            _("There is no regional organization by that name.").encode(),
            content_type="text/plain; charset=utf-8",
        )
    try:
        services.regional_sharing_set(
            user=request.user,  # type: ignore[arg-type]
            organization=organization,
            region=region,
        )
    except ValueError as error:
        return HttpResponseBadRequest(str(error).encode(), content_type="text/plain; charset=utf-8")
    return redirect(f"{reverse('analytics:page')}?org={organization.slug}")


@login_required
@require_GET
@without_cycle_collection
def region(request: HttpRequest) -> HttpResponse:
    organization = organization_for_analytics(request.user, request.GET.get("org"))
    try:
        days = _days(request)
    except ValueError:
        return _bad_period()
    period = selectors.period_for(organization=organization, days=days)
    figures = selectors.regional(region=organization, period=period)
    return render(
        request,
        "analytics/region.html",
        {
            "r": figures,
            "days": days,
            "period_choices": selectors.PERIOD_CHOICES,
            "hours": range(24),
        },
    )
