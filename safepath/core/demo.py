"""Demo data for a laptop or a review: two organizations, their people and their codes.

Idempotent: running it again updates the same rows (and resets the demo passwords) instead
of adding more. The passwords are for demonstration only and are printed on purpose.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts.mfa import SECOND_FACTOR_ROLES, TOTP_DEVICE_NAME, totp_secret_base32
from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, User
from safepath.placements.demo import seed_placement_details
from safepath.placements.models import Placement
from safepath.reports.services import report_seed_demo


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    role: Role
    password: str


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    kind: OrganizationKind
    users: tuple[DemoUser, ...]
    placements: tuple[str, ...]


DEMO_ORGANIZATIONS = (
    DemoOrganization(
        slug="riverside-pd",
        name="Riverside Police Department",
        kind=OrganizationKind.LAW_ENFORCEMENT,
        users=(
            DemoUser("alice@riverside.example", "Alice", Role.ADMIN, "alice-demo-password"),
            DemoUser("bob@riverside.example", "Bob", Role.RESPONDER, "bob-demo-password"),
        ),
        placements=(
            "Riverside bus station, restroom by gate 4",
            "Riverside Inn, lobby restroom",
        ),
    ),
    DemoOrganization(
        slug="st-brigid-hospital",
        name="St. Brigid Hospital",
        kind=OrganizationKind.HEALTHCARE,
        users=(
            DemoUser("charlie@stbrigid.example", "Charlie", Role.ADMIN, "charlie-demo-password"),
            DemoUser("dana@stbrigid.example", "Dana", Role.RESPONDER, "dana-demo-password"),
        ),
        placements=(
            "Emergency department, waiting room restroom",
            "Women's clinic, exam room 3",
        ),
    ),
    # Routing demo: where "not police" reports go, and the regional task force.
    DemoOrganization(
        slug="harbor-shelter",
        name="Harbor Shelter (service organization)",
        kind=OrganizationKind.SERVICE_PROVIDER,
        users=(DemoUser("sol@harbor.example", "Sol", Role.RESPONDER, "sol-demo-password"),),
        placements=(),
    ),
    DemoOrganization(
        slug="metro-task-force",
        name="Metro Human Trafficking Task Force",
        kind=OrganizationKind.TASK_FORCE,
        users=(DemoUser("tess@taskforce.example", "Tess", Role.RESPONDER, "tess-demo-password"),),
        placements=(),
    ),
)


def _demo_totp_secret(user: User) -> str:
    """Give a demo user a confirmed authenticator with a fixed, public, demo-only key."""
    key = hashlib.sha1(f"safepath-demo-totp:{user.email}".encode()).hexdigest()  # noqa: S324  # a fixed demo key, not a hash of a secret
    device = TOTPDevice.objects.filter(user=user, name=TOTP_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME)
    device.key = key
    device.confirmed = True
    device.save()
    return totp_secret_base32(device)


@transaction.atomic
def seed_demo() -> dict[str, list[dict[str, Any]]]:
    """Create or refresh the demo data and return the summary DESIGN.md specifies."""
    summary: dict[str, list[dict[str, Any]]] = {
        "organizations": [],
        "users": [],
        "placements": [],
        "certificates": [],
        # Additive: a demo report and its receipt, so the follow-up page can be tried.
        "reports": [],
    }
    for spec in DEMO_ORGANIZATIONS:
        organization, _ = Organization.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "kind": spec.kind}
        )
        summary["organizations"].append(
            {"slug": organization.slug, "name": organization.name, "kind": organization.kind}
        )
        for demo_user in spec.users:
            user = User.objects.filter(email=demo_user.email).first() or User(email=demo_user.email)
            user.first_name = demo_user.first_name
            user.is_active = True
            user.set_password(demo_user.password)
            user.save()
            Membership.objects.update_or_create(
                user=user, organization=organization, defaults={"role": demo_user.role}
            )
            entry = {
                "email": demo_user.email,
                "password": demo_user.password,
                "organization": organization.slug,
                "role": str(demo_user.role),
            }
            if demo_user.role in SECOND_FACTOR_ROLES:
                entry["totp_secret"] = _demo_totp_secret(user)
            summary["users"].append(entry)
        for public_name in spec.placements:
            placement = Placement.objects.filter(
                organization=organization, public_name=public_name
            ).first() or Placement.objects.create(
                organization=organization, public_name=public_name
            )
            seed_placement_details(placement=placement, organization=organization)
            placement.refresh_from_db()
            summary["placements"].append(
                {
                    "code": placement.code,
                    "public_name": placement.public_name,
                    "scan_url": f"{settings.BASE_URL}/Q/{placement.code}",
                    "organization": organization.slug,
                }
            )
    from safepath.training.demo import seed_training

    summary["certificates"] = seed_training()
    from safepath.routing.demo import seed_routing

    seed_routing()
    from safepath.analytics.demo import seed_analytics

    seed_analytics()
    first = Placement.objects.filter(organization__slug=DEMO_ORGANIZATIONS[0].slug).first()
    if first is not None:
        responder = User.objects.filter(email=DEMO_ORGANIZATIONS[0].users[1].email).first()
        _, receipt = report_seed_demo(placement=first, author=responder)
        summary["reports"].append({"placement": first.code, "receipt": receipt})
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
