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
from typing import Any

logger = logging.getLogger(__name__)

Processor = Callable[[], int]

_processors: dict[str, Processor] = {}


def register_processor(name: str, processor: Processor) -> None:
    _processors[name] = processor


def processors() -> dict[str, Processor]:
    return dict(_processors)


# Waking the worker. A worker that only polled every second or so could not tell responders
# within a second; instead a commit that queues work wakes it: PostgreSQL LISTEN/NOTIFY, and
# on SQLite a cheap check of ``PRAGMA data_version`` (it changes when another connection
# commits), both bounded by the poll interval so nothing depends on the wake-up arriving.
WAKE_CHANNEL = "safepath_jobs"
_listener: Any = None


def notify_work() -> None:
    """Wake sleeping workers once the current transaction commits."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return  # SQLite workers notice the commit itself (data_version)

    def send() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {WAKE_CHANNEL}")
        except Exception:
            logger.warning("Could not wake the workers; they will poll", exc_info=True)

    transaction.on_commit(send)


def wait_for_work(timeout: float) -> None:
    """Sleep until work may be due (a wake-up) or ``timeout`` seconds pass."""
    from django.db import connection

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

        def version() -> int:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA data_version")
                return int(cursor.fetchone()[0])

        start = version()
        while time.monotonic() < deadline:
            time.sleep(0.02)
            if version() != start:
                return
        return
    time.sleep(timeout)
