"""Demo data for a laptop or a review, assembled from what each app registers.

Each app registers its own seeder (``register_demo_seeder`` in its ``AppConfig.ready``), so
this module imports no app: accounts seeds organizations and people, placements their codes,
training its courses and certificates, routing its policies, reports the demo report.
Idempotent: running it again updates the same rows (and resets the demo passwords) instead
of adding more. The summary is the JSON interface DESIGN.md specifies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

Summary = dict[str, list[dict[str, Any]]]
Seeder = Callable[[Summary], None]

_seeders: dict[str, tuple[int, Seeder]] = {}


def register_demo_seeder(name: str, seeder: Seeder, *, order: int) -> None:
    """Register an app's demo seeder; lower ``order`` runs first (accounts 10, placements 20,
    training 30, routing 40, reports 50). A seeder adds to the shared summary."""
    _seeders[name] = (order, seeder)


@transaction.atomic
def seed_demo() -> Summary:
    """Create or refresh the demo data and return the summary DESIGN.md specifies."""
    summary: Summary = {
        "organizations": [],
        "users": [],
        "placements": [],
        "certificates": [],
        # Additive: a demo report and its receipt, so the follow-up page can be tried.
        "reports": [],
    }
    for _order, seeder in sorted(_seeders.values(), key=lambda item: item[0]):
        seeder(summary)
    return summary


def demo_summary_json() -> str:
    return json.dumps(seed_demo(), indent=2)


def demo_banner() -> str:
    """What `make run` prints: where to go, who to sign in as, which codes to scan."""
    summary = seed_demo()
    lines = [
        "",
        f"SafePath is running at {settings.BASE_URL}/",
        f"  Staff sign-in: {settings.BASE_URL}/accounts/login/",
        f"  Live inbox:    {settings.BASE_URL}/dashboard/",
        f"  Placements:    {settings.BASE_URL}/placements/ (posters, map, CSV import)",
        f"  Analytics:     {settings.BASE_URL}/analytics/ (heat grid, hotspots, response times)",
        "",
        "Demo logins (demo only):",
    ]
    for user in summary["users"]:
        email, password, role = user["email"], user["password"], user["role"]
        lines.append(f"  {email:<28} {password:<24} {role:<10} {user['organization']}")
        if "totp_secret" in user:
            lines.append(f"      authenticator key {user['totp_secret']}")
    lines += [
        "  Second step: add the key to an authenticator app, or print the current code with",
        "  .venv/bin/python manage.py demo_code EMAIL",
        "",
        "Scan a code (or open its URL) to send a report:",
    ]
    for placement in summary["placements"]:
        lines.append(f"  {placement['scan_url']:<40} {placement['public_name']}")
        lines.append(
            f"      QR: {settings.BASE_URL}/placements/{placement['code']}/qr.png (signed in)"
        )
    lines += ["", f"Training: {settings.BASE_URL}/training/ (compliance: sign in as an admin)"]
    for certificate in summary["certificates"]:
        lines.append(f"  Verify a certificate: {certificate['verify_url']}")
    for report in summary["reports"]:
        lines += [
            "",
            f"Follow up on the demo report at {settings.BASE_URL}/followup/ "
            f"with receipt {report['receipt']} (demo only)",
        ]
    lines += ["", "Press Ctrl+C to stop.", ""]
    return "\n".join(lines)
