"""Template tags that show routing on the responders' pages (the report's timeline)."""

from __future__ import annotations

from typing import Any

from django import template

from safepath.routing.selectors import routing_timeline as timeline_for

register = template.Library()


@register.inclusion_tag("routing/_timeline.html")
def routing_timeline(report: Any) -> dict[str, Any]:
    """The report's routing steps; the caller already checked the member may see the report."""
    return {"report": report, "events": timeline_for(report=report)}
