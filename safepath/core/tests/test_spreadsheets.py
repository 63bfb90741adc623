"""Free text exported to CSV cannot run as a spreadsheet formula."""

from __future__ import annotations

import pytest

from safepath.core.spreadsheets import spreadsheet_safe


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd"]
)
def test_formula_starts_are_defused(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["Bus station", "", "1-888-373-7888", "Ana = Ann"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert spreadsheet_safe(text) == text


@pytest.mark.django_db
def test_placement_export_defuses_a_hostile_name(bob_client, bus_station) -> None:
    bus_station.public_name = '=HYPERLINK("http://evil.example")'
    bus_station.save()

    body = bob_client.get("/placements/export.csv").content.decode()

    assert "'=HYPERLINK" in body
