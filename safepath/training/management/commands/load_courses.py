"""Validate every course file and load changed ones as new course versions (idempotent).

Also refreshes the library of real mandates, which names courses by slug.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.training.content import ContentError, load_all
from safepath.training.services import course_versions_load, requirements_load_library


class Command(BaseCommand):
    help = "Validate content/training/ and load changed course files as new versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", type=Path, help="Content folder (default: content/training)")
        parser.add_argument(
            "--check", action="store_true", help="Validate only; change nothing in the database."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            files = load_all(options["path"])
        except ContentError as error:
            raise CommandError(f"Course content is invalid:\n{error}") from None
        if options["check"]:
            self.stdout.write(f"{len(files)} course files are valid.")
            return
        result = course_versions_load(files=files)
        requirements_load_library()
        for version in result.created:
            self.stdout.write(f"loaded {version.label}: {version.title}")
        self.stdout.write(
            f"{len(result.created)} new course versions, {len(result.unchanged)} unchanged."
        )
