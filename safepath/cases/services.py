"""Writes on the responders' side. Each records a timeline event and an audit entry, and
tells the open dashboards, in the same transaction."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import Membership, Organization, Unit, User
from safepath.cases.indicators import INDICATORS_BY_CODE
from safepath.cases.models import (
    Case,
    CaseDocument,
    CaseEntry,
    CaseNote,
    CaseObservation,
    CaseReport,
    EntryKind,
    InternalNote,
    Outcome,
    ReportHandling,
    Share,
    ShareAccess,
    WorkflowEvent,
)
from safepath.core.activity import record
from safepath.core.audit import audit_record
from safepath.core.crypto import lookup_key, organization_scope, seal, seal_text
from safepath.reports import workflow
from safepath.reports.access import report_audience, report_event, report_owner_ids
from safepath.reports.models import Report, ReportStatus

# Kept for callers that read it here; the Report's status belongs to ``reports.workflow``.
TRANSITIONS = workflow.TRANSITIONS

NOTE_MAX_CHARS = 5000
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}


def _event(
    *, report: Report, organization: Organization, actor: User, kind: str, detail: str = ""
) -> WorkflowEvent:
    """A step on the report's timeline, through the activity record: the acting
    organization's log and every owner's log show it, and the whole audience (partners
    included) hears of it live."""
    event = WorkflowEvent.objects.create(
        report=report, organization=organization, actor=actor, kind=kind, detail=detail[:300]
    )
    record(
        action=f"report.{kind}",
        actor=actor,
        organizations=[organization, *report_owner_ids(report=report)],
        object_type="report",
        object_ref=report.reference,
        detail=detail,
        audience=report_audience(report=report),
        event=report_event(report),
    )
    return event


@transaction.atomic
def report_set_status(
    *,
    report: Report,
    status: str,
    actor: User,
    organization: Organization,
    outcome: str = "",
) -> Report:
    """Move a report along its workflow (``reports.workflow`` owns the status); closing needs
    an outcome, which the responders' side keeps."""
    locked, moved = workflow.report_change_status(
        report=report, status=status, actor=actor, organization=organization
    )
    if not moved:
        _event(
            report=locked,
            organization=organization,
            actor=actor,
            kind="status",
            detail=str(ReportStatus.ACKNOWLEDGED.label),
        )
        return locked
    if status == ReportStatus.CLOSED:
        if outcome not in Outcome.values:
            raise ValidationError(_("Choose an outcome to close the report."))
        handling, _created = ReportHandling.objects.get_or_create(report=locked)
        handling.outcome = outcome
        handling.save(update_fields=["outcome", "updated_at"])
    detail = str(ReportStatus(status).label)
    if outcome:
        detail = f"{detail}: {Outcome(outcome).label}"
    _event(report=locked, organization=organization, actor=actor, kind="status", detail=str(detail))
    return locked


@transaction.atomic
def report_assign(
    *,
    report: Report,
    actor: User,
    organization: Organization,
    assignee: User | None = None,
    unit: Unit | None = None,
) -> ReportHandling:
    """Assign a report to a member and/or a unit of the acting organization."""
    if (
        assignee is not None
        and not Membership.objects.filter(user=assignee, organization=organization).exists()
    ):
        raise ValidationError(_("That person is not a member of your organization."))
    if unit is not None and unit.organization_id != organization.pk:
        raise ValidationError(_("That unit is not part of your organization."))
    handling, _created = ReportHandling.objects.get_or_create(report=report)
    handling.assignee = assignee
    handling.assigned_unit = unit
    handling.save(update_fields=["assignee", "assigned_unit", "updated_at"])
    names = [
        name for name in (assignee.email if assignee else "", unit.name if unit else "") if name
    ]
    _event(
        report=report,
        organization=organization,
        actor=actor,
        kind="assigned",
        detail=", ".join(names) or str(_("nobody")),
    )
    return handling


def _clean_text(value: str, *, limit: int, what: str) -> str:
    text = value.strip()
    if not text:
        raise ValidationError(_("The %(what)s is empty.") % {"what": what})
    if len(text) > limit:
        raise ValidationError(
            _("The %(what)s is too long (at most %(limit)s characters).")
            % {"what": what, "limit": limit}
        )
    if "\x00" in text:
        raise ValidationError(
            _("The %(what)s has characters that cannot be saved.") % {"what": what}
        )
    return text


@transaction.atomic
def report_note_add(
    *, report: Report, actor: User, organization: Organization, body: str
) -> InternalNote:
    note = InternalNote.objects.create(
        report=report,
        organization=organization,
        author=actor,
        sealed_body=InternalNote.seal_body(
            organization_id=organization.pk,
            report_id=report.pk,
            body=_clean_text(body, limit=NOTE_MAX_CHARS, what=str(_("note"))),
        ),
    )
    _event(report=report, organization=organization, actor=actor, kind="note")
    return note


@transaction.atomic
def share_create(
    *,
    actor: User,
    organization: Organization,
    shared_with: Organization,
    access: str,
    reason: str,
    report: Report | None = None,
    case: Case | None = None,
) -> Share:
    """Share a report or a case with another organization, for a stated reason."""
    if (report is None) == (case is None):
        raise ValueError("Share exactly one report or one case.")
    if shared_with.pk == organization.pk:
        raise ValidationError(_("Choose another organization to share with."))
    if access not in ShareAccess.values:
        raise ValidationError(_("Choose read only or read and write."))
    if report is not None and organization.pk not in report_owner_ids(report=report):
        # Only an organization that received a report may open it to another.
        raise ValidationError(_("Only an organization that received this report can share it."))
    share = Share.objects.create(
        report=report,
        case=case,
        shared_by=organization,
        shared_with=shared_with,
        access=access,
        sealed_reason=Share.seal_reason(
            shared_by_id=organization.pk,
            shared_with_id=shared_with.pk,
            reason=_clean_text(reason, limit=300, what=str(_("reason"))),
        ),
        created_by=actor,
    )
    # The reason is sealed; the timeline and the audit log name who and how, not why.
    detail = f"{shared_with.name} ({ShareAccess(access).label})"
    if report is not None:
        _event(report=report, organization=organization, actor=actor, kind="shared", detail=detail)
        audit_record(
            actor=actor,
            organization=shared_with,
            action="report.shared_in",
            object_type="report",
            object_ref=report.reference,
            detail=detail,
        )
    elif case is not None:
        _case_audit(
            case=case, actor=actor, organization=organization, action="case.shared", detail=detail
        )
        audit_record(
            actor=actor,
            organization=shared_with,
            action="case.shared_in",
            object_type="case",
            object_ref=case.reference,
            detail=detail,
        )
    return share


@transaction.atomic
def share_revoke(*, share: Share, actor: User) -> Share:
    if share.revoked_at is not None:
        return share
    Share.objects.filter(pk=share.pk).update(revoked_at=timezone.now(), revoked_by=actor)
    share.refresh_from_db()
    detail = f"{share.shared_with.name}"
    if share.report is not None:
        _event(
            report=share.report,
            organization=share.shared_by,
            actor=actor,
            kind="share_revoked",
            detail=detail,
        )
    elif share.case is not None:
        _case_audit(
            case=share.case,
            actor=actor,
            organization=share.shared_by,
            action="case.share_revoked",
            detail=detail,
        )
    audit_record(
        actor=actor,
        organization=share.shared_with,
        action="share.revoked",
        object_type="case" if share.case_id else "report",
        object_ref=(
            share.case.reference if share.case else share.report.reference if share.report else ""
        ),
        detail=detail,
    )
    return share


def _case_audit(
    *, case: Case, actor: User, organization: Organization, action: str, detail: str = ""
) -> None:
    audit_record(
        actor=actor,
        organization=organization,
        action=action,
        object_type="case",
        object_ref=case.reference,
        detail=detail,
    )


@transaction.atomic
def case_create(*, organization: Organization, actor: User, title: str) -> Case:
    case = Case(organization=organization, created_by=actor)
    case.sealed_title = Case.seal_title(
        organization_id=organization.pk,
        reference=case.reference,
        title=_clean_text(title, limit=200, what=str(_("title"))),
    )
    case.save()
    _case_audit(case=case, actor=actor, organization=organization, action="case.created")
    return case


@transaction.atomic
def case_link_report(
    *, case: Case, report: Report, actor: User, organization: Organization, reason: str = ""
) -> CaseReport:
    link, created = CaseReport.objects.get_or_create(
        case=case,
        report=report,
        defaults={
            "linked_by": actor,
            "sealed_reason": CaseReport.seal_reason(
                organization_id=case.organization_id,
                case_id=case.pk,
                report_id=report.pk,
                reason=reason.strip()[:200],
            ),
        },
    )
    if created:
        _case_audit(
            case=case,
            actor=actor,
            organization=organization,
            action="case.linked",
            detail=report.reference,
        )
        _event(
            report=report,
            organization=organization,
            actor=actor,
            kind="linked",
            detail=case.reference,
        )
    return link


def entry_identity(kind: str, value: str) -> str:
    """Reduce a value to what identifies it, so the same phone or plate written twice matches."""
    text = unicodedata.normalize("NFKC", value).casefold().strip()
    if kind == EntryKind.PHONE:
        digits = re.sub(r"\D", "", text)
        return digits[-10:] if len(digits) >= 10 else digits
    if kind == EntryKind.VEHICLE:
        return re.sub(r"[^0-9a-z]", "", text)
    return re.sub(r"\s+", " ", text)


def entry_match_key(kind: str, value: str) -> str:
    """A keyed hash of the entry's identity: equal for the same thing, opaque in the database."""
    identity = f"{kind}:{entry_identity(kind, value)}".encode()
    return hmac.new(lookup_key(), identity, hashlib.sha256).hexdigest()


@transaction.atomic
def case_entry_add(
    *, case: Case, kind: str, value: str, note: str, actor: User, organization: Organization
) -> CaseEntry:
    if kind not in EntryKind.values:
        raise ValidationError(_("Choose what kind of entry this is."))
    clean = _clean_text(value, limit=300, what=str(_("entry")))
    entry = CaseEntry.objects.create(
        case=case,
        kind=kind,
        sealed=CaseEntry.seal_fields(case=case, value=clean, note=note.strip()[:500]),
        match_key=entry_match_key(kind, clean),
        created_by=actor,
    )
    _case_audit(
        case=case, actor=actor, organization=organization, action="case.entry_added", detail=kind
    )
    return entry


@transaction.atomic
def case_observation_record(
    *, case: Case, indicator: str, note: str, actor: User, organization: Organization
) -> CaseObservation:
    if indicator not in INDICATORS_BY_CODE:
        raise ValidationError(_("Choose an observation from the list."))
    observation = CaseObservation.objects.create(
        case=case,
        indicator=indicator,
        sealed_note=seal_text(
            scope=organization_scope(case.organization_id),
            context=f"case-observation:{case.pk}",
            text=note.strip()[:500],
        ),
        recorded_by=actor,
    )
    _case_audit(
        case=case,
        actor=actor,
        organization=organization,
        action="case.observation",
        detail=indicator,
    )
    return observation


@transaction.atomic
def case_note_add(*, case: Case, body: str, actor: User, organization: Organization) -> CaseNote:
    note = CaseNote.objects.create(
        case=case,
        author=actor,
        sealed_body=seal_text(
            scope=organization_scope(case.organization_id),
            context=f"case-note:{case.pk}",
            text=_clean_text(body, limit=NOTE_MAX_CHARS, what=str(_("note"))),
        ),
    )
    _case_audit(case=case, actor=actor, organization=organization, action="case.note")
    return note


@transaction.atomic
def case_document_add(
    *,
    case: Case,
    name: str,
    content_type: str,
    data: bytes,
    actor: User,
    organization: Organization,
) -> CaseDocument:
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError(_("Attach a PDF, an image (PNG or JPEG) or a plain text file."))
    if not data:
        raise ValidationError(_("The file is empty."))
    if len(data) > DOCUMENT_MAX_BYTES:
        raise ValidationError(_("The file is too large (at most 10 MB)."))
    safe_name = re.sub(r"[^\w .()-]", "_", name).strip()[:200] or "document"
    document = CaseDocument.objects.create(
        case=case,
        name=safe_name,
        content_type=content_type,
        size=len(data),
        sealed_data=seal(
            scope=organization_scope(case.organization_id),
            context=f"case-document:{case.pk}",
            plaintext=data,
        ),
        uploaded_by=actor,
    )
    _case_audit(
        case=case, actor=actor, organization=organization, action="case.document", detail=safe_name
    )
    return document
