"""seed_demo gives the demo placements their details once, and stays idempotent."""

from __future__ import annotations

import pytest

from safepath.core.demo import seed_demo
from safepath.placements.models import Placement, RetiredCode, ScanCount

pytestmark = pytest.mark.django_db


def test_seed_demo_sets_placement_details_idempotently() -> None:
    first = seed_demo()
    counts = ScanCount.objects.count()
    second = seed_demo()

    assert first["placements"] == second["placements"]
    assert set(first["placements"][0]) == {"code", "public_name", "scan_url", "organization"}
    assert RetiredCode.objects.count() == 1
    assert ScanCount.objects.count() == counts > 0
    placements = list(Placement.objects.all())
    assert any({"es", "ar"} <= set(p.languages) for p in placements)
    assert all(p.latitude is not None and p.site_type != "other" for p in placements)
    assert any(p.unit is not None for p in placements)
    # The summary names the live code, not the retired one.
    retired = RetiredCode.objects.get()
    assert retired.code not in {p["code"] for p in second["placements"]}
