"""Demo organizations and their people (registered with ``safepath.core.demo``).

The passwords are for demonstration only and are printed on purpose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts.mfa import SECOND_FACTOR_ROLES, TOTP_DEVICE_NAME, totp_secret_base32
from safepath.accounts.models import (
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Unit,
    User,
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    role: Role
    password: str
    # Unit slugs this person is limited to (need-to-know); none: the whole organization.
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    kind: OrganizationKind
    users: tuple[DemoUser, ...]
    placements: tuple[str, ...]
    units: tuple[tuple[str, str], ...] = ()  # (slug, name)


DEMO_ORGANIZATIONS = (
    DemoOrganization(
        slug="riverside-pd",
        name="Riverside Police Department",
        kind=OrganizationKind.LAW_ENFORCEMENT,
        users=(
            DemoUser("alice@riverside.example", "Alice", Role.ADMIN, "alice-demo-password"),
            DemoUser("bob@riverside.example", "Bob", Role.RESPONDER, "bob-demo-password"),
            DemoUser("sam@riverside.example", "Sam", Role.SUPERVISOR, "sam-demo-password"),
            DemoUser("ana@riverside.example", "Ana", Role.ANALYST, "ana-demo-password"),
            DemoUser("audrey@riverside.example", "Audrey", Role.AUDITOR, "audrey-demo-password"),
            # Training: a sergeant who teaches sessions and an auditor who reads records.
            DemoUser("erin@riverside.example", "Erin", Role.SUPERVISOR, "erin-demo-password"),
            DemoUser("avery@riverside.example", "Avery", Role.AUDITOR, "avery-demo-password"),
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
    # A school district whose schools are units: each counselor reads their own school's
    # reports only; the district's safety team and administrator read all; teachers learn.
    DemoOrganization(
        slug="maple-county-schools",
        name="Maple County Schools",
        kind=OrganizationKind.SCHOOL_DISTRICT,
        units=(
            ("safety-team", "District safety team"),
            ("lincoln-high", "Lincoln High School"),
            ("washington-middle", "Washington Middle School"),
        ),
        users=(
            DemoUser("grace@maple.example", "Grace", Role.ADMIN, "grace-demo-password"),
            DemoUser(
                "lena@maple.example",
                "Lena",
                Role.RESPONDER,
                "lena-demo-password",
                units=("lincoln-high",),
            ),
            DemoUser(
                "wes@maple.example",
                "Wes",
                Role.RESPONDER,
                "wes-demo-password",
                units=("washington-middle",),
            ),
            DemoUser("terry@maple.example", "Terry", Role.LEARNER, "terry-demo-password"),
        ),
        placements=(
            "Lincoln High, counseling office",
            "Washington Middle, restroom by the gym",
        ),
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


def seed_accounts(summary: dict[str, list[dict[str, Any]]]) -> None:
    """Create or refresh the demo organizations and users (demo passwords reset)."""
    for spec in DEMO_ORGANIZATIONS:
        organization, _ = Organization.objects.update_or_create(
            slug=spec.slug, defaults={"name": spec.name, "kind": spec.kind}
        )
        summary["organizations"].append(
            {"slug": organization.slug, "name": organization.name, "kind": organization.kind}
        )
        units = {
            slug: Unit.objects.update_or_create(
                organization=organization, slug=slug, defaults={"name": name}
            )[0]
            for slug, name in spec.units
        }
        for demo_user in spec.users:
            user = User.objects.filter(email=demo_user.email).first() or User(email=demo_user.email)
            user.first_name = demo_user.first_name
            user.is_active = True
            user.set_password(demo_user.password)
            user.save()
            membership, _ = Membership.objects.update_or_create(
                user=user,
                organization=organization,
                defaults={"role": demo_user.role, "deactivated_at": None},
            )
            membership.units.set([units[slug] for slug in demo_user.units])
            entry = {
                "email": demo_user.email,
                "password": demo_user.password,
                "organization": organization.slug,
                "role": str(demo_user.role),
            }
            if demo_user.role in SECOND_FACTOR_ROLES:
                entry["totp_secret"] = _demo_totp_secret(user)
            summary["users"].append(entry)
