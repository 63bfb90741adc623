"""Opening a report is recorded; admins and auditors read the log; nobody can edit it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client

from safepath.accounts.models import Membership, Role, User
from safepath.conftest import PASSWORD, logged_in
from safepath.core.audit import audit_record
from safepath.core.models import AppendOnlyError, AuditEntry
from safepath.placements.models import Placement
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


def test_opening_a_report_is_recorded(
    bob: User, bob_client: Client, bus_station: Placement
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="x")

    bob_client.get(f"/dashboard/reports/{report.reference}/")

    entry = AuditEntry.objects.get(action="report.view")
    assert (entry.actor, entry.actor_email, entry.object_ref) == (bob, bob.email, report.reference)
    assert entry.organization == bus_station.organization


def test_a_refused_report_view_records_nothing(
    charlie_client: Client, bus_station: Placement
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="x")

    assert charlie_client.get(f"/dashboard/reports/{report.reference}/").status_code == 404
    assert not AuditEntry.objects.filter(action="report.view").exists()


def test_admin_reads_own_organizations_log_only(
    alice: User, bob: User, charlie: User, bus_station: Placement, clinic: Placement
) -> None:
    audit_record(
        actor=bob,
        organization=bus_station.organization,
        action="report.view",
        object_ref="RIVERSIDE1",
    )
    audit_record(
        actor=charlie,
        organization=clinic.organization,
        action="report.view",
        object_ref="HOSPITAL1",
    )

    body = logged_in(alice).get("/dashboard/audit/").content.decode()

    assert "RIVERSIDE1" in body
    assert "HOSPITAL1" not in body


def test_auditor_reads_the_log_and_responder_does_not(riverside, bob_client: Client) -> None:
    auditor = User.objects.create_user("audrey@riverside.test", PASSWORD)
    Membership.objects.create(user=auditor, organization=riverside, role=Role.AUDITOR)

    assert logged_in(auditor).get("/dashboard/audit/").status_code == 200
    assert bob_client.get("/dashboard/audit/").status_code == 404


def test_entries_cannot_be_changed_or_deleted(bob: User, riverside) -> None:
    entry = audit_record(actor=bob, organization=riverside, action="report.view")

    entry.action = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "report.view"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger is PostgreSQL's"
)
def test_database_refuses_changes_to_entries(bob: User, riverside) -> None:
    entry = audit_record(actor=bob, organization=riverside, action="report.view")

    for statement in (
        "UPDATE core_auditentry SET action = 'x' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])


def test_a_report_shown_again_after_a_refused_change_is_recorded(
    bob: User, bob_client: Client, bus_station: Placement
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="x")

    response = bob_client.post(f"/dashboard/reports/{report.reference}/notes/", {"body": " "})

    assert response.status_code == 400
    assert AuditEntry.objects.filter(action="report.view", actor=bob).count() == 1
