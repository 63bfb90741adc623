"""xAPI statements for a completion, for an organization's learning record store.

Follows xAPI 1.0.3 / IEEE 9274.1.1: the actor is an ``account`` on SafePath with an opaque
id (not an email ``mbox``, so no personal data travels to the LRS), ADL verbs ``completed``
and ``passed``, the course version as the activity, a scaled score and the completion time.
Statement ids are UUIDv5 of the completion, so exporting twice gives the same statements and
an LRS can de-duplicate them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.utils import timezone

from safepath.accounts.models import Organization
from safepath.training.models import Completion

NAMESPACE = uuid.UUID("8f0c2c35-5a4e-4d2f-9b55-1b2f3f4a9d10")
VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
}
BATCH = 100
TIMEOUT_SECONDS = 15


def actor_for(completion: Completion) -> dict[str, Any]:
    # An opaque, stable per-person id: a hash of the user id with the site secret.
    opaque = hashlib.sha256(f"{settings.SECRET_KEY}:{completion.user_id}".encode()).hexdigest()
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.BASE_URL, "name": opaque[:32]},
    }


def completion_statements(*, completion: Completion) -> list[dict[str, Any]]:
    version = completion.course_version
    course_path = f"{version.course.slug}/{version.language}/v{version.number}"
    activity_id = f"{settings.BASE_URL}/training/courses/{course_path}"
    extension = f"{settings.BASE_URL}/xapi/extensions"
    stamp = timezone.make_aware(datetime.combine(completion.completed_on, time(12)))
    if completion.created_at and completion.created_at.date() == completion.completed_on:
        stamp = completion.created_at
    result: dict[str, Any] = {"completion": True, "success": True}
    if completion.score_percent is not None:
        result["score"] = {"scaled": round(completion.score_percent / 100, 4)}
    if completion.credit_minutes is not None:
        result["duration"] = f"PT{completion.credit_minutes}M"
    # An instructor-led session is attended, not passed.
    verbs = ("completed", "attended") if completion.source == "session" else ("completed", "passed")
    statements = []
    for verb in verbs:
        statements.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"{completion.pk}:{verb}")),
                "actor": actor_for(completion),
                "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
                "object": {
                    "objectType": "Activity",
                    "id": activity_id,
                    "definition": {
                        "type": "http://adlnet.gov/expapi/activities/course",
                        "name": {version.language: version.title},
                    },
                },
                "result": result,
                "context": {
                    "registration": str(
                        uuid.uuid5(NAMESPACE, f"assignment:{completion.assignment_id}")
                    ),
                    "language": version.language,
                    "extensions": {
                        f"{extension}/organization": completion.organization.slug,
                        f"{extension}/course-version-sha256": version.sha256,
                    },
                },
                "timestamp": stamp.isoformat(),
                "version": "1.0.3",
            }
        )
    return statements


def organization_statements(*, organization: Organization) -> list[dict[str, Any]]:
    """Every completion and attended session of an organization as statements, oldest
    first: the bulk export, and what is sent to the organization's LRS."""
    completions = (
        Completion.objects.filter(organization=organization)
        .select_related("course_version__course", "organization")
        .order_by("pk")
    )
    return [
        statement
        for completion in completions
        for statement in completion_statements(completion=completion)
    ]


class LrsError(Exception):
    """The learning record store refused or could not be reached."""


def send_to_lrs(
    *, endpoint: str, username: str, password: str, statements: list[dict[str, Any]]
) -> int:
    """POST statements to ``<endpoint>/statements`` in batches (xAPI 1.0.3, Basic auth).
    Statement ids are stable, so sending again is safe: an LRS keeps one of each."""
    url = endpoint.rstrip("/") + "/statements"
    if not url.startswith(("https://", "http://")):
        raise LrsError("The LRS address must start with https:// or http://.")
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    sent = 0
    for start in range(0, len(statements), BATCH):
        batch = statements[start : start + BATCH]
        request = urllib.request.Request(  # noqa: S310  # http(s) only, checked above
            url,
            data=json.dumps(batch).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Experience-API-Version": "1.0.3",
                "Authorization": f"Basic {token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                if response.status not in (200, 204):
                    raise LrsError(f"The LRS answered {response.status}.")
        except urllib.error.HTTPError as error:
            raise LrsError(f"The LRS answered {error.code}.") from error
        except OSError as error:
            raise LrsError(f"The LRS could not be reached ({error}).") from error
        sent += len(batch)
    return sent
