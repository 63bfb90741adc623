"""The JSON API: tokens with scopes, tenancy, roles and validation, as on the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safepath.accounts.models import Membership, Role, User
from safepath.api.models import ApiToken, Scope
from safepath.api.tokens import api_token_create, api_token_revoke
from safepath.cases import services
from safepath.cases.models import ShareAccess
from safepath.conftest import PASSWORD, logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db

ALL_SCOPES: list[str] = [Scope.REPORTS_READ, Scope.REPORTS_WRITE, Scope.CASES_READ]


def bearer(user: User, scopes: list[str] = ALL_SCOPES) -> dict[str, Any]:
    _record, token = api_token_create(user=user, name="agency system", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def report(bus_station: Placement) -> Report:
    report, _ = report_start(placement=bus_station, step="what", value="a marker answer")
    return report


def test_token_lists_own_reports_only(bob: User, report: Report, clinic: Placement) -> None:
    report_start(placement=clinic, step="what", value="hospital")

    response = Client().get("/api/v1/reports/", **bearer(bob))

    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["results"]]
    assert ids == [report.reference]
    assert response.json()["results"][0]["placement"]["code"] == report.placement.code


def test_detail_has_the_answers_and_is_audited(bob: User, report: Report) -> None:
    response = Client().get(f"/api/v1/reports/{report.reference}/", **bearer(bob))

    assert response.status_code == 200
    assert response.json()["answers_given"][0]["text"] == "a marker answer"
    assert AuditEntry.objects.filter(action="report.view", actor=bob, detail="api").exists()


def test_another_tenant_gets_404(charlie: User, report: Report) -> None:
    headers = bearer(charlie)
    for url in (
        f"/api/v1/reports/{report.reference}/",
        f"/api/v1/reports/{report.reference}/timeline/",
    ):
        assert Client().get(url, **headers).status_code == 404
    ack = Client().post(f"/api/v1/reports/{report.reference}/acknowledge/", **headers)
    assert ack.status_code == 404
    report.refresh_from_db()
    assert report.status == "new"


def test_acknowledge_and_close_with_write_scope(bob: User, report: Report) -> None:
    headers = bearer(bob)

    ack = Client().post(f"/api/v1/reports/{report.reference}/acknowledge/", **headers)
    closed = Client().post(
        f"/api/v1/reports/{report.reference}/status/",
        {"status": "closed", "outcome": "no_indicators"},
        content_type="application/json",
        **headers,
    )

    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert closed.status_code == 200 and closed.json()["outcome"] == "no_indicators"
    timeline = Client().get(f"/api/v1/reports/{report.reference}/timeline/", **headers).json()
    assert [item["kind"] for item in timeline] == ["answer", "status", "status"]


def test_bad_status_is_a_clear_400_and_changes_nothing(bob: User, report: Report) -> None:
    headers = bearer(bob)

    unknown = Client().post(
        f"/api/v1/reports/{report.reference}/status/",
        {"status": "gone"},
        content_type="application/json",
        **headers,
    )
    impossible = Client().post(
        f"/api/v1/reports/{report.reference}/status/",
        {"status": "referred"},
        content_type="application/json",
        **headers,
    )

    assert unknown.status_code == 400 and "status" in unknown.json()
    assert impossible.status_code == 400
    assert "cannot be moved" in impossible.json()["status"][0]
    report.refresh_from_db()
    assert report.status == "new"


def test_token_without_the_scope_is_refused(bob: User, report: Report) -> None:
    headers = bearer(bob, [Scope.REPORTS_READ])

    assert Client().get("/api/v1/reports/", **headers).status_code == 200
    refused = Client().post(f"/api/v1/reports/{report.reference}/acknowledge/", **headers)
    assert refused.status_code == 403
    assert Client().get("/api/v1/cases/", **headers).status_code == 403


def test_invalid_or_revoked_token_is_401(bob: User) -> None:
    record, token = api_token_create(user=bob, name="x", scopes=ALL_SCOPES)

    assert (
        Client().get("/api/v1/reports/", HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 401
    )
    api_token_revoke(token=record)
    assert Client().get("/api/v1/reports/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert Client().get("/api/v1/reports/").status_code in {401, 403}


def test_read_only_share_cannot_change_status(
    alice: User, charlie: User, report: Report, st_brigid
) -> None:
    services.share_create(
        actor=alice,
        organization=report.placement.organization,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="review",
        report=report,
    )
    headers = bearer(charlie)

    assert Client().get(f"/api/v1/reports/{report.reference}/", **headers).status_code == 200
    refused = Client().post(f"/api/v1/reports/{report.reference}/acknowledge/", **headers)
    assert refused.status_code == 403


def test_session_needs_the_second_factor(bob: User, report: Report) -> None:
    password_only = Client()
    password_only.post("/accounts/login/", {"username": bob.email, "password": PASSWORD})

    assert password_only.get("/api/v1/reports/").status_code in {302, 401, 403}
    assert logged_in(bob).get("/api/v1/reports/").status_code == 200


def test_analyst_token_reads_no_reports(riverside, report: Report) -> None:
    analyst = User.objects.create_user("ana@riverside.test", PASSWORD)
    Membership.objects.create(user=analyst, organization=riverside, role=Role.ANALYST)

    response = Client().get("/api/v1/reports/", **bearer(analyst))

    assert response.json()["results"] == []


def test_schema_is_public_and_lists_the_reports_endpoints(db: None) -> None:
    response = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/api/v1/reports/{reference}/" in response.content.decode()


def test_tokens_page_shows_a_new_token_once(bob: User) -> None:
    client = logged_in(bob)

    created = client.post("/accounts/tokens/", {"name": "CAD link", "scopes": ["reports:read"]})

    assert created.status_code == 200
    assert "sp_" in created.content.decode()
    token = ApiToken.objects.get(user=bob)
    assert token.scopes == ["reports:read"]
    assert "CAD link" in client.get("/accounts/tokens/").content.decode()
    assert client.post("/accounts/tokens/", {"name": "", "scopes": []}).status_code == 400


def test_tokens_page_needs_the_second_factor(bob: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": bob.email, "password": PASSWORD})

    response = client.get("/accounts/tokens/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_head_needs_the_same_scope_as_get(bob: User, report: Report) -> None:
    cases_only = bearer(bob, [Scope.CASES_READ])

    response = Client().head(f"/api/v1/reports/{report.reference}/", **cases_only)

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="report.view").exists()
