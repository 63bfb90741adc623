"""Every role against every staff URL and API endpoint, built from the URL configuration.

Reuses the tenancy matrix's URL tables (test_tenancy.py), so a URL added there is checked
here for each role too; a staff URL that no table names fails
``test_every_staff_url_has_a_rule_for_every_role``. Roles, in one organization (Riverside):

- admin, supervisor, responder read and work reports and cases;
- analyst sees aggregates only: never a report's or case's contents (404, like a stranger);
- auditor reads the audit log and never a report's or case's contents.

Each call runs in a transaction that is rolled back, so one call's change (a replaced code,
an acknowledgement) cannot decide the next call's answer. Training pages are checked by
training's own tests (their roles are learner and manager, not these).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.accounts.permissions import Capability, role_can
from safepath.cases.tests.test_tenancy import (
    API_LIST_URLS,
    API_OBJECT_URLS,
    GET,
    STAFF_LIST_URLS,
    STAFF_OBJECT_URLS,
    World,
    _token,
    call,
)
from safepath.conftest import logged_in

pytestmark = pytest.mark.django_db

# "unit_responder" is a responder limited to a unit (need-to-know) that did not receive the
# world's report; "learner" only takes training.
UNIT_RESPONDER = "unit_responder"
ROLES = [
    Role.ADMIN,
    Role.SUPERVISOR,
    Role.RESPONDER,
    Role.ANALYST,
    Role.AUDITOR,
    Role.LEARNER,
    UNIT_RESPONDER,
]
WORKS = {200, 302, 400}  # a page, a redirect after a change, or a validation error
ROLE_404 = {404}
REFUSED = {403}


def rule(**by_role: set[int]) -> dict[str, set[int]]:
    # A learner finds no staff page at all; a unit-limited responder is a responder unless
    # the rule says otherwise (report contents outside their units).
    by_role.setdefault("learner", ROLE_404)
    by_role.setdefault(UNIT_RESPONDER, by_role["responder"])
    return {str(role): by_role[str(role)] for role in ROLES}


def by_capability(capability: Capability, *, otherwise: set[int]) -> dict[str, set[int]]:
    """Read from the one permission table: WORKS for the roles holding ``capability``.

    A learner finds no staff page at all (404); a unit-limited responder is a responder."""
    real = {str(r): WORKS if role_can(r, capability) else otherwise for r in ROLES[:-2]}
    return rule(**real)


# Who may do what, by kind of URL.
# A unit-limited responder finds no report outside their units (need-to-know).
CONTENTS = {
    **by_capability(Capability.REPORT_READ, otherwise=ROLE_404),
    UNIT_RESPONDER: ROLE_404,
}
EVERY_MEMBER = rule(admin=WORKS, supervisor=WORKS, responder=WORKS, analyst=WORKS, auditor=WORKS)
MANAGERS = by_capability(Capability.PLACEMENT_MANAGE, otherwise=REFUSED)
ADMINS = by_capability(Capability.ROUTING_MANAGE, otherwise=REFUSED)
MEMBER_ADMINS = by_capability(Capability.MEMBERS_MANAGE, otherwise=REFUSED)
# Placements (internal notes, exact places) are for roles that pass the second factor:
# another role finds no placement object at all.
PLACEMENT = by_capability(Capability.PLACEMENT_VIEW, otherwise=ROLE_404)
PLACEMENT_MANAGERS = rule(
    admin=WORKS, supervisor=WORKS, responder=REFUSED, analyst=ROLE_404, auditor=ROLE_404
)
# Analytics (counts only) for the roles with analytics.view; another role finds no
# organization's figures at all.
ANALYTICS = by_capability(Capability.ANALYTICS_VIEW, otherwise=ROLE_404)
# The digest and regional sharing are the administrator's choice (analytics.manage); a role
# that may read the figures is refused, another finds nothing.
ANALYTICS_ADMINS = rule(
    admin=WORKS, supervisor=REFUSED, responder=ROLE_404, analyst=REFUSED, auditor=ROLE_404
)
AUDIT_LOG = by_capability(Capability.AUDIT_READ, otherwise=ROLE_404)
# The inbox sends a learner to their training; API lists answer a learner with nothing.
INBOX = {**EVERY_MEMBER, "learner": {302}}
API_LIST = {**EVERY_MEMBER, "learner": {200}}

RULES: dict[str, dict[str, set[int]]] = {
    # The inbox and exports open for every member but hold only what the role may read
    # (checked below: no report of Riverside's appears for an analyst or auditor).
    "cases:dashboard": INBOX,
    "cases:reports_csv": EVERY_MEMBER,
    "cases:audit_log": AUDIT_LOG,
    # A unit-limited responder gets the list, holding only cases with their units' reports.
    "cases:case_list": {**CONTENTS, UNIT_RESPONDER: WORKS},
    # Placements, their codes and posters, and routing are not report contents.
    "placements:list": EVERY_MEMBER,
    "placements:map": EVERY_MEMBER,
    "placements:detail": PLACEMENT,
    "placements:qr_svg": PLACEMENT,
    "placements:qr_png": PLACEMENT,
    "placements:poster": PLACEMENT,
    "placements:export": EVERY_MEMBER,
    "placements:import_template": EVERY_MEMBER,
    "placements:batches": EVERY_MEMBER,
    "placements:batch_detail": PLACEMENT,
    "placements:batch_status": PLACEMENT,
    "placements:batch_download": PLACEMENT,
    "placements:create": MANAGERS,
    "placements:import": MANAGERS,
    "placements:edit": PLACEMENT_MANAGERS,
    "placements:set_status": PLACEMENT_MANAGERS,
    "placements:replace_code": PLACEMENT_MANAGERS,
    "placements:mark_checked": PLACEMENT,
    "routing:overview": EVERY_MEMBER,
    "routing:placement_routing": PLACEMENT,
    "routing:policy_edit": EVERY_MEMBER,  # GET shows the policy; changing it is ADMINS
    "routing:policy_new": ADMINS,
    "routing:webhook_add": ADMINS,
    "routing:area_import": ADMINS,
    "routing:time_zone_update": ADMINS,
    "routing:channels_update": EVERY_MEMBER,
    "routing:acknowledge": CONTENTS,
    "analytics:page": ANALYTICS,
    "analytics:export_csv": ANALYTICS,
    "analytics:summary_pdf": ANALYTICS,
    "analytics:region": ANALYTICS,
    "analytics:digest": ANALYTICS_ADMINS,
    "analytics:regional_sharing": ANALYTICS_ADMINS,
    "api:reports": API_LIST,
    "api:cases": API_LIST,
    # Members are the administrator's to manage.
    "members:list": MEMBER_ADMINS,
    "onboarding:progress": MEMBER_ADMINS,
    # A drill starts from a placement: its managers may; others who see it are refused.
    "onboarding:drill": PLACEMENT_MANAGERS,
    "onboarding:profile": MEMBER_ADMINS,
    "members:invite": MEMBER_ADMINS,
    "members:import": MEMBER_ADMINS,
    "members:edit": MEMBER_ADMINS,
    "members:deactivate": MEMBER_ADMINS,
    "members:reset_second_factor": MEMBER_ADMINS,
    "members:invitation_resend": MEMBER_ADMINS,
    "members:invitation_revoke": MEMBER_ADMINS,
}
# Everything else that names a report, a case or a share is report contents.
for _name in [*STAFF_OBJECT_URLS, *API_OBJECT_URLS]:
    RULES.setdefault(_name, CONTENTS)


def _org(world: World) -> int:
    return world.placement.organization_id


# List URLs that only accept POST, with a form that gets past validation to the role check.
POST_ONLY_LISTS: dict[str, Callable[[User, World], dict[str, Any]]] = {
    "routing:policy_new": lambda user, w: {
        "organization": _org(w),
        "name": "Night shift",
        "sector": "public_place",
        "tiers": "riverside-pd 30",
    },
    "routing:webhook_add": lambda user, w: {
        "organization": _org(w),
        "url": "https://hooks.example.org/safepath",
    },
    "routing:area_import": lambda user, w: {
        "organization": _org(w),
        "file": SimpleUploadedFile("area.geojson", b'{"type": "FeatureCollection"}'),
    },
    "routing:time_zone_update": lambda user, w: {
        "organization": _org(w),
        "time_zone": "America/Chicago",
    },
    "members:invite": lambda user, w: {
        "organization": w.placement.organization.slug,
        "email": "someone@riverside.test",
        "role": "responder",
    },
    "members:import": lambda user, w: {
        "organization": w.placement.organization.slug,
        "file": SimpleUploadedFile("m.csv", b"email,role\nsomeone@riverside.test,responder\n"),
    },
    # A member's own notification channels: a personal setting every member has.
    "routing:channels_update": lambda user, w: {
        "membership": user.memberships.get().pk,
        "email": "on",
    },
}


@pytest.fixture
def members(riverside: Organization) -> dict[str, User]:
    users = {}
    night = Unit.objects.create(organization=riverside, slug="night", name="Night shift")
    for role in ROLES:
        user = User.objects.create_user(f"{role}@roles.test", "a-long-test-password")
        real_role = Role.RESPONDER if role == UNIT_RESPONDER else role
        membership = Membership.objects.create(user=user, organization=riverside, role=real_role)
        if role == UNIT_RESPONDER:
            membership.units.set([night])
        users[str(role)] = user
    return users


def send(name: str, user: User, world: World) -> Any:
    if name in API_OBJECT_URLS:
        method, build = API_OBJECT_URLS[name]
        client, headers = Client(), _token(user)
        if method == GET:
            return client.get(build(world), **headers)
        return client.post(
            build(world), {"status": "in_progress"}, content_type="application/json", **headers
        )
    if name in API_LIST_URLS:
        return Client().get(API_LIST_URLS[name], **_token(user))
    client = logged_in(user)
    if name in STAFF_LIST_URLS:
        url = reverse(name)
        if name in POST_ONLY_LISTS:
            return client.post(url, POST_ONLY_LISTS[name](user, world))
        return client.get(url)
    return call(client, name, world)


def every_url() -> set[str]:
    return set(STAFF_OBJECT_URLS) | STAFF_LIST_URLS | set(API_OBJECT_URLS) | set(API_LIST_URLS)


def test_every_staff_url_has_a_rule_for_every_role() -> None:
    assert every_url() - set(RULES) == set()
    for name, by_role in RULES.items():
        assert set(by_role) == {str(r) for r in ROLES}, name


@pytest.mark.parametrize("role", [str(r) for r in ROLES])
def test_each_role_gets_exactly_what_it_may(
    role: str, members: dict[str, User], world: World
) -> None:
    user = members[role]
    wrong = []
    for name in sorted(every_url()):
        # Each call is undone, so calls cannot change one another's answers.
        with transaction.atomic():
            response = send(name, user, world)
            transaction.set_rollback(True)
        expected = RULES[name][role]
        if response.status_code not in expected:
            wrong.append(f"{name}: {response.status_code}, expected {sorted(expected)}")
        if RULES[name] in (EVERY_MEMBER, INBOX, API_LIST) and role in {
            "analyst",
            "auditor",
            "learner",
            UNIT_RESPONDER,
        }:
            body = response.content
            if b"secret words" in body or world.report.reference.encode() in body:
                wrong.append(f"{name}: shows a report to an {role}")
        listing = name in STAFF_LIST_URLS | set(API_LIST_URLS)
        if role == UNIT_RESPONDER and listing and world.case.reference.encode() in response.content:
            wrong.append(f"{name}: shows another unit's case to a unit-limited responder")
    assert not wrong, "\n".join(wrong)
