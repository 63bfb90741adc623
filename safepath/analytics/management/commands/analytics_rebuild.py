"""Rebuild the analytics summaries from the raw counters and reports, or check them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.analytics import responses, summaries


class Command(BaseCommand):
    help = (
        "Recompute the analytics summaries (counters per organization and hour, per placement "
        "and day or month; response times per organization and day) from the raw counters and "
        "reports. --check only compares them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the summaries with the raw rows; exit 1 if they differ.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            problems = summaries.differences() + responses.differences()
            for line in problems[:50]:
                self.stdout.write(line)
            if problems:
                raise CommandError(f"{len(problems)} summary rows differ from the counters")
            self.stdout.write("The summaries equal the raw counters and reports.")
            return
        summaries.rebuild()  # the response summary too: it is keyed in the same zones
        if options["verbosity"]:
            self.stdout.write("Rebuilt the analytics summaries from the raw rows.")
