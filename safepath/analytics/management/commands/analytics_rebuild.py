"""Rebuild the analytics summaries from the raw scan counters, or check them against those."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.analytics import summaries


class Command(BaseCommand):
    help = (
        "Recompute the analytics summaries (per organization and hour, per placement and "
        "day or month) from placements' hourly counters. --check only compares them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the summaries with the raw counters; exit 1 if they differ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            problems = summaries.differences()
            for line in problems[:50]:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} summary rows differ from the counters")
            self.stdout.write("The summaries equal the raw counters.")
            return
        summaries.rebuild()
        if options["verbosity"]:
            self.stdout.write("Rebuilt the analytics summaries from the raw counters.")
