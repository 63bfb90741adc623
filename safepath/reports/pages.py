"""Rendering a reporter's page: language, switcher, inline script and its CSP hash.

The page's only script is inline (one round trip) and optional: everything works without it.
The Content-Security-Policy allows exactly that script by its hash; the core middleware adds
``csp_extra`` to the reporter policy.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from safepath.reports.languages import NATIVE_NAMES, activate_for, switcher_languages

REPORTER_JS = (Path(__file__).with_name("reporter.js")).read_text(encoding="utf-8").strip()
REPORTER_JS_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(REPORTER_JS.encode()).digest()).decode()
)
CSP_EXTRA = (f"script-src '{REPORTER_JS_HASH}'", "connect-src 'self'")


def render_reporter(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    placement_languages: list[str] | None = None,
    switch_method: str = "post",
    switch_step: str = "",
    preferred: str = "",
) -> HttpResponse:
    language = activate_for(request, placement_languages, preferred=preferred)
    full = {
        **context,
        "lang": language,
        "lang_name": NATIVE_NAMES[language],
        "languages": switcher_languages(placement_languages),
        "switch_method": switch_method,
        "switch_step": switch_step,
        "reporter_js": REPORTER_JS,
    }
    response = render(request, template, full, status=status)
    response.csp_extra = CSP_EXTRA  # type: ignore[attr-defined]  # read by the core middleware
    response["Content-Language"] = translation.get_language() or language
    return response
