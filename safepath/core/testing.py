"""Real SafePath deployments for browser tests and benchmarks.

A deployment is a fresh database (a SQLite file, or a new PostgreSQL database when
DATABASE_URL is set), migrated and seeded with the demo data, plus any number of server
processes started with ``python -m safepath.run`` exactly as ``make run`` starts them. Tests
talk to them over HTTP and WebSockets only, like a phone and a responder's browser would.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop the server as a supervisor would (SIGTERM); its worker stops with it.

        The server runs in its own process group, so whatever is still alive in that group
        afterwards (a worker in a test that killed its server) is killed too: a test run
        leaves no process behind.
        """
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):  # the group is gone, as it should be
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Deployment:
    env: dict[str, str]
    workdir: Path
    summary: dict[str, Any] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def start_server(
        self, *, worker: bool = True, base_url: str | None = None, processes: int = 1
    ) -> Server:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = self.workdir / f"server-{port}.log"
        # base_url may name the port as "{port}" (e.g. http://localhost:{port} for passkeys).
        public = base_url.format(port=port) if base_url else url
        env = {**self.env, "HOST": "127.0.0.1", "PORT": str(port), "BASE_URL": public}
        args = [sys.executable, "-m", "safepath.run", "--migrate=no"]
        if not worker:
            args.append("--no-worker")
        if processes > 1:
            args.append(f"--processes={processes}")
        with log.open("wb") as out:
            process = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: see Server.stop
            )
        server = Server(url=url, process=process, log=log)
        self.servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return server
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not come up on {url}:\n{log.read_text()}")


def _admin_dsn(database_url: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


# Migrating and seeding costs most of a deployment's start. It is done once per test process
# and database kind into a template (a SQLite file, or a PostgreSQL template database), which
# each deployment copies: every deployment still starts from the same fresh, seeded state.
_templates: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}


def _base_env(redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env["SAFEPATH_ENV"] = "development"
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _database_prefix(database_url: str) -> str:
    """New databases are named after the one DATABASE_URL names (``safepath_w16`` gives
    ``safepath_w16_e2e_…``), so runs started with different URLs never meet."""
    return urlsplit(database_url).path.strip("/") or "safepath"


def _drop_postgres_database(database_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _template(database_url: str, redis_url: str | None) -> tuple[str, dict[str, Any]]:
    """The migrated, seeded template for this database kind: (file path or database name,
    seed_demo's summary). Built on first use; removed when the test process exits."""
    postgres = database_url.startswith(("postgres://", "postgresql://"))
    key = (database_url if postgres else "sqlite", redis_url or "")
    if key in _templates:
        return _templates[key]
    env = _base_env(redis_url)
    if postgres:
        import psycopg

        name = f"{_database_prefix(database_url)}_e2e_tpl_{secrets.token_hex(4)}"
        with psycopg.connect(_admin_dsn(database_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        atexit.register(_drop_postgres_database, database_url, name)
        env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
        where = name
    else:
        folder = Path(tempfile.mkdtemp(prefix="safepath-e2e-template-"))
        atexit.register(shutil.rmtree, folder, True)
        where = str(folder / "template.sqlite3")
        env["SQLITE_PATH"] = where
    builder = Deployment(env=env, workdir=Path(tempfile.gettempdir()))
    builder.manage("migrate", "--noinput", "-v", "0")
    summary = json.loads(builder.manage("seed_demo"))
    _templates[key] = (where, summary)
    return _templates[key]


@contextmanager
def deployment(workdir: Path, *, redis_url: str | None = None) -> Iterator[Deployment]:
    """A migrated, seeded database with no server yet; everything is removed afterwards."""
    env = _base_env(redis_url)
    database_url = os.environ.get("DATABASE_URL", "")
    template, summary = _template(database_url, redis_url)
    dropped: str | None = None
    if database_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"{_database_prefix(database_url)}_e2e_{secrets.token_hex(4)}"
        with psycopg.connect(_admin_dsn(database_url), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
        dropped = name
    else:
        env["SQLITE_PATH"] = str(workdir / "e2e.sqlite3")
        shutil.copyfile(template, env["SQLITE_PATH"])
        if Path(f"{template}-wal").exists():  # committed pages not yet checkpointed
            shutil.copyfile(f"{template}-wal", f"{env['SQLITE_PATH']}-wal")
    live = Deployment(env=env, workdir=workdir, summary=json.loads(json.dumps(summary)))
    try:
        yield live
    finally:
        for server in live.servers:
            server.stop()
        if dropped:
            _drop_postgres_database(database_url, dropped)


def sign_in(page: Any, base_url: str, user: dict[str, Any]) -> None:
    """Sign a Playwright page in as a demo user from seed_demo's summary, second factor included.

    A code is accepted once per 30-second step (django-otp refuses a replayed code), so a
    second sign-in of the same person within one step waits for the next code.
    """
    from safepath.accounts.mfa import totp_code_for_secret

    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user["email"])
    page.fill("#id_password", user["password"])
    page.click("main button[type=submit]")
    if "totp_secret" in user:
        page.wait_for_url(re.compile(re.escape(f"{base_url}/accounts/two-factor/")))
        used: set[str] = set()
        for _attempt in range(3):
            code = totp_code_for_secret(user["totp_secret"])
            while code in used:
                time.sleep(1)
                code = totp_code_for_secret(user["totp_secret"])
            used.add(code)
            page.fill("#id_token", code)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            if "/accounts/two-factor/" not in page.url:
                break
    page.wait_for_url(re.compile(re.escape(f"{base_url}/dashboard/")))


def verified_client(user: Any, **defaults: Any) -> Any:
    """A Django test client signed in as ``user`` who has also passed the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="Authenticator app", defaults={"confirmed": True}
    )
    client = Client(**defaults)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


class SmtpInbox:
    """A real SMTP server in this process (aiosmtpd) that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.controller: Any = None

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:  # aiosmtpd's hook name
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def start(self) -> int:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        return int(self.controller.port)

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def bodies_to(self, address: str) -> list[str]:
        found = []
        for message in self.messages:
            if address.lower() in str(message["To"]).lower():
                part = message.get_payload(decode=True) if not message.is_multipart() else None
                if part is None:
                    part = message.get_payload(0).get_payload(decode=True)
                found.append(part.decode())
        return found

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 20) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            bodies = self.bodies_to(address)
            if len(bodies) >= count:
                return bodies
            time.sleep(0.1)
        raise AssertionError(f"no email #{count} to {address} within {timeout}s")


def first_link(body: str, path_part: str) -> str:
    """The first URL in an email body that contains ``path_part``."""
    for match in re.finditer(r"https?://\S+", body):
        if path_part in match.group(0):
            return match.group(0)
    raise AssertionError(f"no link with {path_part!r} in: {body}")


class LiveEvents:
    """Hear a group's live events as a dashboard of this process would, from a test.

    The listener runs on an event loop of its own in a thread (the fan-out hands events to
    each socket's own loop, and the Redis subscription lives on that loop);
    :meth:`next_event` waits for the next one. Use it as a context manager so the loop and
    any subscription end with the test, even when it fails."""

    def __init__(self, *groups: str) -> None:
        import asyncio
        import queue
        import threading

        self.groups = list(groups)
        self.received: queue.Queue[str] = queue.Queue()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    # The Listener protocol of safepath.core.live, called on self.loop.
    def deliver(self, text: str) -> None:
        self.received.put(text)

    def drop(self) -> None:
        self.received.put("")

    def __enter__(self) -> LiveEvents:
        import asyncio

        from safepath.core import live

        asyncio.run_coroutine_threadsafe(live.listen(self, self.groups), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        import asyncio

        from safepath.core import live

        async def stop() -> None:
            live.stop_listening(self, self.groups)
            await live.close_subscriptions()

        try:
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()

    def next_event(self, timeout: float = 5) -> dict[str, Any] | None:
        """The next event heard (decoded), or None when none comes within ``timeout``."""
        import queue

        try:
            text = self.received.get(timeout=timeout)
        except queue.Empty:
            return None
        return dict(json.loads(text)) if text else None
