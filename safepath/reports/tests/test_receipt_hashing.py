"""Receipts are hashed with Argon2, whose memory block is resident while a hash runs: a small
block (OWASP's 7 MiB x 5 passes), one hash at a time in a server process, so a burst of
receipts never holds several blocks at once. Receipts hashed with the earlier settings still
open their reports."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from argon2 import PasswordHasher, Type
from django.test import Client

from safepath.placements.models import Placement
from safepath.reports import services
from safepath.reports.models import ReportReceipt
from safepath.reports.selectors import report_for_receipt
from safepath.reports.tests.flow import send_report


class _Watching:
    """Stands in for Argon2: notes how many hashes run at once, and holds each one until a
    second one starts (or a moment passes), so an overlap cannot slip through unseen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.overlap = threading.Event()

    def _enter(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            if self.running > 1:
                self.overlap.set()
        self.overlap.wait(timeout=0.3)
        with self.lock:
            self.running -= 1

    def hash(self, secret: str) -> str:
        self._enter()
        return f"hashed:{secret}"

    def verify(self, hashed: str, secret: str) -> bool:
        self._enter()
        return hashed == f"hashed:{secret}"


@pytest.mark.parametrize("use", ["hash", "verify"])
def test_receipts_are_hashed_one_at_a_time(monkeypatch: pytest.MonkeyPatch, use: str) -> None:
    watching = _Watching()
    monkeypatch.setattr(services.RECEIPT_HASHER, "_hasher", watching)
    calls: dict[str, Any] = {
        "hash": lambda: services.RECEIPT_HASHER.hash("1234"),
        "verify": lambda: services.RECEIPT_HASHER.verify("hashed:1234", "1234"),
    }
    threads = [threading.Thread(target=calls[use]) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert watching.most == 1


def test_a_receipt_hash_holds_at_most_7_mib_while_it_runs() -> None:
    hashed = services.RECEIPT_HASHER.hash("1234567812345678")
    settings = dict(part.split("=") for part in hashed.split("$")[3].split(","))
    assert int(settings["m"]) <= 7 * 1024
    assert int(settings["t"]) >= 5  # OWASP's equal-strength pair for 7 MiB
    assert services.RECEIPT_HASHER.verify(hashed, "1234567812345678")


@pytest.mark.django_db
def test_a_receipt_hashed_with_the_earlier_settings_still_opens_its_report(
    bus_station: Placement,
) -> None:
    receipt = send_report(Client(), bus_station, "what I saw")
    earlier = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
    ReportReceipt.objects.update(receipt_hash=earlier.hash(receipt.replace(" ", "")))

    found = report_for_receipt(receipt=receipt.replace(" ", ""))

    assert found is not None and found.placement_id == bus_station.pk


@pytest.mark.django_db
def test_the_receipt_is_hashed_before_the_write_that_stores_it(
    bus_station: Placement, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a write transaction holds the database's one write lock: every other
    reporter's answer would wait for the ~15 ms hash."""
    from django.db import connection

    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths: list[int] = []
    real = services.RECEIPT_HASHER._hasher

    class NotingDepth:
        def hash(self, secret: str) -> str:
            depths.append(len(connection.atomic_blocks))
            return str(real.hash(secret))

    monkeypatch.setattr(services.RECEIPT_HASHER, "_hasher", NotingDepth())

    receipt = send_report(Client(), bus_station, "what I saw")

    assert depths == [outside]
    assert ReportReceipt.objects.count() == 1
    assert real.verify(ReportReceipt.objects.get().receipt_hash, receipt.replace(" ", ""))
