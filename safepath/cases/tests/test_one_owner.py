"""The Report has one owner (issue 10): linking never widens who reads a report, owners see
every read of their reports, partners hear of every change live, analysts get true counts,
and what responders write about cases and shares is sealed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, User
from safepath.api.tests.test_api import bearer
from safepath.cases import services
from safepath.cases.models import ShareAccess
from safepath.cases.selectors import inbox_counts
from safepath.conftest import PASSWORD, logged_in
from safepath.core.live import organization_group
from safepath.core.models import AuditEntry
from safepath.core.testing import LiveEvents
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_start
from safepath.routing.services import escalations_process_due

pytestmark = pytest.mark.django_db

SECRET = "a grey truck, plate 4XYZ987"


@pytest.fixture
def report(bus_station: Placement) -> Report:
    report, _ = report_start(placement=bus_station, step="what", value=SECRET)
    return report


@pytest.fixture
def harbor(db: None) -> Organization:
    return Organization.objects.create(
        slug="harbor", name="Harbor Shelter", kind=OrganizationKind.SERVICE_PROVIDER
    )


def _member(email: str, organization: Organization, role: str = Role.RESPONDER) -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def test_linking_into_another_organizations_case_never_widens_who_reads_a_report(
    report: Report, st_brigid: Organization, harbor: Organization
) -> None:
    riverside = report.placement.organization
    dual = _member("dual@both.test", riverside)  # a member of Riverside and St. Brigid
    Membership.objects.create(user=dual, organization=st_brigid, role=Role.ADMIN)
    hal = _member("hal@harbor.test", harbor)
    case = services.case_create(organization=st_brigid, actor=dual, title="Joint work")
    linked = logged_in(dual).post(
        f"/dashboard/reports/{report.reference}/link/", {"case": case.reference}
    )
    assert linked.status_code in {200, 302, 400}
    # Whatever the page allowed, the link exists by the service too (the worst case).
    services.case_link_report(case=case, report=report, actor=dual, organization=st_brigid)
    services.share_create(
        actor=dual,
        organization=st_brigid,
        shared_with=harbor,
        access=ShareAccess.READ,
        reason="joint work",
        case=case,
    )

    page = logged_in(hal).get(f"/dashboard/reports/{report.reference}/")
    api = Client().get(f"/api/v1/reports/{report.reference}/", **bearer(hal))
    summary = logged_in(hal).get(f"/dashboard/cases/{case.reference}/summary.pdf")

    assert page.status_code == 404
    assert api.status_code == 404
    assert summary.status_code == 200
    assert SECRET.encode() not in summary.content
    assert report.reference not in logged_in(hal).get("/dashboard/").content.decode()


def test_a_case_shared_by_the_owner_still_opens_its_reports(
    report: Report, alice: User, st_brigid: Organization, charlie_client: Client
) -> None:
    riverside = report.placement.organization
    case = services.case_create(organization=riverside, actor=alice, title="Van")
    services.case_link_report(case=case, report=report, actor=alice, organization=riverside)
    services.share_create(
        actor=alice,
        organization=riverside,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="same van",
        case=case,
    )

    assert charlie_client.get(f"/dashboard/reports/{report.reference}/").status_code == 200


def _reads(organization: Organization, reader: User, report: Report) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            organization=organization, actor=reader, object_ref=report.reference
        ).values_list("action", flat=True)
    )


def test_the_owner_sees_every_read_of_its_report_by_a_partner(
    report: Report, alice: User, charlie: User, st_brigid: Organization
) -> None:
    riverside = report.placement.organization
    services.share_create(
        actor=alice,
        organization=riverside,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="same van",
        report=report,
    )

    assert logged_in(charlie).get(f"/dashboard/reports/{report.reference}/").status_code == 200
    assert (
        Client().get(f"/api/v1/reports/{report.reference}/", **bearer(charlie)).status_code == 200
    )

    assert _reads(riverside, charlie, report).count("report.view") == 2
    assert _reads(st_brigid, charlie, report).count("report.view") == 2


def test_a_case_pdf_counts_as_a_read_of_each_report_in_it(
    report: Report, alice: User, charlie: User, st_brigid: Organization
) -> None:
    riverside = report.placement.organization
    case = services.case_create(organization=riverside, actor=alice, title="Van")
    services.case_link_report(case=case, report=report, actor=alice, organization=riverside)
    services.share_create(
        actor=alice,
        organization=riverside,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="same van",
        case=case,
    )

    response = logged_in(charlie).get(f"/dashboard/cases/{case.reference}/summary.pdf")

    assert response.status_code == 200
    assert "report.exported" in _reads(riverside, charlie, report)


def test_the_csv_export_shows_in_the_owners_log(
    report: Report, alice: User, charlie: User, st_brigid: Organization
) -> None:
    riverside = report.placement.organization
    services.share_create(
        actor=alice,
        organization=riverside,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="same van",
        report=report,
    )

    assert logged_in(charlie).get("/dashboard/reports.csv").status_code == 200

    assert AuditEntry.objects.filter(
        organization=riverside, actor=charlie, action="reports.export_csv"
    ).exists()


@pytest.fixture
def brigid_dashboard(st_brigid: Organization) -> Iterator[LiveEvents]:
    """St. Brigid's dashboard group, heard as a dashboard of this process would hear it."""
    with LiveEvents(organization_group(st_brigid.pk)) as events:
        yield events


@pytest.fixture
def run_on_commit_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test's transaction never commits: post-commit hooks (live events) run at once.
    monkeypatch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())


@pytest.mark.parametrize("change", ["acknowledge", "status", "escalation"])
def test_partners_are_told_live_of_acknowledgements_status_changes_and_escalations(
    bus_station: Placement,
    alice: User,
    bob: User,
    st_brigid: Organization,
    charlie: User,
    change: str,
    run_on_commit_at_once: None,
    brigid_dashboard: LiveEvents,
) -> None:
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=bus_station, step="what", value=SECRET)
        services.share_create(
            actor=alice,
            organization=bus_station.organization,
            shared_with=st_brigid,
            access=ShareAccess.READ,
            reason="same van",
            report=report,
        )
    # Let what the share announced to St. Brigid go by: what arrives next is the change's own.
    while brigid_dashboard.next_event(timeout=0.5) is not None:
        pass

    if change == "acknowledge":
        response = logged_in(bob).post(f"/dashboard/reports/{report.reference}/acknowledge/")
        assert response.status_code == 302
    elif change == "status":
        services.report_set_status(
            report=report,
            status="acknowledged",
            actor=bob,
            organization=bus_station.organization,
        )
        services.report_set_status(
            report=report, status="in_progress", actor=bob, organization=bus_station.organization
        )
    else:
        with freeze_time(start + timedelta(hours=2)):
            assert escalations_process_due() == 1

    assert brigid_dashboard.next_event() == {
        "kind": "report",
        "report": report.reference,
        "placement": bus_station.public_name,
    }


def test_analysts_see_true_inbox_counts(report: Report, bus_station: Placement) -> None:
    analyst = _member("ann@riverside.test", bus_station.organization, Role.ANALYST)

    counts = inbox_counts(user=analyst)

    assert counts.get("new") == 1
    # Counting is not reading: the report itself stays closed to the analyst.
    assert logged_in(analyst).get(f"/dashboard/reports/{report.reference}/").status_code == 404


def test_case_titles_and_share_and_link_reasons_are_sealed(
    report: Report, alice: User, st_brigid: Organization
) -> None:
    riverside = report.placement.organization
    case = services.case_create(organization=riverside, actor=alice, title="Operation Bluebird")
    services.case_link_report(
        case=case,
        report=report,
        actor=alice,
        organization=riverside,
        reason="Same plate as the motel report",
    )
    services.share_create(
        actor=alice,
        organization=riverside,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="Victim treated at the clinic",
        report=report,
    )

    with connection.cursor() as cursor:
        stored = []
        for table in ("cases_case", "cases_casereport", "cases_share"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  # fixed table names
            stored += [str(value) for row in cursor.fetchall() for value in row]
    everything = " ".join(stored)

    for words in ("Bluebird", "Same plate", "treated at the clinic"):
        assert words not in everything
    page = logged_in(alice).get(f"/dashboard/cases/{case.reference}/").content.decode()
    assert "Operation Bluebird" in page


def test_only_an_owner_can_share_a_report(
    report: Report, charlie: User, st_brigid: Organization, harbor: Organization
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.share_create(
            actor=charlie,
            organization=st_brigid,
            shared_with=harbor,
            access=ShareAccess.READ,
            reason="not ours to give",
            report=report,
        )
