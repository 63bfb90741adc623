"""No report is lost: several worker processes, a worker killed mid-send, SMTP down, and the
database dropping the worker's connections. Real processes, a real SMTP server, a real database.

Delivery is **at least once**: a worker killed after the receiver got a message but before it
recorded the send leaves the row pending, and another worker sends it again. Every message
carries its delivery id (``X-SafePath-Delivery``), so the receiver can drop the duplicate; the
tests check that every delivery arrives, and exactly once after deduplication.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from safepath.core.testing import ROOT, Deployment, deployment, free_port
from safepath.placements.models import Placement
from safepath.reports.services import report_start
from safepath.routing.models import Delivery, DeliveryStatus
from safepath.routing.services import deliveries_process_due


class Inbox:
    """Keeps every message; optionally holds the first one (the sender waits for its "250")."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.messages: list[Any] = []
        self.hold_first = hold_first

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.messages.append(message)
        if self.hold_first and message["X-SafePath-Delivery"]:
            self.hold_first = False
            await asyncio.sleep(60)  # the worker is killed while it waits for the answer
        return "250 OK"

    def ids(self) -> Counter[str]:
        # Report deliveries only: the same worker also sends other mail (training reminders
        # for the demo learners), which carries no delivery id.
        return Counter(m["X-SafePath-Delivery"] for m in self.messages if m["X-SafePath-Delivery"])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path) as live:
        yield live


def smtp(inbox: Inbox) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def shell(live: Deployment, code: str) -> Any:
    return json.loads(live.manage("shell", "-c", code).strip().splitlines()[-1])


def queue_reports(live: Deployment, count: int) -> list[str]:
    """Start ``count`` reports at the first demo placement; return every queued delivery id."""
    code = live.summary["placements"][0]["code"]
    return shell(
        live,
        "import json\n"
        "from safepath.placements.models import Placement\n"
        "from safepath.reports.services import report_start\n"
        "from safepath.routing.models import Delivery\n"
        f"p = Placement.objects.get(code={code!r})\n"
        f"for i in range({count}): report_start(placement=p, step='what', value='help')\n"
        "print(json.dumps([str(u) for u in Delivery.objects.values_list('uid', flat=True)]))",
    )


def statuses(live: Deployment) -> dict[str, int]:
    return shell(
        live,
        "import json\nfrom collections import Counter\n"
        "from safepath.routing.models import Delivery\n"
        "print(json.dumps(Counter(Delivery.objects.values_list('status', flat=True))))",
    )


def worker(live: Deployment, port: int, tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    env = {
        **live.env,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_TIMEOUT": "120",
        "DELIVERY_CLAIM_SECONDS": "3",
        "WORKER_POLL_SECONDS": "0.2",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "worker"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until(condition: Any, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.process
def test_two_workers_send_every_delivery_exactly_once(live: Deployment, tmp_path: Path) -> None:
    inbox = Inbox()
    controller = smtp(inbox)
    expected = queue_reports(live, 40)
    workers = [worker(live, controller.port, tmp_path, f"w{i}") for i in range(2)]
    try:
        wait_until(lambda: set(inbox.ids()) >= set(expected))
        wait_until(lambda: statuses(live).get("sent") == len(expected), 30)
    finally:
        for process in workers:
            stop(process)
        controller.stop()

    assert inbox.ids() == Counter({uid: 1 for uid in expected})  # no double send


@pytest.mark.process
def test_a_worker_killed_mid_send_loses_nothing(live: Deployment, tmp_path: Path) -> None:
    inbox = Inbox(hold_first=True)
    controller = smtp(inbox)
    expected = queue_reports(live, 5)
    first = worker(live, controller.port, tmp_path, "killed")
    try:
        wait_until(lambda: len(inbox.ids()) == 1)  # claimed, and sending
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert statuses(live).get("sent", 0) == 0
        second = worker(live, controller.port, tmp_path, "second")
        try:
            wait_until(lambda: statuses(live).get("sent") == len(expected))
        finally:
            stop(second)
    finally:
        stop(first)
        controller.stop()

    ids = inbox.ids()
    assert set(ids) == set(expected)  # every delivery arrived
    # At least once: only the one in flight when the worker died arrived twice, and the
    # receiver recognizes it by its delivery id.
    assert sorted(ids.values()) == [1] * (len(expected) - 1) + [2]


@pytest.mark.process
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the database restart test runs on PostgreSQL",
)
def test_database_dropping_the_workers_connections_loses_nothing(
    live: Deployment, tmp_path: Path
) -> None:
    import psycopg

    inbox = Inbox()
    controller = smtp(inbox)
    database_url = live.env["DATABASE_URL"]
    name = database_url.rsplit("/", 1)[1]
    process = worker(live, controller.port, tmp_path, "pg")
    try:
        before = queue_reports(live, 5)
        wait_until(lambda: set(inbox.ids()) >= set(before))
        # What a PostgreSQL restart looks like to a worker: every connection cut.
        admin = database_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        after = queue_reports(live, 5)
        wait_until(lambda: set(inbox.ids()) >= set(after))
        assert process.poll() is None  # the worker survived and reconnected
    finally:
        stop(process)
        controller.stop()
    assert set(inbox.ids()) == set(after)


@pytest.mark.django_db
def test_smtp_down_then_back_is_delivered(settings, bus_station: Placement, bob) -> None:
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    report_start(placement=bus_station, step="what", value="help")
    deliveries_process_due()
    assert Delivery.objects.get().status == DeliveryStatus.PENDING

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        deliveries_process_due()
    finally:
        controller.stop()

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert [m["To"] for m in inbox.messages] == ["bob@riverside.test"]
