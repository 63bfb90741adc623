"""xAPI: completions and attended sessions as statements, exported in bulk and sent to the
organization's learning record store, a real HTTP endpoint on this machine."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.utils import timezone

from safepath.accounts.models import Organization, User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.training import selectors
from safepath.training.models import Assignment, AssignmentSource, Course, Session, TrainingSettings
from safepath.training.services import (
    completion_record,
    session_attendance,
    session_sign_up,
)

pytestmark = pytest.mark.django_db


class Recorder(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:  # http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": json.loads(body),
            }
        )
        self.send_response(Recorder.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def lrs() -> Iterator[str]:
    Recorder.received, Recorder.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/xapi"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def records(riverside: Organization, alice: User, bob: User, courses: dict[str, Course]) -> None:
    course = courses["law-enforcement"]
    version = selectors.latest_version(course=course, language="en")
    assert version is not None
    done = Assignment.objects.create(
        organization=riverside, user=bob, course=course, source=AssignmentSource.SELF
    )
    completion_record(
        assignment=done,
        version=version,
        completed_on=timezone.localdate(),
        score_percent=90,
        credit_minutes=90,
    )
    session = Session.objects.create(
        organization=riverside,
        course=courses["schools"],
        title="Roll call",
        starts_at=timezone.now(),
        minutes=60,
        place="Room B",
        capacity=5,
        instructor=alice,
    )
    session_sign_up(session=session, user=alice)
    session_attendance(session=session, present=[alice.pk], actor=alice)


def test_the_bulk_export_has_completions_and_attendance(alice: User, records: None) -> None:
    statements = logged_in(alice).get("/training/manage/xapi.json").json()

    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in statements)
    assert verbs == ["attended", "completed", "completed", "passed"]
    attended = next(s for s in statements if s["verb"]["id"].endswith("attended"))
    assert attended["result"]["duration"] == "PT60M"
    assert "alice@" not in json.dumps(statements)


def test_statements_reach_the_organizations_lrs(
    alice: User, riverside: Organization, records: None, lrs: str
) -> None:
    client = logged_in(alice)
    client.post(
        "/training/manage/lrs/",
        {"endpoint": lrs, "username": "safepath", "password": "s3cret-lrs"},
    )

    response = client.post("/training/manage/lrs/", {"action": "send"})

    assert response.status_code == 302
    [call] = Recorder.received
    assert call["path"] == "/xapi/statements"
    assert call["headers"]["x-experience-api-version"] == "1.0.3"
    expected = base64.b64encode(b"safepath:s3cret-lrs").decode()
    assert call["headers"]["authorization"] == f"Basic {expected}"
    assert len(call["body"]) == 4
    settings_row = TrainingSettings.objects.get(organization=riverside)
    assert b"s3cret-lrs" not in bytes(settings_row.lrs_password_sealed or b"")
    assert AuditEntry.objects.filter(action="training.lrs_sent").count() == 1


def test_an_lrs_that_refuses_is_a_clear_error(alice: User, records: None, lrs: str) -> None:
    client = logged_in(alice)
    client.post("/training/manage/lrs/", {"endpoint": lrs, "username": "u", "password": "p"})
    Recorder.status = 401

    response = client.post("/training/manage/lrs/", {"action": "send"})

    assert response.status_code == 400
    assert "The LRS answered 401." in response.content.decode()
    assert not AuditEntry.objects.filter(action="training.lrs_sent").exists()
    bad = client.post("/training/manage/lrs/", {"endpoint": "ftp://x", "username": "u"})
    assert bad.status_code == 400
