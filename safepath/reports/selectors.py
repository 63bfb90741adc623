"""Reads for the reporter's side: the report a browser or a receipt leads to, and its state."""

from __future__ import annotations

import logging
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safepath.core.counters import count_in_window
from safepath.core.crypto import unseal
from safepath.placements.models import Placement
from safepath.reports.models import FollowupFailure, Report, ReportMessage, ReportStatus
from safepath.reports.questions import QUESTIONS
from safepath.reports.services import (
    RECEIPT_HASHER,
    RECEIPT_LOOKUP_CHARS,
    hash_browser_token,
    receipt_keyed_hash,
)

# Follow-up throttles (never by IP address, which is not stored): failed tries of one
# receipt number, counted in the database so that no cache eviction forgets them, and failed
# tries overall (someone guessing at random), reported to the operator's log.
RECEIPT_TRIES_PER_WINDOW = 10
FAILED_TRIES_PER_WINDOW = 200
THROTTLE_WINDOW_SECONDS = 15 * 60

logger = logging.getLogger(__name__)


def placement_languages(placement: Placement) -> list[str]:
    """The placement's default languages, best first (the one place the reporter's side
    reads them)."""
    return list(placement.languages or [])


# Every request of a reporter's visit asks for the report its cookie ties; the ORM spent
# three quarters of that lookup composing the same SQL again (~0.3 ms of a ~3 ms autosave).
# The statement, written once per database vendor: the report's columns, where its placement,
# its browser token's hash and recent activity match (what ``filter(...).first()`` said).
_BROWSER_REPORT_SQL: dict[str, str] = {}


def _browser_report_sql() -> str:
    if connection.vendor not in _BROWSER_REPORT_SQL:
        name = connection.ops.quote_name
        meta = Report._meta
        columns = ", ".join(name(str(field.column)) for field in meta.concrete_fields)
        placement, token, activity, pk = (
            name(str(meta.get_field(field).column))  # type: ignore[union-attr]  # concrete
            for field in ("placement", "browser_token_hash", "last_activity_at", "id")
        )
        # Only the model's own quoted names go into the text; the values are parameters.
        _BROWSER_REPORT_SQL[connection.vendor] = (
            f"SELECT {columns} FROM {name(meta.db_table)} "  # noqa: S608  # names, not values
            f"WHERE {placement} = %s AND {token} = %s AND {activity} >= %s "
            f"ORDER BY {pk} LIMIT 1"
        )
    return _BROWSER_REPORT_SQL[connection.vendor]


def report_for_browser(*, placement: Placement, token: str | None) -> Report | None:
    """The report this browser started at this placement, if its cookie still ties it."""
    if not token or len(token) > 100:
        return None
    # The cookie's own expiry is up to the browser; the server also stops honouring it once
    # the report has been quiet for as long, so a phone picked up later opens nothing.
    quiet_since = timezone.now() - timedelta(seconds=settings.REPORTER_COOKIE_AGE)
    since = Report._meta.get_field("last_activity_at").get_db_prep_value(quiet_since, connection)
    found = Report.objects.raw(
        _browser_report_sql(), [placement.pk, hash_browser_token(token), since]
    )
    report = next(iter(found), None)
    if report is not None:
        report.placement = placement  # already read (with its organization): no join
    return report


def answered_steps(*, report: Report | None) -> set[str]:
    if report is None:
        return set()
    return set(report.entries.filter(step__in=list(QUESTIONS)).values_list("step", flat=True))


def _bump(key: str) -> int:
    return count_in_window(key, THROTTLE_WINDOW_SECONDS)


class Throttled(Exception):
    """Too many follow-up tries: the person is asked to wait, nothing is checked."""


def _failures(key: str) -> int:
    since = timezone.now() - timedelta(seconds=THROTTLE_WINDOW_SECONDS)
    row = FollowupFailure.objects.filter(key=key, window_started_at__gte=since).first()
    return row.failures if row else 0


def _count_failure(key: str) -> None:
    now = timezone.now()
    since = now - timedelta(seconds=THROTTLE_WINDOW_SECONDS)
    with transaction.atomic():
        row, created = FollowupFailure.objects.select_for_update().get_or_create(
            key=key, defaults={"failures": 1, "window_started_at": now}
        )
        if created:
            return
        if row.window_started_at < since:  # an old window: start counting again
            FollowupFailure.objects.filter(pk=row.pk).update(failures=1, window_started_at=now)
        else:
            FollowupFailure.objects.filter(pk=row.pk).update(failures=F("failures") + 1)


def report_for_receipt(*, receipt: str) -> Report | None:
    """The report a receipt opens, or None. Raises Throttled when this number has failed too
    often lately.

    Only failures count, and only against the number tried: the real reporter opening her
    report again and again is never locked out, and a flood of wrong numbers never locks
    out anyone else. Wrong numbers that cost Argon2 work are also counted across everyone
    and reported to the operator's log when they pile up (the place to throttle such a flood
    is the proxy in front, which may see addresses; we do not).
    """
    keyed = receipt_keyed_hash(receipt)
    lookup = keyed[:RECEIPT_LOOKUP_CHARS]
    if _failures(keyed) >= RECEIPT_TRIES_PER_WINDOW:
        raise Throttled
    candidates = Report.objects.filter(receipts__lookup=lookup).select_related("placement")
    checked = False
    for report in candidates:
        for stored in report.receipts.filter(lookup=lookup):
            checked = True
            try:
                RECEIPT_HASHER.verify(stored.receipt_hash, receipt)
            except (VerificationError, InvalidHashError):
                continue
            return report
    _count_failure(keyed)
    if checked and _bump("followup:failed") == FAILED_TRIES_PER_WINDOW:
        logger.warning(
            "Follow-up: %s wrong receipts that matched a lookup bucket within %s s; "
            "someone may be guessing receipts.",
            FAILED_TRIES_PER_WINDOW,
            THROTTLE_WINDOW_SECONDS,
        )
    return None


def report_for_followup(*, token: str) -> Report | None:
    """The report an open follow-up in this browser is about, while it is still open: it ends
    after FOLLOWUP_IDLE_SECONDS without a request, or at once with quick exit."""
    if not token or len(token) > 100:
        return None
    since = timezone.now() - timedelta(seconds=settings.FOLLOWUP_IDLE_SECONDS)
    return (
        Report.objects.filter(
            followup_token_hash=hash_browser_token(token), followup_seen_at__gte=since
        )
        .select_related("placement__organization")
        .first()
    )


def report_by_pk(*, pk: int) -> Report | None:
    return Report.objects.filter(pk=pk).select_related("placement").first()


COARSE_STATUS: dict[str, tuple[str, str | Promise]] = {
    ReportStatus.NEW: ("received", _("Received")),
    ReportStatus.ACKNOWLEDGED: ("handled", _("Being handled")),
    ReportStatus.IN_PROGRESS: ("handled", _("Being handled")),
    ReportStatus.REFERRED: ("handled", _("Being handled")),
    ReportStatus.CLOSED: ("closed", _("Closed")),
}


def reporter_status(*, report: Report) -> tuple[str, str | Promise]:
    """What the reporter may know of the status: received, being handled, or closed."""
    return COARSE_STATUS.get(report.status, COARSE_STATUS[ReportStatus.NEW])


def messages_for_reporter(*, report: Report) -> list[ReportMessage]:
    messages = list(report.messages.all())
    for message in messages:
        message.report = report  # already loaded with its placement: no query per message
    return messages


def report_photo_bytes(*, report: Report) -> bytes | None:
    """The report's photo as JPEG bytes, for the responders' side to show."""
    photo = report.photos.first()
    if photo is None:
        return None
    return unseal(
        scope=report.key_scope, context=f"{report.reference}:photo", sealed=photo.sealed_data
    )


def followup_cookie_age() -> int:
    return int(settings.FOLLOWUP_IDLE_SECONDS)
