"""Scan counters: one row per placement per hour, safe under repeated scans."""

from __future__ import annotations

import pytest

from safepath.placements.models import Placement, ScanCount
from safepath.placements.services import placement_record_scan

pytestmark = pytest.mark.django_db


def test_scans_add_up_in_one_hourly_row(bus_station: Placement, clinic: Placement) -> None:
    for _ in range(5):
        placement_record_scan(placement=bus_station)
    placement_record_scan(placement=clinic)

    assert ScanCount.objects.get(placement=bus_station).scans == 5
    assert ScanCount.objects.get(placement=clinic).scans == 1
