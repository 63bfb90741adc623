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
        "HOTLINE_SMS": settings.HOTLINE_SMS,
    }
