"""The page's heat grids, bars and day/week rows made in Python are the markup the template
made (the same ``{{ }}`` localization and escaping), for any language."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from safepath.analytics import fragments, selectors

HEAT = Template(
    """<th></th>{% for h in hours %}<th scope="col">{{ h|stringformat:"02d" }}</th>{% endfor %}|"""
    """{% for weekday, cells in grid.table %}<tr><th scope="row">{{ weekday }}</th>"""
    """{% for count, shade in cells %}<td style="--shade:{{ shade|stringformat:'.2f' }}" """
    """title="{{ weekday }} {{ forloop.counter0|stringformat:'02d' }}:00 · {{ count }}">"""
    """{{ count }}</td>{% endfor %}</tr>{% endfor %}"""
)
BARS = Template(
    """{% for row, now, then in when.bars %}<span class="bar-pair" title="{{ row.day }}: """
    """{{ row.counts.scans }} · {{ row.previous_day }}: {{ row.previous.scans }}">"""
    """<span class="now" style="height:{{ now }}%"></span><span class="then" """
    """style="height:{{ then }}%"></span></span>{% endfor %}"""
)
DAYS = Template(
    """{% for row in when.days %}<tr><td>{{ row.day }}</td><td>{{ row.counts.scans }}</td>"""
    """<td>{{ row.counts.reports_started }}</td><td>{{ row.counts.reports_answered }}</td>"""
    """<td>{{ row.previous_day }}</td><td>{{ row.previous.scans }}</td>"""
    """<td>{{ row.previous.reports_started }}</td></tr>{% endfor %}"""
)
WEEKS = Template(
    """{% for w in weeks %}<tr><td>{{ w.week }}</td><td>{{ w.scans }}</td>"""
    """<td>{{ w.reports_started }}</td></tr>{% endfor %}"""
)


def _counts(rng: random.Random) -> dict[str, int]:
    return {
        "scans": rng.choice([0, 7, 1234, 98765]),
        "reports_started": rng.randint(0, 50),
        "reports_answered": rng.randint(0, 50),
    }


@pytest.mark.parametrize("language", ["en", "fr", "ru", "ar"])
@pytest.mark.parametrize("seed", [1, 2])
def test_fragments_equal_the_template(language: str, seed: int) -> None:
    rng = random.Random(seed)
    grid = selectors.HeatGrid(
        counter="scans",
        label="Scans",
        rows=[[rng.choice([0, 1, 3, 250, 12345]) for _ in range(24)] for _ in range(7)],
    )
    start = date(2026, 1, 1) + timedelta(days=seed * 40)
    days = [
        selectors.DayRow(
            day=start + timedelta(days=i),
            counts=_counts(rng),
            previous_day=start - timedelta(days=365 - i),
            previous=_counts(rng),
        )
        for i in range(30)
    ]
    when = selectors.WhenFigures(
        period=None,  # type: ignore[arg-type]  # not read by the fragments
        grids=[grid],
        days=days,
        totals={},
        previous_totals={},
    )
    weeks = [
        selectors.WeekRow(week=start + timedelta(weeks=i), scans=i * 1001, reports_started=i)
        for i in range(10)
    ]
    with translation.override(language):
        assert f"{fragments.HOURS_HEAD}|{fragments.heat_rows(grid)}" == HEAT.render(
            Context({"grid": grid, "hours": range(24)})
        )
        assert fragments.bars(when) == BARS.render(Context({"when": when}))
        assert fragments.day_rows(when) == DAYS.render(Context({"when": when}))
        assert fragments.week_rows(weeks) == WEEKS.render(Context({"weeks": weeks}))


def test_weekday_names_are_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "WEEKDAYS", ["<b>Mo&</b>"] * 7)
    grid = selectors.HeatGrid(counter="scans", label="Scans", rows=[[1] * 24] * 7)
    html = fragments.heat_rows(grid)
    assert "<b>" not in html
    assert html == HEAT.render(Context({"grid": grid, "hours": range(24)})).split("|", 1)[1]


def test_json_script_equals_djangos() -> None:
    from django.utils.html import json_script

    value = {
        "placements": [{"name": "<Bus & stop> 'A' \"B\"", "lat": 47.5, "day": date(2026, 3, 1)}],
        "cells": [["8a2a1072b59ffff", 12, -1.96]],
        "text": "Zürich ← </script><!--",
    }
    assert fragments.json_script(value, "map-data") == json_script(value, "map-data")
