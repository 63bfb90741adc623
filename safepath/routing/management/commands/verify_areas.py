"""The operator confirms an organization's pending jurisdiction areas."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.accounts.models import Organization
from safepath.routing.models import OrganizationArea
from safepath.routing.services import areas_verify


class Command(BaseCommand):
    help = (
        "Verify the areas an organization uploaded on its routing page, so routing uses them. "
        "Without a slug, list the organizations with areas waiting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", nargs="?", help="slug of the organization")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["organization"]:
            pending = (
                OrganizationArea.objects.filter(verified_at__isnull=True)
                .values_list("organization__slug", "name")
                .order_by("organization__slug", "name")
            )
            for slug, name in pending:
                self.stdout.write(f"{slug}\t{name}")
            return
        organization = Organization.objects.filter(slug=options["organization"]).first()
        if organization is None:
            raise CommandError(f"There is no organization {options['organization']!r}.")
        count = areas_verify(organization=organization)
        self.stdout.write(f"Verified {count} areas for {organization.name}.")
