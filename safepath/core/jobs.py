"""Background job processors run by the worker.

Each app registers a processor in its ``AppConfig.ready``: a function that claims and does
the work that is due (deliveries, escalations, poster batches, reminders) and returns how
many items it handled. Work lives in database rows, so a crash of any process loses nothing
and several workers can run side by side.
"""

from __future__ import annotations

from collections.abc import Callable

Processor = Callable[[], int]

_processors: dict[str, Processor] = {}


def register_processor(name: str, processor: Processor) -> None:
    _processors[name] = processor


def processors() -> dict[str, Processor]:
    return dict(_processors)
