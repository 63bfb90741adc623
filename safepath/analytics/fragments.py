"""The analytics page's big repeated parts (heat grids, daily bars and rows, weeks) as HTML.

The template engine spends most of the page's rendering on these: three heat grids of 168
cells with two filters each, and one bar and one table row per day (365 of each on the
year page), each ``{{ }}`` resolving attributes, localizing and escaping. Here each value
goes through the same localization and escaping as ``{{ value }}`` in a template does
(``localize`` then ``conditional_escape``), so the page's HTML is unchanged; only the
per-cell template machinery is gone.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from safepath.analytics import selectors

HOURS_HEAD = mark_safe(  # noqa: S308 - fixed markup, no input
    "<th></th>" + "".join(f'<th scope="col">{h:02d}</th>' for h in range(24))
)


@functools.lru_cache(maxsize=8192)  # two years of days in a few languages
def _date_text(value: date, language: str | None) -> str:
    """A date as ``{{ value }}`` shows it in ``language`` (the active one, passed so that
    the cache keeps each language's text apart)."""
    return str(conditional_escape(localize(value)))


class _Text:
    """``{{ value }}`` for one render: localized and escaped, dates formatted once each per
    language (they recur on every page)."""

    def __init__(self) -> None:
        self._plain_ints = not settings.USE_THOUSAND_SEPARATOR
        self._language = get_language()

    def __call__(self, value: Any) -> str:
        if type(value) is int and self._plain_ints:
            return str(value)
        if type(value) is date:
            return _date_text(value, self._language)
        return str(conditional_escape(localize(value)))


def heat_rows(grid: selectors.HeatGrid) -> SafeString:
    """The ``<tbody>`` rows of one heat grid."""
    text = _Text()
    parts: list[str] = []
    for weekday, cells in grid.table():
        day = text(weekday)
        parts.append(f'<tr><th scope="row">{day}</th>')
        for hour, (count, shade) in enumerate(cells):
            n = text(count)
            parts.append(
                f'<td style="--shade:{shade:.2f}" title="{day} {hour:02d}:00 · {n}">{n}</td>'
            )
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


def bars(when: selectors.WhenFigures) -> SafeString:
    """One pair of bars per day: this period's scans and the previous period's."""
    text = _Text()
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(
            f'<span class="bar-pair" title="{text(row.day)}: {text(row.counts["scans"])} · '
            f'{text(row.previous_day)}: {text(row.previous["scans"])}">'
            f'<span class="now" style="height:{text(now)}%"></span>'
            f'<span class="then" style="height:{text(then)}%"></span></span>'
            for row, now, then in when.bars()
        )
    )


def day_rows(when: selectors.WhenFigures) -> SafeString:
    """The per-day table's rows."""
    text = _Text()
    return _rows(
        (
            text(row.day),
            text(row.counts["scans"]),
            text(row.counts["reports_started"]),
            text(row.counts["reports_answered"]),
            text(row.previous_day),
            text(row.previous["scans"]),
            text(row.previous["reports_started"]),
        )
        for row in when.days
    )


def week_rows(weeks: list[selectors.WeekRow]) -> SafeString:
    """The week-by-week engagement table's rows."""
    text = _Text()
    return _rows((text(w.week), text(w.scans), text(w.reports_started)) for w in weeks)


def _rows(rows: Iterable[tuple[str, ...]]) -> SafeString:
    return mark_safe(  # noqa: S308 - cells escaped by the callers
        "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    )


def json_script(value: Any, element_id: str) -> SafeString:
    """Django's ``json_script`` (same output): the three characters it escapes replaced one
    by one, which on the map's data for thousands of placements is several times faster
    than its ``str.translate`` with a mapping."""
    from django.core.serializers.json import DjangoJSONEncoder

    text = (
        json.dumps(value, cls=DjangoJSONEncoder)
        .replace(">", "\\u003E")
        .replace("<", "\\u003C")
        .replace("&", "\\u0026")
    )
    safe = mark_safe(text)  # noqa: S308 - escaped above, as Django's json_script does
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, safe)
