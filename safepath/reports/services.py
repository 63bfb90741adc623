"""Writes on reports. Every answer goes through ``report_add_answer``.

Each write commits before the reporter is told it was saved, tells the recipients'
dashboards (a live event that names the report, never its contents), and seals whatever the
reporter or a responder wrote with the placement owner's data key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from argon2 import PasswordHasher, Type
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safepath.core.activity import Action, record
from safepath.core.counters import count_in_window
from safepath.core.crypto import lookup_key, seal
from safepath.placements.models import Placement
from safepath.placements.services import placement_count
from safepath.reports.access import report_owner_ids
from safepath.reports.models import (
    MessageDirection,
    RecipientPreference,
    Report,
    ReportEntry,
    ReportMessage,
    ReportPhoto,
    ReportPriority,
    ReportReceipt,
)
from safepath.reports.photos import CleanPhoto
from safepath.reports.questions import FOLLOWUP_STEP, QUESTIONS
from safepath.reports.signals import report_facts_changed, report_reporter_wrote, report_started
from safepath.reports.workflow import report_publish, report_reopen_by_reporter

if TYPE_CHECKING:
    from safepath.accounts.models import User


# Argon2id at one of OWASP's equivalent minimum settings (7 MiB, 5 passes; its list trades
# memory for passes at the same strength: 19 MiB x 2, 12 x 3, 9 x 4, 7 x 5): slow enough to
# make guessing a stolen hash hopeless for 16 random digits, fast enough for a cheap server
# under load. The smallest block of the list, since each hash adds it to the server's
# resident memory while it runs (19 MiB put a server over its 150 MB under the reporter
# load; the CPU is the same, ~15 ms). Receipts hashed earlier with 19 MiB still verify: a
# hash carries its own settings.
RECEIPT_HASH_KIB = 7 * 1024
RECEIPT_HASH_PASSES = 5


class _BoundedHasher:
    """Argon2 takes its whole memory block for each hash while it runs. With 50 reporters
    asking for receipts at once that was 50 blocks in one server process (and the allocator
    kept much of it). One hash at a time per process: two at once (one per core) put the
    process's peak above its 150 MB budget under the 50-reporter load, while a hash takes
    ~15 ms of a core and a reporter's flow asks for one in every eleven requests, so hashes
    rarely queue."""

    def __init__(self, hasher: PasswordHasher, slots: int) -> None:
        self._hasher = hasher
        self._slots = threading.BoundedSemaphore(slots)

    def hash(self, secret: str) -> str:
        with self._slots:
            return self._hasher.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        with self._slots:
            return bool(self._hasher.verify(hashed, secret))


RECEIPT_HASHER = _BoundedHasher(
    PasswordHasher(
        time_cost=RECEIPT_HASH_PASSES, memory_cost=RECEIPT_HASH_KIB, parallelism=1, type=Type.ID
    ),
    slots=1,
)
RECEIPT_LOOKUP_CHARS = 4
# One receipt per report: whoever holds the phone afterwards (maybe the person the reporter
# fears) must not be able to get a second number that reads the replies.
MAX_RECEIPTS_PER_REPORT = 1  # enforced by a unique constraint on ReportReceipt.report

# Abuse: bursts are flagged for responders, never refused. A real victim may trip them.
PLACEMENT_BURST_REPORTS = 20  # new reports at one placement in the window
REPORT_BURST_WRITES = 300  # saves on one report in the window (autosave writes often)
BURST_WINDOW_SECONDS = 10 * 60


def hash_browser_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_keyed_hash(receipt: str) -> str:
    """HMAC of a receipt under a key that is not in the database (wrapped by the master key)."""
    return hmac.new(lookup_key(), receipt.encode(), hashlib.sha256).hexdigest()


def receipt_lookup(receipt: str) -> str:
    return receipt_keyed_hash(receipt)[:RECEIPT_LOOKUP_CHARS]


def _publish(report: Report) -> None:
    # One event shape for answers, photos and messages: the dashboard refetches the row.
    # The whole audience hears of it: owners and the partners it is shared with.
    report_publish(report=report)


def _count_burst(key: str) -> int:
    return count_in_window(key, BURST_WINDOW_SECONDS)


def _flag(report: Report, reason: str) -> None:
    if not report.flagged:
        report.flagged, report.flag_reason = True, reason
        Report.objects.filter(pk=report.pk).update(flagged=True, flag_reason=reason)


def _derived_facts(report: Report, step: str, choices: list[str]) -> dict[str, str]:
    """Routing facts an answer changes. Priority only ever goes up: a watched person may be
    made to take a "yes" back, and a false alarm costs less than a missed one."""
    facts: dict[str, str] = {}
    urgent = step in {"danger", "under18"} and "yes" in choices
    if urgent and report.priority != ReportPriority.URGENT:
        facts["priority"] = ReportPriority.URGENT
    if step == "recipient" and choices:
        preference = RecipientPreference(choices[0])
        if report.recipient_preference != preference:
            facts["recipient_preference"] = preference
    return facts


def _tied(report: Report, token: str) -> bool:
    return bool(report.browser_token_hash) and hmac.compare_digest(
        report.browser_token_hash, hash_browser_token(token)
    )


@transaction.atomic
def report_start(
    *,
    placement: Placement,
    step: str,
    value: str = "",
    choices: Iterable[str] = (),
    language: str = "",
    start_key: str = "",
    draft: bool = False,
    recipient_preference: str = RecipientPreference.EITHER,
    drill: bool = False,
) -> tuple[Report, str]:
    """Create a report with its first answer, route it, and return it with the browser token.

    Creating, routing and queueing deliveries happen in one transaction: once the reporter is
    told the answer was saved, the responders are certain to hear of it. A drill is routed the
    same way (inside its organization only) and is never counted.

    ``start_key`` is the one-time key of the first question's form, and becomes the browser
    token: the same first answer posted twice (a double tap, an autosave racing "Save and go
    on") adds to the one report it started instead of starting a second one.
    """
    token = start_key or secrets.token_urlsafe(32)
    key_hash = hash_browser_token(start_key) if start_key else None
    if key_hash is not None:
        existing = Report.objects.select_for_update().filter(start_key_hash=key_hash).first()
        if existing is not None:
            if _tied(existing, token):
                report_add_answer(
                    report=existing, step=step, value=value, choices=choices, draft=draft
                )
                return existing, token
            # That report is finished or was left with quick exit: its key writes nothing
            # more. A fresh report, like anyone may start.
            token, key_hash = secrets.token_urlsafe(32), None
    try:
        with transaction.atomic():
            report = Report.objects.create(
                placement=placement,
                browser_token_hash=hash_browser_token(token),
                start_key_hash=key_hash,
                language=language,
                # Chosen before the first answer: routed with it, so police never read this.
                recipient_preference=recipient_preference,
                is_drill=drill,
            )
    except IntegrityError:
        # Another request with the same key committed first (PostgreSQL waits for it).
        existing = Report.objects.select_for_update().get(start_key_hash=key_hash)
        report_add_answer(report=existing, step=step, value=value, choices=choices, draft=draft)
        return existing, token
    # Routing answers in this transaction: recipients, escalation and deliveries are rows
    # committed with the report itself.
    report_started.send(sender=Report, report=report)
    if not drill and _count_burst(f"burst:placement:{placement.pk}") > PLACEMENT_BURST_REPORTS:
        _flag(report, "Many reports started at this placement in a few minutes.")
    # Routing told the audience of the new report (after commit); one event is enough.
    report_add_answer(
        report=report, step=step, value=value, choices=choices, draft=draft, publish=False
    )
    if not drill:
        # Last: the placement's hourly counter row is shared by everyone reporting there;
        # written last, it is held only while this transaction commits, not during routing.
        placement_count(placement=placement, counter="reports_started")
        placement_count(placement=placement, counter="reports_answered")
    return report, token


@transaction.atomic
def report_add_answer(
    *,
    report: Report,
    step: str,
    value: str = "",
    choices: Iterable[str] = (),
    draft: bool = False,
    publish: bool = True,
) -> ReportEntry:
    """Save one answer and tell the recipients' dashboards once it is committed (unless
    ``publish`` is False: a new report's routing has already told them, in this transaction).

    A saved answer is never replaced: a changed answer to a question is a new version (a new
    row with its time). Only a draft (``draft=True``: autosave while the person types) is
    updated in place, until the answer is saved. The report row is locked first, so
    concurrent saves of one question queue up instead of each adding a row. Information
    added from the follow-up page always appends.
    """
    picked = list(choices)
    body = json.dumps({"choices": picked, "text": value}, ensure_ascii=False)
    sealed = report.seal(f"entry:{step}", body)
    # Serialize writers on this report: the UPDATE holds the row's lock until commit, so
    # concurrent saves of one question queue up here (SQLite serializes every write
    # transaction anyway). One statement where a SELECT … FOR UPDATE and an UPDATE were.
    Report.objects.filter(pk=report.pk).update(last_activity_at=timezone.now())
    entry = None
    if step in QUESTIONS:
        latest = ReportEntry.objects.filter(report=report, step=step).order_by("-pk").first()
        if latest is not None:
            latest.report = report
            same = latest.choices == picked and latest.text == value
            if same:
                if latest.draft and not draft:
                    latest.draft = False
                    latest.save(update_fields=["draft", "updated_at"])
                return latest
            if latest.draft:
                entry = latest
    if entry is None:
        entry = ReportEntry.objects.create(
            report=report, step=step, sealed_body=sealed, draft=draft and step in QUESTIONS
        )
        Report.objects.filter(pk=report.pk).update(answer_count=F("answer_count") + 1)
    else:
        entry.sealed_body, entry.draft = sealed, draft
        entry.save(update_fields=["sealed_body", "draft", "updated_at"])
    facts = _derived_facts(report, step, picked)
    for field, fact in facts.items():
        setattr(report, field, fact)
    if facts:
        Report.objects.filter(pk=report.pk).update(**facts)
    if _count_burst(f"burst:report:{report.pk}") > REPORT_BURST_WRITES:
        _flag(report, "Very many saves on this report in a few minutes.")
    if facts:
        # Re-routing ("urgent", "not police") happens in the answer's own transaction, so it
        # is committed with the answer or not at all (never lost to a crash after commit).
        report_facts_changed.send(sender=Report, report=report, changed=set(facts))
    if publish:
        _publish(report)
    return entry


def report_end_browser_session(*, report: Report, finished: bool = False) -> None:
    """The browser's cookie no longer writes to this report (finished, receipt taken, or quick
    exit). What was saved stays; only the receipt adds to it from now on."""
    fields: dict[str, object] = {"browser_token_hash": ""}
    if finished and report.finished_at is None:
        fields["finished_at"] = timezone.now()
    Report.objects.filter(pk=report.pk).update(**fields)
    for name, value in fields.items():
        setattr(report, name, value)


def report_set_language(*, report: Report, language: str) -> None:
    """The language the reporter picked: kept for the rest of the visit and for replies."""
    if report.language != language:
        Report.objects.filter(pk=report.pk).update(language=language)
        report.language = language


def report_open_followup(*, report: Report) -> str:
    """Open a follow-up for the person who typed the receipt; returns the cookie's token.
    Opening it again (another browser) ends the earlier one."""
    token = secrets.token_urlsafe(32)
    Report.objects.filter(pk=report.pk).update(
        followup_token_hash=hash_browser_token(token), followup_seen_at=timezone.now()
    )
    return token


def report_touch_followup(*, report: Report) -> None:
    Report.objects.filter(pk=report.pk).update(followup_seen_at=timezone.now())


def report_end_followup(*, report: Report) -> None:
    """Quick exit or "Close this page": the follow-up cookie opens nothing any more."""
    Report.objects.filter(pk=report.pk).update(followup_token_hash="", followup_seen_at=None)


@transaction.atomic
def report_add_information(*, report: Report, text: str) -> ReportEntry:
    """More words from the reporter, later, through the follow-up page (appended)."""
    _reporter_wrote(report)
    return report_add_answer(report=report, step=FOLLOWUP_STEP, value=text)


@transaction.atomic
def report_add_photo(*, report: Report, photo: CleanPhoto) -> ReportPhoto:
    """Store one cleaned photo, sealed; a new photo replaces the earlier one (one per report)."""
    ReportPhoto.objects.filter(report=report).delete()
    stored = ReportPhoto.objects.create(
        report=report,
        sealed_data=seal(
            scope=report.key_scope, context=f"{report.reference}:photo", plaintext=photo.data
        ),
        width=photo.width,
        height=photo.height,
    )
    Report.objects.filter(pk=report.pk).update(last_activity_at=timezone.now())
    _publish(report)
    return stored


def new_receipt() -> str:
    """16 random digits (about 53 bits), shown in groups of four like a card number."""
    return "".join(secrets.choice("0123456789") for _ in range(16))


def format_receipt(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class NewReceipt:
    """A receipt number and its slow hash, worked out before the write that stores it."""

    number: str
    hashed: str


def receipt_prepare() -> NewReceipt:
    """A new receipt and its Argon2 hash (~15 ms). Done outside the write transaction: on
    SQLite a write transaction holds the database's one write lock (and on PostgreSQL the
    report's row), and every other reporter's answer waited for the hash."""
    number = new_receipt()
    return NewReceipt(number=number, hashed=RECEIPT_HASHER.hash(number))


@transaction.atomic
def report_issue_receipt(*, report: Report, prepared: NewReceipt | None = None) -> str | None:
    """The receipt for ``report`` (returned once, stored only as a hash); None if it was
    already shown. Asking again, even at the same moment, never yields another number.
    ``prepared`` is the number and hash to store (``receipt_prepare``, called before the
    transaction); without it they are made here.

    Taking the receipt finishes the report for this browser: from now on only the receipt
    adds to it."""
    report_end_browser_session(report=report, finished=True)
    if ReportReceipt.objects.filter(report=report).exists():
        return None
    if prepared is None:
        prepared = receipt_prepare()
    try:
        with transaction.atomic():
            ReportReceipt.objects.create(
                report=report,
                lookup=receipt_lookup(prepared.number),
                receipt_hash=prepared.hashed,
            )
    except IntegrityError:  # a racing request issued it first
        return None
    return prepared.number


@transaction.atomic
def report_message_from_responder(*, report: Report, author: User, body: str) -> ReportMessage:
    """A responder writes to the reporter, who reads it on the follow-up page."""
    message = ReportMessage.objects.create(
        report=report,
        direction=MessageDirection.FROM_RESPONDER,
        author=author,
        sealed_body=report.seal("message", body),
    )
    record(
        action=Action.REPORT_MESSAGE,
        actor=author,
        organizations=report_owner_ids(report=report),
        object_type="report",
        object_ref=report.reference,
    )
    _publish(report)
    return message


def _reporter_wrote(report: Report) -> None:
    """A message or an addition from the reporter: a closed report opens again and a quiet
    one (nothing for REPORT_QUIET_SECONDS) tells its recipients again, like a new report,
    so it is not lost in the inbox."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    quiet_since = timezone.now() - timedelta(seconds=settings.REPORT_QUIET_SECONDS)
    reopened = report_reopen_by_reporter(report=report)
    if reopened or locked.last_activity_at < quiet_since:
        # Routing tells every recipient again, in this transaction (an outbox row).
        report_reporter_wrote.send(sender=Report, report=report, reopened=reopened)
    Report.objects.filter(pk=report.pk).update(last_activity_at=timezone.now())


@transaction.atomic
def report_message_from_reporter(*, report: Report, body: str) -> ReportMessage:
    """The reporter writes to the responders through the follow-up page."""
    message = ReportMessage.objects.create(
        report=report,
        direction=MessageDirection.FROM_REPORTER,
        sealed_body=report.seal("message", body),
    )
    _reporter_wrote(report)
    _publish(report)
    return message


DEMO_REFERENCE = "DEMOREPORT01"
DEMO_RECEIPT = "5555012345678901"  # demo only: printed by seed_demo so follow-up can be tried


@transaction.atomic
def report_seed_demo(*, placement: Placement, author: User | None) -> tuple[Report, str]:
    """The demo report with its known receipt; idempotent (found again by its reference)."""
    report = Report.objects.filter(reference=DEMO_REFERENCE).select_related("placement").first()
    if report is None:
        report, _ = report_start(
            placement=placement,
            step="about",
            choices=["other"],
            language="en",
        )
        Report.objects.filter(pk=report.pk).update(reference=DEMO_REFERENCE)
        report.reference = DEMO_REFERENCE
        # Answers are sealed with the reference as context: seal the first one again under
        # the demo reference.
        ReportEntry.objects.filter(report=report).delete()
        report_add_answer(report=report, step="about", choices=["other"])
        report_add_answer(
            report=report,
            step="what",
            choices=["work", "documents"],
            value="Demo: a worker at the car wash says her passport was taken.",
        )
        if author is not None:
            report_message_from_responder(
                report=report,
                author=author,
                body="Demo: thank you, we received your report. Is it safe to call you?",
            )
    known = [
        stored
        for stored in report.receipts.all()
        if _receipt_matches(stored.receipt_hash, DEMO_RECEIPT)
    ]
    if not known:
        ReportReceipt.objects.create(
            report=report,
            lookup=receipt_lookup(DEMO_RECEIPT),
            receipt_hash=RECEIPT_HASHER.hash(DEMO_RECEIPT),
        )
    return report, format_receipt(DEMO_RECEIPT)


def _receipt_matches(receipt_hash: str, receipt: str) -> bool:
    try:
        return bool(RECEIPT_HASHER.verify(receipt_hash, receipt))
    except Exception:  # argon2 raises one of several errors for a mismatch
        return False
