"""Background job processors run by the worker.

Each app registers a processor in its ``AppConfig.ready``: a function that claims and does
the work that is due (deliveries, escalations, poster batches, reminders) and returns how
many items it handled. Work lives in database rows, so a crash of any process loses nothing
and several workers can run side by side.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

Processor = Callable[[], int]

_processors: dict[str, Processor] = {}


def register_processor(name: str, processor: Processor) -> None:
    _processors[name] = processor


def processors() -> dict[str, Processor]:
    return dict(_processors)


def claim_due(
    model: type[models.Model],
    *,
    due: Q,
    order: str,
    limit: int,
    hold_seconds: float,
    **claim_updates: Any,
) -> list[int]:
    """Claim up to ``limit`` due rows of ``model`` for this worker; returns their ids.

    The one claim loop every processor uses (deliveries, escalations, poster batches,
    reminders). A row is free when its ``locked_until`` is empty or past; claiming sets it
    ``hold_seconds`` ahead (a worker that dies lets go when it passes) and applies
    ``claim_updates`` (e.g. a status or an attempt count). PostgreSQL: ``SELECT … FOR UPDATE
    SKIP LOCKED``, so workers take different rows without waiting on each other. Elsewhere
    (SQLite): a conditional UPDATE per row that only succeeds if nobody else took it.
    """
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    updates = {"locked_until": now + timedelta(seconds=hold_seconds), **claim_updates}
    manager = model._default_manager
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                manager.filter(free & due)
                .order_by(order)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:limit]
            )
            if ids:
                manager.filter(pk__in=ids).update(**updates)
        return ids
    candidates = list(
        manager.filter(free & due).order_by(order).values_list("pk", flat=True)[:limit]
    )
    return [pk for pk in candidates if manager.filter(free & due, pk=pk).update(**updates)]


# Waking the worker. A worker that only polled every second or so could not tell responders
# within a second; instead a commit that queues work wakes it: PostgreSQL LISTEN/NOTIFY, and
# on SQLite a touch of a small file beside the database (``<database>-wake``), whose change
# the sleeping worker notices within 20 ms. Both are bounded by the poll interval, so nothing
# depends on the wake-up arriving. (SQLite workers used to wake on any commit, through
# ``PRAGMA data_version``: every reporter's autosave then cost a whole round of the worker,
# whose CPU the server needs under load.)
WAKE_CHANNEL = "safepath_jobs"
_listener: Any = None
_wake_seen: int | None = None


def _wake_marker() -> Path | None:
    """The SQLite wake file, or None for a database that is not a file (in memory)."""
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(f"{name}-wake")


def _marker_time(marker: Path) -> int:
    try:
        return marker.stat().st_mtime_ns
    except OSError:
        return 0


def notify_work() -> None:
    """Wake sleeping workers once the current transaction commits."""
    if connection.vendor == "sqlite":
        marker = _wake_marker()
        if marker is not None:

            def touch() -> None:
                try:
                    marker.touch()
                except OSError:
                    logger.warning("Could not wake the workers; they will poll", exc_info=True)

            transaction.on_commit(touch)
        return
    if connection.vendor != "postgresql":
        return

    def send() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {WAKE_CHANNEL}")
        except Exception:
            logger.warning("Could not wake the workers; they will poll", exc_info=True)

    transaction.on_commit(send)


def wait_for_work(timeout: float) -> None:
    """Sleep until work may be due (a wake-up) or ``timeout`` seconds pass."""
    global _listener
    deadline = time.monotonic() + timeout
    if connection.vendor == "postgresql":
        try:
            if _listener is None or _listener.closed:
                import psycopg

                params = connection.get_connection_params()
                params.pop("cursor_factory", None)
                params.pop("context", None)
                _listener = psycopg.connect(**params, autocommit=True)
                _listener.execute(f"LISTEN {WAKE_CHANNEL}")
            for _ in _listener.notifies(timeout=timeout, stop_after=1):
                pass
            return
        except Exception:
            logger.warning("Lost the wake-up connection; polling", exc_info=True)
            _listener = None
            time.sleep(max(0.0, deadline - time.monotonic()))
            return
    if connection.vendor == "sqlite":
        global _wake_seen
        marker = _wake_marker()
        if marker is None:  # a database in memory: no other process can queue work
            time.sleep(timeout)
            return
        # Compared with the last touch this worker saw, not with the file at the start of
        # this wait: a touch during the round that just ended still wakes it (one extra
        # round at most, never a missed one).
        if _wake_seen is None:
            _wake_seen = _marker_time(marker)
        while time.monotonic() < deadline:
            time.sleep(0.02)
            seen = _marker_time(marker)
            if seen != _wake_seen:
                _wake_seen = seen
                return
        return
    time.sleep(timeout)
