"""Receipts are hashed with Argon2 (19 MiB while a hash runs): one hash at a time in a server
process, so a burst of receipts never holds several of those blocks at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from safepath.reports import services


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
