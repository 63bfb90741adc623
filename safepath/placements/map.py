"""The placement map: an inline SVG drawn on the server from coordinates.

No tile server, no map library, no request to anyone else: a responder's browser must not
tell a third party where an organization's codes hang. Points are placed with a simple
equirectangular projection scaled by the cosine of the mean latitude, which is accurate
enough across a city or a county. Each point links to its placement page.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from safepath.placements.models import Placement, PlacementStatus

WIDTH = 800.0
MAX_HEIGHT = 520.0
PAD = 30.0
COLORS = {PlacementStatus.ACTIVE: "#2e7d32", PlacementStatus.LOST: "#e07000"}


def placements_map_svg(
    placements: Sequence[Placement], *, due_ids: Collection[int] = ()
) -> SafeString:
    points = [
        (p, float(p.latitude), float(p.longitude))
        for p in placements
        if p.latitude is not None and p.longitude is not None
    ]
    if not points:
        return mark_safe("")  # a constant empty string
    lats = [lat for _p, lat, _lon in points]
    lons = [lon for _p, _lat, lon in points]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    # At least about 1 km across, so one or two points do not fill the frame.
    span_x = max((max(lons) - min(lons)) * scale_x, 0.01)
    span_y = max(max(lats) - min(lats), 0.01)
    unit = min((WIDTH - 2 * PAD) / span_x, (MAX_HEIGHT - 2 * PAD) / span_y)
    height = span_y * unit + 2 * PAD
    mid_x = (max(lons) + min(lons)) / 2 * scale_x
    mid_y = (max(lats) + min(lats)) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (
            round(WIDTH / 2 + (lon * scale_x - mid_x) * unit, 1),
            round(height / 2 - (lat - mid_y) * unit, 1),
        )

    markers = format_html_join(
        "\n",
        '<a href="/placements/{}/"><title>{}</title>'
        '<circle cx="{}" cy="{}" r="8" fill="{}" stroke="{}" stroke-width="{}"/></a>',
        (
            (
                p.code,
                f"{p.public_name} ({p.get_status_display()})"
                + (f" · {_('due for a check')}" if p.pk in due_ids else ""),
                *xy(lat, lon),
                COLORS.get(PlacementStatus(p.status), "#555"),
                "#c00000" if p.pk in due_ids else "#ffffff",
                3 if p.pk in due_ids else 1.5,
            )
            for p, lat, lon in points
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}" class="placement-map">'
        '<rect width="100%" height="100%" fill="#eef2f5" rx="6"/>{}</svg>',
        int(WIDTH),
        int(height),
        _("Map of placements"),
        markers,
    )
