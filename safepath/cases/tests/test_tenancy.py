"""Tenants are walls: every staff URL that names an object answers 404 to another tenant.

The matrix is built from the URL configuration, so a new staff URL fails this test until
someone says how to reach one of Riverside's objects through it. Owners get a page, a
redirect or a validation error (never a 404); Charlie of St. Brigid always gets a 404, for
GET and POST alike, and nothing changes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from safepath.accounts.models import Invitation, Membership, User
from safepath.cases import services
from safepath.cases.models import Case, CaseDocument, Share, ShareAccess
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement, PosterBatch
from safepath.placements.services import poster_batch_create, poster_batch_run
from safepath.reports.models import Report
from safepath.reports.photos import clean_photo
from safepath.reports.services import report_add_photo, report_start
from safepath.routing.models import RoutingPolicy
from safepath.training.tests.tenancy import (
    LEARNER,
    TRAINING_LIST_URLS,
    TRAINING_OBJECT_URLS,
    TRAINING_PUBLIC,
    training_world,
)

pytestmark = pytest.mark.django_db

# Public pages, which anyone may open, are not staff URLs.
PUBLIC = {
    "reports:scan",
    "reports:help",
    "reports:followup",
    "reports:scan_exit",
    "reports:followup_exit",
    "home",
    "healthz",
    "accounts:login",
    "accounts:logout",
    # An invitation link and password reset: the token in the URL is the credential.
    "accounts:invitation",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # The passkey script's translations (django-otp-webauthn's own strings, no data).
    "otp_webauthn:js-i18n-catalog",
}
# Sign-in steps and personal settings: they act on the signed-in person's own account only.
# A passkey (accounts:passkey_remove) is the owner's: another person's is a 404
# (accounts/tests/test_passkeys.py); the passkey ceremony acts on the signed-in account.
SIGN_IN = {
    "accounts:two_factor",
    "accounts:two_factor_setup",
    "accounts:security",
    "accounts:passkey_remove",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "api_tokens",
    "api_token_revoke",
}
# The operator's console: operator accounts only, a 404 to every organization's staff
# (checked in onboarding/tests/test_operator.py).
OPERATOR = {
    "operator:console",
    "operator:organization_create",
    "operator:organization_suspend",
    "operator:organization_resume",
    "operator:area_verify",
    "operator:area_refuse",
}
# Pages that list the member's own organizations' data (no object in the URL).
STAFF_LIST_URLS = {
    "cases:dashboard",
    "cases:audit_log",
    "cases:reports_csv",
    "cases:case_list",
    "placements:list",
    "placements:map",
    "placements:create",
    "placements:import",
    "placements:import_template",
    "placements:export",
    "placements:batches",
    "routing:overview",
    "routing:policy_new",
    "routing:webhook_add",
    "routing:area_import",
    "routing:time_zone_update",
    "routing:channels_update",
    "members:list",
    "members:invite",
    "members:import",
    "onboarding:progress",
    "onboarding:profile",
}


@dataclass
class World:
    placement: Placement
    report: Report
    case: Case
    share: Share
    document: CaseDocument
    batch: PosterBatch


GET, POST = "GET", "POST"


def _membership(world: World) -> Membership:
    # The organization's administrator (Alice): never the last one in the role matrix.
    return Membership.objects.get(
        organization=world.placement.organization, role="admin", user__email="alice@riverside.test"
    )


def _invitation(world: World) -> Invitation:
    # Made directly (not through the audited service): the matrix counts audit entries.
    invitation, _created = Invitation.objects.get_or_create(
        organization=world.placement.organization,
        email="new@r.test",
        defaults={
            "role": "responder",
            "token_hash": "0" * 64,
            "expires_at": timezone.now() + timedelta(days=7),
        },
    )
    return invitation


# name: (method, url builder, form data for POST)
STAFF_OBJECT_URLS: dict[str, tuple[str, Callable[[World], str], dict[str, str]]] = {
    "placements:qr_svg": (GET, lambda w: f"/placements/{w.placement.code}/qr.svg", {}),
    "placements:qr_png": (GET, lambda w: f"/placements/{w.placement.code}/qr.png", {}),
    "cases:report_detail": (GET, lambda w: f"/dashboard/reports/{w.report.reference}/", {}),
    "cases:report_row": (GET, lambda w: f"/dashboard/reports/{w.report.reference}/row/", {}),
    "cases:report_live": (GET, lambda w: f"/dashboard/reports/{w.report.reference}/live/", {}),
    "cases:report_photo": (
        GET,
        lambda w: f"/dashboard/reports/{w.report.reference}/photo.jpg",
        {},
    ),
    "cases:report_status": (
        POST,
        lambda w: f"/dashboard/reports/{w.report.reference}/status/",
        {"status": "acknowledged"},
    ),
    "cases:report_reply": (
        POST,
        lambda w: f"/dashboard/reports/{w.report.reference}/reply/",
        {"body": "We can help. Are you safe?"},
    ),
    "cases:report_assign": (POST, lambda w: f"/dashboard/reports/{w.report.reference}/assign/", {}),
    "cases:report_note": (
        POST,
        lambda w: f"/dashboard/reports/{w.report.reference}/notes/",
        {"body": "note"},
    ),
    "cases:report_share": (POST, lambda w: f"/dashboard/reports/{w.report.reference}/share/", {}),
    "cases:report_link": (
        POST,
        lambda w: f"/dashboard/reports/{w.report.reference}/link/",
        {"case": "X"},
    ),
    "cases:share_revoke": (POST, lambda w: f"/dashboard/shares/{w.share.pk}/revoke/", {}),
    "cases:case_detail": (GET, lambda w: f"/dashboard/cases/{w.case.reference}/", {}),
    "cases:case_entry": (
        POST,
        lambda w: f"/dashboard/cases/{w.case.reference}/entries/",
        {"kind": "phone", "value": "555 0100"},
    ),
    "cases:case_observation": (
        POST,
        lambda w: f"/dashboard/cases/{w.case.reference}/observations/",
        {"indicator": "CO-01"},
    ),
    "cases:case_note": (
        POST,
        lambda w: f"/dashboard/cases/{w.case.reference}/notes/",
        {"body": "n"},
    ),
    "cases:case_document": (POST, lambda w: f"/dashboard/cases/{w.case.reference}/documents/", {}),
    "cases:case_document_download": (
        GET,
        lambda w: f"/dashboard/cases/{w.case.reference}/documents/{w.document.pk}/",
        {},
    ),
    "cases:case_share": (POST, lambda w: f"/dashboard/cases/{w.case.reference}/share/", {}),
    "cases:case_summary": (GET, lambda w: f"/dashboard/cases/{w.case.reference}/summary.pdf", {}),
    "placements:detail": (GET, lambda w: f"/placements/{w.placement.code}/", {}),
    "placements:edit": (GET, lambda w: f"/placements/{w.placement.code}/edit/", {}),
    "placements:poster": (GET, lambda w: f"/placements/{w.placement.code}/poster.pdf", {}),
    "placements:set_status": (
        POST,
        lambda w: f"/placements/{w.placement.code}/status/",
        {"status": "lost"},
    ),
    "placements:replace_code": (
        POST,
        lambda w: f"/placements/{w.placement.code}/replace-code/",
        {},
    ),
    "placements:mark_checked": (POST, lambda w: f"/placements/{w.placement.code}/checked/", {}),
    "placements:batch_detail": (GET, lambda w: f"/placements/batches/{w.batch.pk}/", {}),
    "routing:acknowledge": (
        GET,
        lambda w: f"/dashboard/reports/{w.report.reference}/acknowledge/",
        {},
    ),
    "routing:placement_routing": (
        GET,
        lambda w: f"/dashboard/routing/placements/{w.placement.code}/",
        {},
    ),
    "routing:policy_edit": (
        GET,
        lambda w: (
            "/dashboard/routing/policies/"
            f"{RoutingPolicy.objects.get(organization=w.placement.organization).pk}/"
        ),
        {},
    ),
    # Analytics name the organization in ?org=: another organization's slug is a 404.
    "analytics:page": (GET, lambda w: f"/analytics/?org={w.placement.organization.slug}", {}),
    "analytics:export_csv": (
        GET,
        lambda w: f"/analytics/export/funnel-placements.csv?org={w.placement.organization.slug}",
        {},
    ),
    "analytics:region": (
        GET,
        lambda w: f"/analytics/region/?org={w.placement.organization.slug}",
        {},
    ),
    "analytics:digest": (
        POST,
        lambda w: "/analytics/digest/",
        {"org": "riverside-pd", "weekly": "on"},
    ),
    "analytics:regional_sharing": (
        POST,
        lambda w: "/analytics/regional-sharing/",
        {"org": "riverside-pd", "region": ""},
    ),
    "analytics:summary_pdf": (
        GET,
        lambda w: f"/analytics/summary.pdf?org={w.placement.organization.slug}",
        {},
    ),
    "placements:batch_status": (GET, lambda w: f"/placements/batches/{w.batch.pk}/status.json", {}),
    "onboarding:drill": (
        POST,
        lambda w: f"/dashboard/onboarding/drill/{w.placement.code}/",
        {},
    ),
    "members:edit": (GET, lambda w: f"/dashboard/members/{_membership(w).pk}/", {}),
    "members:deactivate": (
        POST,
        lambda w: f"/dashboard/members/{_membership(w).pk}/deactivate/",
        {},
    ),
    "members:reset_second_factor": (
        POST,
        lambda w: f"/dashboard/members/{_membership(w).pk}/second-factor/reset/",
        {},
    ),
    "members:invitation_resend": (
        POST,
        lambda w: f"/dashboard/members/invitations/{_invitation(w).pk}/resend/",
        {},
    ),
    "members:invitation_revoke": (
        POST,
        lambda w: f"/dashboard/members/invitations/{_invitation(w).pk}/revoke/",
        {},
    ),
    "placements:batch_download": (
        GET,
        lambda w: f"/placements/batches/{w.batch.pk}/posters.pdf",
        {},
    ),
}


# The API's schema is public; its list endpoints are scoped like the inbox.
API_PUBLIC = {"api:schema"}
API_LIST_URLS = {"api:reports": "/api/v1/reports/", "api:cases": "/api/v1/cases/"}
API_OBJECT_URLS: dict[str, tuple[str, Callable[[World], str]]] = {
    "api:report": (GET, lambda w: f"/api/v1/reports/{w.report.reference}/"),
    "api:timeline": (GET, lambda w: f"/api/v1/reports/{w.report.reference}/timeline/"),
    "api:status": (POST, lambda w: f"/api/v1/reports/{w.report.reference}/status/"),
    "api:acknowledge": (POST, lambda w: f"/api/v1/reports/{w.report.reference}/acknowledge/"),
    "api:case": (GET, lambda w: f"/api/v1/cases/{w.case.reference}/"),
}


def named_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns: list, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif entry.name:
                found[f"{namespace}:{entry.name}" if namespace else entry.name] = entry

    walk(get_resolver().url_patterns, None)
    return found


def _tiny_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 20, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def world(alice: User, bus_station: Placement, st_brigid) -> World:
    report, _ = report_start(placement=bus_station, step="what", value="secret words")
    report_add_photo(report=report, photo=clean_photo(_tiny_jpeg()))
    case = services.case_create(organization=bus_station.organization, actor=alice, title="Van")
    services.case_link_report(case=case, report=report, actor=alice, organization=case.organization)
    # A share to a third organization, so Charlie's St. Brigid gains nothing from it.
    from safepath.accounts.models import Organization

    third = Organization.objects.create(
        slug="county-tf", name="County Task Force", kind="task_force"
    )
    share = services.share_create(
        actor=alice,
        organization=bus_station.organization,
        shared_with=third,
        access=ShareAccess.READ,
        reason="task force review",
        report=report,
    )
    document = services.case_document_add(
        case=case,
        name="photo.png",
        content_type="image/png",
        data=b"\x89PNG fake",
        actor=alice,
        organization=case.organization,
    )
    batch = poster_batch_create(
        organization=bus_station.organization, actor=None, placements=[bus_station], paper="letter"
    )
    poster_batch_run(batch=PosterBatch.objects.get(pk=batch.pk))
    return World(bus_station, report, case, share, document, batch)


def test_every_named_url_is_classified() -> None:
    names = set(named_patterns())

    unclassified = names - PUBLIC - SIGN_IN - OPERATOR - set(STAFF_OBJECT_URLS) - STAFF_LIST_URLS
    unclassified -= TRAINING_PUBLIC | set(TRAINING_OBJECT_URLS) | set(TRAINING_LIST_URLS)
    unclassified -= API_PUBLIC | set(API_LIST_URLS) | set(API_OBJECT_URLS)
    assert not unclassified, f"add these URLs to the tenancy matrix: {sorted(unclassified)}"
    assert set(STAFF_OBJECT_URLS) <= names


def call(client: Client, name: str, world: World):
    method, build, data = STAFF_OBJECT_URLS[name]
    url = build(world)
    return client.get(url) if method == GET else client.post(url, data)


@pytest.mark.parametrize("name", sorted(STAFF_OBJECT_URLS))
def test_other_tenant_gets_404_and_changes_nothing(
    name: str, charlie_client: Client, world: World
) -> None:
    audit_before = AuditEntry.objects.count()

    response = call(charlie_client, name, world)

    assert response.status_code == 404
    assert b"secret words" not in response.content
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("name", sorted(STAFF_OBJECT_URLS))
def test_owner_is_not_refused(name: str, alice: User, world: World) -> None:
    response = call(logged_in(alice), name, world)

    assert response.status_code in {200, 302, 400}, response.status_code


@pytest.mark.parametrize("name", sorted(set(STAFF_OBJECT_URLS) | STAFF_LIST_URLS))
def test_staff_urls_need_a_login(name: str, world: World) -> None:
    if name in STAFF_LIST_URLS:
        response = Client().get(reverse(name))
    else:
        response = call(Client(), name, world)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(TRAINING_OBJECT_URLS))
def test_training_objects_are_the_owners_and_404_to_another_tenant(
    name: str, alice, bob, charlie_client: Client
) -> None:
    world = training_world(organization=bob.memberships.get().organization, learner=bob)
    owner_kind, make_url = TRAINING_OBJECT_URLS[name]
    url = make_url(world)
    owner = logged_in(bob if owner_kind == LEARNER else alice)

    assert owner.get(url).status_code == 200
    assert charlie_client.get(url).status_code == 404
    assert Client().get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(TRAINING_LIST_URLS))
def test_training_lists_need_a_login(name: str) -> None:
    response = Client().get(TRAINING_LIST_URLS[name])

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# Placement changes only administrators and supervisors make: a responder is refused (403),
# because the placement is theirs to see, not to change.
MANAGER_ONLY = ("placements:edit", "placements:set_status", "placements:replace_code")


@pytest.mark.parametrize("name", MANAGER_ONLY)
def test_responders_cannot_change_placements(name: str, bob_client: Client, world: World) -> None:
    response = call(bob_client, name, world)

    assert response.status_code == 403
    world.placement.refresh_from_db()
    assert world.placement.status == "active"


def _token(user: User) -> dict[str, Any]:
    from safepath.api.models import Scope
    from safepath.api.tokens import api_token_create

    _record, value = api_token_create(user=user, name="matrix", scopes=list(Scope.values))
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


@pytest.mark.parametrize("name", sorted(API_OBJECT_URLS))
def test_api_objects_are_404_to_another_tenant_and_need_a_login(
    name: str, alice: User, charlie: User, world: World
) -> None:
    method, build = API_OBJECT_URLS[name]
    url = build(world)
    data = {"status": "acknowledged"} if name == "api:status" else {}

    def send(client: Client, **headers: Any) -> int:
        if method == GET:
            return client.get(url, **headers).status_code
        return client.post(url, data, content_type="application/json", **headers).status_code

    assert send(Client(), **_token(charlie)) == 404
    assert send(logged_in(charlie)) == 404
    assert send(Client()) in {401, 403}
    assert send(Client(), **_token(alice)) in {200, 400}
    world.report.refresh_from_db()
    assert world.report.status in {"new", "acknowledged"}


@pytest.mark.parametrize("name", sorted(API_LIST_URLS))
def test_api_lists_hold_nothing_of_another_tenant(name: str, charlie: User, world: World) -> None:
    response = Client().get(API_LIST_URLS[name], **_token(charlie))

    assert response.status_code == 200
    assert response.json()["results"] == []
