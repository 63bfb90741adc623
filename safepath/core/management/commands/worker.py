"""The background worker: runs every registered job processor, forever (or once, with --once)."""

from __future__ import annotations

import logging
import os
import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from safepath.core.jobs import processors, wait_for_work

logger = logging.getLogger("safepath.worker")


class Command(BaseCommand):
    help = "Run due background work (deliveries, escalations, batches). Several may run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Process what is due, then exit.")
        parser.add_argument(
            "--parent",
            type=int,
            default=0,
            help="Exit when the process with this id (the server that started us) is gone.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        parent = options["parent"]
        while not self.stopping:
            if parent and os.getppid() != parent:
                # The server that started us died without stopping us (SIGKILL, a crash): we
                # were handed to another parent. A worker nobody supervises must not linger.
                logger.warning("Parent process %s is gone; worker exiting", parent)
                return
            done = 0
            for name, processor in processors().items():
                try:
                    done += processor()
                except Exception:
                    # A database hiccup must not kill the worker: rows stay due and are retried.
                    logger.exception("Job processor %s failed; retrying shortly", name)
            if options["once"]:
                return
            # Drop a connection the database closed (restart, failover) before the next round.
            close_old_connections()
            if not done:
                wait_for_work(settings.WORKER_POLL_SECONDS)
