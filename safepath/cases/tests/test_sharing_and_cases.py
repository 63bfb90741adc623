"""Cases link reports; shares open a report or case to a partner until revoked."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from safepath.accounts.models import User
from safepath.cases import services
from safepath.cases.models import Case, CaseDocument, CaseEntry, CaseObservation, Share
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(bus_station: Placement) -> Report:
    report, _ = report_start(placement=bus_station, step="what", value="a blue van, plate 7ABC123")
    return report


def share_report(client: Client, report: Report, org_pk: int, access: str = "read"):
    return client.post(
        f"/dashboard/reports/{report.reference}/share/",
        {"organization": str(org_pk), "access": access, "reason": "Same van seen near the clinic"},
    )


def test_shared_report_is_visible_unshared_is_404_revoked_is_404_again(
    bob_client: Client, charlie_client: Client, report: Report, st_brigid
) -> None:
    url = f"/dashboard/reports/{report.reference}/"
    assert charlie_client.get(url).status_code == 404

    assert share_report(bob_client, report, st_brigid.pk).status_code == 302
    shared_view = charlie_client.get(url)
    assert shared_view.status_code == 200
    assert "Shared with St. Brigid Hospital" in shared_view.content.decode()
    assert "Same van seen near the clinic" in bob_client.get(url).content.decode()

    share = Share.objects.get()
    assert bob_client.post(f"/dashboard/shares/{share.pk}/revoke/").status_code == 302
    assert charlie_client.get(url).status_code == 404
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"report.shared", "report.shared_in", "share.revoked"} <= actions


def test_read_only_share_cannot_change_the_report(
    bob_client: Client, charlie_client: Client, report: Report, st_brigid
) -> None:
    share_report(bob_client, report, st_brigid.pk, access="read")

    response = charlie_client.post(
        f"/dashboard/reports/{report.reference}/status/", {"status": "acknowledged"}
    )

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == "new"


def test_read_write_share_can_work_the_report(
    bob_client: Client, charlie_client: Client, report: Report, st_brigid
) -> None:
    share_report(bob_client, report, st_brigid.pk, access="write")

    response = charlie_client.post(
        f"/dashboard/reports/{report.reference}/status/", {"status": "acknowledged"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "acknowledged"


def test_partner_cannot_revoke_or_reshare(
    bob_client: Client, charlie_client: Client, report: Report, st_brigid
) -> None:
    share_report(bob_client, report, st_brigid.pk, access="write")
    share = Share.objects.get()

    assert charlie_client.post(f"/dashboard/shares/{share.pk}/revoke/").status_code == 404
    assert share_report(charlie_client, report, report.placement.organization_id).status_code == 403


def test_sharing_with_yourself_is_refused(bob_client: Client, report: Report, riverside) -> None:
    response = share_report(bob_client, report, riverside.pk)

    assert response.status_code == 400
    assert not Share.objects.exists()


def test_case_collects_reports_entries_observations_notes_and_documents(
    bob: User, bob_client: Client, report: Report
) -> None:
    created = bob_client.post("/dashboard/cases/", {"title": "Blue van"})
    case = Case.objects.get()
    assert created["Location"] == f"/dashboard/cases/{case.reference}/"
    base = f"/dashboard/cases/{case.reference}"

    bob_client.post(f"/dashboard/reports/{report.reference}/link/", {"case": case.reference})
    bob_client.post(
        f"{base}/entries/", {"kind": "vehicle", "value": "7ABC-123", "note": "blue van"}
    )
    bob_client.post(f"{base}/observations/", {"indicator": "CO-01", "note": "clerk saw it"})
    bob_client.post(f"{base}/notes/", {"body": "Spoke with the motel manager."})
    upload = SimpleUploadedFile("notes.txt", b"statement", content_type="text/plain")
    bob_client.post(f"{base}/documents/", {"file": upload})

    assert list(case.reports.all()) == [report]
    entry = CaseEntry.objects.get()
    assert entry.value == "7ABC-123"
    assert entry.match_key == services.entry_match_key("vehicle", "7abc 123")  # same plate
    assert CaseObservation.objects.get().indicator == "CO-01"
    page = bob_client.get(f"{base}/").content.decode()
    assert "No single sign" in page  # the checklist says observations are not proof
    assert "Spoke with the motel manager." in page
    document = CaseDocument.objects.get()
    download = bob_client.get(f"{base}/documents/{document.pk}/")
    assert download.content == b"statement"
    assert download["Content-Disposition"].startswith("attachment")


def test_document_that_is_not_allowed_is_refused(bob_client: Client, bob: User, riverside) -> None:
    case = services.case_create(organization=riverside, actor=bob, title="c")
    upload = SimpleUploadedFile("run.html", b"<script>", content_type="text/html")

    response = bob_client.post(f"/dashboard/cases/{case.reference}/documents/", {"file": upload})

    assert response.status_code == 400
    assert "Attach a PDF" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_pattern_hints_stay_inside_what_the_member_may_see(
    bob: User, charlie: User, riverside, st_brigid
) -> None:
    own = services.case_create(organization=riverside, actor=bob, title="one")
    other_own = services.case_create(organization=riverside, actor=bob, title="two")
    foreign = services.case_create(organization=st_brigid, actor=charlie, title="theirs")
    for case, actor, org in (
        (own, bob, riverside),
        (other_own, bob, riverside),
        (foreign, charlie, st_brigid),
    ):
        services.case_entry_add(
            case=case, kind="phone", value="(555) 010-0199", note="", actor=actor, organization=org
        )
    services.case_entry_add(
        case=other_own,
        kind="phone",
        value="+1 555 010 0199",
        note="",
        actor=bob,
        organization=riverside,
    )

    page = logged_in(bob).get(f"/dashboard/cases/{own.reference}/").content.decode()

    assert other_own.reference in page
    assert foreign.reference not in page


def test_case_summary_pdf_carries_the_case(
    bob: User, bob_client: Client, report: Report, riverside
) -> None:
    case = services.case_create(organization=riverside, actor=bob, title="Blue van")
    services.case_link_report(case=case, report=report, actor=bob, organization=riverside)
    services.case_entry_add(
        case=case, kind="vehicle", value="7ABC123", note="", actor=bob, organization=riverside
    )

    response = bob_client.get(f"/dashboard/cases/{case.reference}/summary.pdf")

    assert response["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(response.content))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert f"Case {case.reference}: Blue van" in text
    assert "7ABC123" in text
    assert report.reference in text


def test_a_read_only_partner_cannot_file_the_report_in_its_cases_or_keep_it(
    bob_client: Client, charlie: User, report: Report, st_brigid
) -> None:
    share_report(bob_client, report, st_brigid.pk, access="read")
    their_case = services.case_create(organization=st_brigid, actor=charlie, title="theirs")
    partner = logged_in(charlie)

    refused = partner.post(
        f"/dashboard/reports/{report.reference}/link/", {"case": their_case.reference}
    )
    assert refused.status_code == 403
    assert not their_case.links.exists()

    # Even a link made while they could see it grants nothing once the share is revoked.
    services.case_link_report(case=their_case, report=report, actor=charlie, organization=st_brigid)
    bob_client.post(f"/dashboard/shares/{Share.objects.get().pk}/revoke/")
    assert partner.get(f"/dashboard/reports/{report.reference}/").status_code == 404
    assert (
        partner.post(
            f"/dashboard/reports/{report.reference}/status/", {"status": "acknowledged"}
        ).status_code
        == 404
    )


def test_what_responders_write_is_sealed_in_the_database(
    bob: User, bob_client: Client, report: Report, riverside
) -> None:
    from django.db import connection

    marker = "Marker-responder-7731"
    case = services.case_create(organization=riverside, actor=bob, title="sealed")
    services.case_entry_add(
        case=case,
        kind="phone",
        value=f"555 0100 {marker}",
        note=marker,
        actor=bob,
        organization=riverside,
    )
    services.case_observation_record(
        case=case, indicator="CO-01", note=marker, actor=bob, organization=riverside
    )
    services.case_note_add(case=case, body=marker, actor=bob, organization=riverside)
    services.case_document_add(
        case=case,
        name="statement.txt",
        content_type="text/plain",
        data=marker.encode(),
        actor=bob,
        organization=riverside,
    )
    services.report_note_add(report=report, actor=bob, organization=riverside, body=marker)

    with connection.cursor() as cursor:
        for table in (
            "cases_caseentry",
            "cases_caseobservation",
            "cases_casenote",
            "cases_casedocument",
            "cases_internalnote",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608  # fixed table names
            for row in cursor.fetchall():
                raw = " ".join(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in row
                )
                assert marker not in raw, table
                assert "5550100" not in raw, table
    page = bob_client.get(f"/dashboard/cases/{case.reference}/").content.decode()
    assert page.count(marker) >= 3  # and it all reads back for the responders
