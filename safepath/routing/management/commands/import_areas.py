"""Import an organization's jurisdiction areas from a GeoJSON file (replacing its areas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.accounts.models import Organization
from safepath.routing.services import areas_import


class Command(BaseCommand):
    help = "Replace an organization's jurisdiction areas with the polygons of a GeoJSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="the organization's slug")
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"There is no organization {options['organization']!r}.")
        try:
            areas = areas_import(
                organization=organization, text=options["path"].read_bytes(), verified=True
            )
        except (OSError, ValidationError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Imported {len(areas)} areas for {organization.name}.")
