"""Load the demo data (idempotent) and print its JSON summary on stdout."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.core.demo import demo_summary_json


class Command(BaseCommand):
    help = "Create or refresh demo organizations, users and placements; print a JSON summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when SAFEPATH_ENV=production (demo passwords are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo data with public passwords into a production deployment."
            )
        self.stdout.write(demo_summary_json())
