"""Database helpers every app shares: waiting out SQLite's single writer.

SQLite lets one connection write at a time. The settings make each transaction take the
write lock at BEGIN and wait for it (busy timeout), but under a burst of reporters plus the
worker a wait can still run out and SQLite answers "database is locked". A reporter's answer
must never be lost to that, so the reporter's writes go through ``retry_when_locked``: the
transaction rolled back whole, so running it again is safe.

Within one server process those writes also take turns on a lock of their own. The server
runs requests on several threads (``safepath.core.http_threads``), and SQLite's busy wait
polls the file lock with sleeps of up to 100 ms: threads of the same process waiting on each
other that way spent most of a burst asleep while the lock was free. On the Python lock a
waiting write starts the moment the one before it commits. (The worker, another process,
still waits on SQLite's own lock.)
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

T = TypeVar("T")

# One SQLite write transaction at a time per process (see above). Re-entrant: a retried write
# may call another.
_sqlite_writes = threading.RLock()


def is_lock_error(error: OperationalError) -> bool:
    message = str(error).lower()
    return "database is locked" in message or "database table is locked" in message


def retry_when_locked(write: Callable[[], T], *, patience: float | None = None) -> T:
    """Run ``write`` (one whole transaction) again while SQLite says the database is locked.

    Gives up after ``patience`` seconds (``SQLITE_WRITE_PATIENCE_SECONDS``) of trying, so a
    database that stays locked still ends in an error rather than a request that never ends.
    Inside an outer transaction nothing can be retried safely, so the error goes up at once.
    """
    if patience is None:
        patience = float(getattr(settings, "SQLITE_WRITE_PATIENCE_SECONDS", 120))
    deadline = time.monotonic() + patience
    delay = 0.05
    attempt = 1
    while True:
        try:
            if connection.vendor == "sqlite" and not connection.in_atomic_block:
                with _sqlite_writes:
                    return write()
            return write()
        except OperationalError as error:
            if (
                connection.vendor != "sqlite"
                or not is_lock_error(error)
                or connection.in_atomic_block
                or time.monotonic() >= deadline
            ):
                raise
            logger.warning("Database locked; retrying a reporter's write (attempt %d)", attempt)
        attempt += 1
        time.sleep(delay * (0.5 + random.random()))  # noqa: S311  # jitter, not a secret
        delay = min(delay * 2, 1.0)


def as_row_id(raw: str | None) -> int | None:
    """``raw`` as an integer a database column can hold, or None.

    Only ASCII digits count (``"²".isdigit()`` is true, and ``int("²")`` fails), and at most
    18 of them, so ``?unit=99999999999999999999999`` is "no such unit", not an overflow.
    """
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw)
