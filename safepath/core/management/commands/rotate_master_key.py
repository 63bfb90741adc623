"""Rewrap every data key under the current master key (and optionally start new data keys).

    SAFEPATH_MASTER_KEY=<new> SAFEPATH_OLD_MASTER_KEYS=<old> manage.py rotate_master_key

Safe to run again: keys already wrapped by the current master key are left alone.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from safepath.core.crypto import master_key_rotate


class Command(BaseCommand):
    help = "Rewrap data keys under SAFEPATH_MASTER_KEY; --new-data-keys also rotates data keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-data-keys",
            action="store_true",
            help="Also start a new data key version for every organization.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = master_key_rotate(new_data_keys=options["new_data_keys"])
        self.stdout.write(json.dumps(result))
