"""Template context every page needs: hotlines and the quick-exit address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def safepath(request: HttpRequest) -> dict[str, Any]:
    return {
        "QUICK_EXIT_URL": settings.QUICK_EXIT_URL,
        "EMERGENCY_NUMBER": settings.EMERGENCY_NUMBER,
        "HOTLINE_PHONE": settings.HOTLINE_PHONE,
        # For reading, not dialling: kept left-to-right inside right-to-left text (an isolate)
        # and never broken across lines (non-breaking hyphens).
        "HOTLINE_PHONE_DISPLAY": "\u2066"
        + settings.HOTLINE_PHONE.replace("-", "\u2011")
        + "\u2069",
        "HOTLINE_SMS": settings.HOTLINE_SMS,
    }
