"""Scan counters: one row per placement per hour, safe under repeated scans."""

from __future__ import annotations

import pytest

from safepath.placements.models import Placement, ScanCount
from safepath.placements.services import placement_count, placement_record_scan

pytestmark = pytest.mark.django_db


def test_scans_add_up_in_one_hourly_row(bus_station: Placement, clinic: Placement) -> None:
    for _ in range(5):
        placement_record_scan(placement=bus_station)
    placement_record_scan(placement=clinic)

    assert ScanCount.objects.get(placement=bus_station).scans == 5
    assert ScanCount.objects.get(placement=clinic).scans == 1


def test_each_counter_adds_up_separately(bus_station: Placement) -> None:
    placement_count(placement=bus_station, counter="scans")
    placement_count(placement=bus_station, counter="followups")
    placement_count(placement=bus_station, counter="followups")

    row = ScanCount.objects.get(placement=bus_station)
    assert (row.scans, row.reports_started, row.followups) == (1, 0, 2)


def test_unknown_counter_is_refused(bus_station: Placement) -> None:
    with pytest.raises(ValueError, match="Unknown placement counter"):
        placement_count(placement=bus_station, counter="ip_address")
