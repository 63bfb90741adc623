"""Which language a reporter's page speaks.

In order: the language the person picked on the page (carried in every form, since no cookie
may remember it), then the browser's languages, then the placement's default languages, then
English. Every page offers the switcher, with the placement's languages first.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

# Each language named in itself, so a person finds theirs without reading English.
NATIVE_NAMES = {
    "en": "English",
    "es": "Español",
    "zh-hans": "中文（简体）",  # noqa: RUF001  # full-width brackets are right in Chinese
    "vi": "Tiếng Việt",
    "ko": "한국어",
    "tl": "Tagalog",
    "ht": "Kreyòl ayisyen",
    "pt": "Português",
    "ru": "Русский",
    "uk": "Українська",
    "ar": "العربية",
    "fr": "Français",
}
# Browsers name some of these differently from Django.
ALIASES = {"fil": "tl", "zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans"}


def supported(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower()
    code = ALIASES.get(code, code)
    if code in NATIVE_NAMES:
        return code
    base = code.split("-")[0]
    base = ALIASES.get(base, base)
    return base if base in NATIVE_NAMES else None


def choose_language(
    request: HttpRequest, placement_languages: list[str] | None = None, *, preferred: str = ""
) -> str:
    """``preferred`` is a choice made earlier and carried by the follow-up cookie."""
    picked = supported(request.POST.get("lang") or request.GET.get("lang") or preferred)
    if picked:
        return picked
    for accepted, _quality in parse_accept_lang_header(
        request.headers.get("Accept-Language", "")[:200]
    ):
        found = supported(accepted)
        if found:
            return found
    for code in placement_languages or []:
        found = supported(code)
        if found:
            return found
    return str(settings.LANGUAGE_CODE)


def activate_for(
    request: HttpRequest, placement_languages: list[str] | None = None, *, preferred: str = ""
) -> str:
    language = choose_language(request, placement_languages, preferred=preferred)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def switcher_languages(placement_languages: list[str] | None = None) -> list[tuple[str, str]]:
    """(code, native name) pairs, the placement's languages first."""
    first = [c for c in (supported(c) for c in placement_languages or []) if c]
    ordered = list(dict.fromkeys([*first, *NATIVE_NAMES]))
    return [(code, NATIVE_NAMES[code]) for code in ordered]
