"""manage.py create_organization: a new organization from its sector template, and an
emailed invitation to its first administrator. Prints one JSON line (a stable interface)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safepath.accounts.models import OrganizationKind
from safepath.onboarding.services import organization_onboard


class Command(BaseCommand):
    help = "Create an organization from its sector template and invite its first administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=OrganizationKind.values)
        parser.add_argument("--admin", required=True, help="email of the first administrator")
        parser.add_argument("--parent", default=None, help="slug of a parent organization")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            new = organization_onboard(
                name=options["name"],
                kind=options["kind"],
                admin_email=options["admin"],
                parent_slug=options["parent"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        organization = new.organization
        self.stdout.write(
            json.dumps(
                {
                    "slug": organization.slug,
                    "name": organization.name,
                    "kind": organization.kind,
                    "parent": organization.parent.slug if organization.parent else None,
                    "invitation_url": new.invitation_url,
                    "units": [unit.slug for unit in new.units],
                    "routing_policy": new.policy.name,
                    "suggested_courses": list(new.courses),
                }
            )
        )
