"""Rebuild the stored standings (person x requirement) behind the compliance view, or check
them against a computation from everyone's whole history.

The services keep them right as credits are recorded; run this after a bulk import or a
restore, or with ``--check`` to prove nothing drifted (it exits non-zero if something did).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from safepath.accounts.models import Organization
from safepath.training import selectors
from safepath.training.services import standings_rebuild


class Command(BaseCommand):
    help = "Rebuild (or --check) the stored training standings behind the compliance view."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare every organization's compliance matrix with the reference "
            "computation; change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["check"]:
            written = standings_rebuild()
            self.stdout.write(f"{written} standings written.")
            return
        today = timezone.localdate()
        drifted = []
        for organization in Organization.objects.order_by("pk"):
            stored = selectors.compliance_matrix(
                organization=organization, today=today, include_inactive=True
            )
            reference = selectors.compliance_matrix_reference(
                organization=organization, today=today, include_inactive=True
            )
            if stored != reference:
                drifted.append(organization.slug)
        if drifted:
            raise CommandError(
                "Stored standings differ from the reference for: "
                + ", ".join(drifted)
                + ". Run manage.py training_standings to rebuild them."
            )
        self.stdout.write("Stored standings match the reference computation.")
