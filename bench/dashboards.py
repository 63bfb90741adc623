"""Live fan-out: a committed answer reaches every dashboard of its organization, and no other.

Called by bench/cases.py (``make bench``); also ``python -m bench.dashboards``.

Set-ups, on the in-memory channel layer and, when REDIS_URL is set, on Redis:

- baseline: 1 dashboard, the same answers (the ratio's denominator, measured in the same run);
- spread: DASHBOARDS dashboards over ORGANIZATIONS organizations (10 each at 1,000 over 100),
  answers posted to every organization in turn, ROUNDS each;
- one organization: DASHBOARDS dashboards in one organization, ANSWERS answers.

A reporter sends first answers over HTTP, one at a time, each starting a new report. Measured
for every (answer, dashboard of its organization) pair: the time from sending the answer (an
upper bound on its commit) to the event's arrival; p50/p99 over all pairs; deliveries missed
(an answer's report never seen by a dashboard of its organization, however late); and events
seen by a dashboard of another organization (must be 0: tenants are walls). The POST's own
duration is reported too (the save must not wait for the fan-out), and the server's resident
memory (now and peak).

The dashboards are held by CLIENT_PROCESSES separate processes, each a minimal WebSocket
client (a raw asyncio protocol that stamps each frame as its bytes arrive and parses nothing
until the run is over), so the client is not what is measured: the server and the clients
run side by side on the machine's cores. Arrival and sending times are both read from the
system's monotonic clock, which every process shares.

Sessions are made directly in the database (a responder per organization with the second
factor passed), as a sign-in would leave them: signing in 100 people through Argon2 would
measure the password hash, not the fan-out.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import QUICK, BenchFailure, env_int, percentile, rss_mb
from safepath.core.testing import ROOT, deployment

DASHBOARDS = env_int("BENCH_DASHBOARDS", 1000, 200)
ORGANIZATIONS = env_int("BENCH_DASHBOARD_ORGANIZATIONS", 100, 20)
ROUNDS = env_int("BENCH_DASHBOARD_ROUNDS", 2, 1)  # answers per organization when spread
ANSWERS = env_int("BENCH_ANSWERS", 20, 8)  # answers to the one organization
CLIENT_PROCESSES = env_int("BENCH_CLIENT_PROCESSES", 2, 1)
GAP_SECONDS = float(os.environ.get("BENCH_ANSWER_GAP", "0.1"))
QUIET_SECONDS = 20.0  # late is not missed: wait this long after the last frame


# The set-up, inside a subprocess whose environment points Django at the deployment. ---------


def setup_in_process(organizations: int) -> dict[str, Any]:
    """Organizations with a placement and a signed-in responder each; their session cookies."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, User
    from safepath.placements.models import Placement

    made = []
    tag = secrets.token_hex(3)
    for index in range(organizations):
        organization = Organization.objects.create(
            slug=f"live-{tag}-{index}",
            name=f"Live bench {index}",
            kind=OrganizationKind.LAW_ENFORCEMENT,
        )
        placement = Placement.objects.create(organization=organization, public_name=f"P{index}")
        user = User.objects.create_user(f"{organization.slug}@bench.test", secrets.token_hex(16))
        Membership.objects.create(user=user, organization=organization, role=Role.RESPONDER)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        made.append({"organization": organization.pk, "code": placement.code, "cookie": cookie})
    return {"organizations": made}


def _setup(env: dict[str, str], organizations: int) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.dashboards", "--setup", str(organizations)],
        env={**env, "LOG_LEVEL": "WARNING"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise BenchFailure(f"dashboard set-up failed:\n{done.stderr[-3000:]}")
    return list(json.loads(done.stdout.strip().splitlines()[-1])["organizations"])


# The client process: many dashboards, one minimal protocol each. ---------------------------


class _Dashboard(asyncio.Protocol):
    """A WebSocket client that stamps every text frame when its bytes arrive."""

    def __init__(self, request: bytes, opened: asyncio.Future[None]) -> None:
        self.request = request
        self.opened = opened
        self.buffer = b""
        self.upgraded = False
        self.frames: list[tuple[float, bytes]] = []
        self.compressed = False  # the server took the browser's offer of permessage-deflate
        self.closed = False
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()  # the server's clock too: compared with the report's save time
        self.buffer += data
        if not self.upgraded:
            head, found, rest = self.buffer.partition(b"\r\n\r\n")
            if not found:
                return
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                if not self.opened.done():
                    self.opened.set_exception(BenchFailure(f"refused: {head[:200]!r}"))
                return
            self.upgraded, self.buffer = True, rest
            self.compressed = b"permessage-deflate" in head.lower()
            if not self.opened.done():
                self.opened.set_result(None)
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + length:
                break
            payload, buffer = buffer[offset : offset + length], buffer[offset + length :]
            if opcode == 1:
                self.frames.append((now, payload))
            elif opcode == 9:  # the server's keepalive ping: answer, or it closes the socket
                self._send(0xA, payload)
            elif opcode == 8:
                self.closed = True
        self.buffer = buffer

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = secrets.token_bytes(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None and len(payload) < 126
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(BenchFailure(f"connection lost while opening: {exc!r}"))


async def _client(config: dict[str, Any]) -> dict[str, Any]:
    host, port = config["host"], config["port"]
    loop = asyncio.get_running_loop()
    dashboards: list[_Dashboard] = []
    for start in range(0, len(config["cookies"]), 50):  # in waves, as a shift starting would
        wave = []
        for cookie in config["cookies"][start : start + 50]:
            key = base64.b64encode(secrets.token_bytes(16)).decode()
            request = (
                f"GET /ws/dashboard/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://{host}:{port}\r\n"
                # As a browser does: the server must decline (see safepath.run).
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
            opened: asyncio.Future[None] = loop.create_future()
            protocol = _Dashboard(request, opened)
            await loop.create_connection(functools.partial(_same, protocol), host, port)
            wave.append(opened)
            dashboards.append(protocol)
        await asyncio.wait_for(asyncio.gather(*wave), 60)
    print("ready", flush=True)
    cpu_at_ready = time.process_time()
    # The parent says when it has sent every answer; then wait for the last frames.
    await loop.run_in_executor(None, sys.stdin.readline)
    expected = config["expected"]
    last, quiet_since = -1, time.perf_counter()
    while time.perf_counter() - quiet_since < QUIET_SECONDS:
        total = sum(len(d.frames) for d in dashboards)
        if all(_reports_seen(d) >= want for d, want in zip(dashboards, expected, strict=True)):
            break
        if total != last:
            last, quiet_since = total, time.perf_counter()
        await asyncio.sleep(0.2)
    cpu_seconds = time.process_time() - cpu_at_ready
    for dashboard in dashboards:
        if dashboard.transport is not None:
            dashboard.transport.close()
    return {
        "cpu_seconds": cpu_seconds,
        "closed_early": sum(d.closed for d in dashboards),
        "compressed": sum(d.compressed for d in dashboards),
        "frames": [[[at, text] for at, text in _texts(d)] for d in dashboards],
    }


def _texts(dashboard: _Dashboard) -> list[tuple[float, str]]:
    if not dashboard.compressed:
        return [(at, frame.decode()) for at, frame in dashboard.frames]
    inflate = zlib.decompressobj(-15)  # one context per socket, frames in order
    return [
        (at, inflate.decompress(frame + b"\x00\x00\xff\xff").decode())
        for at, frame in dashboard.frames
    ]


def _same(protocol: _Dashboard) -> _Dashboard:
    return protocol


def _reports_seen(dashboard: _Dashboard) -> int:
    return len({json.loads(f).get("report") for _at, f in dashboard.frames if b'"report"' in f})


def client_main() -> None:
    config = json.loads(sys.stdin.readline())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_client(config))
    # To a file: megabytes of frames through the stdout pipe arrived cut short.
    Path(config["output"]).write_text(json.dumps(result))


# The parent: start clients, send answers, count. -------------------------------------------


def _post_answer(base_url: str, code: str, index: int) -> tuple[float, float]:
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    body = urllib.parse.urlencode({"step": "details", "action": "next", "text": f"bench {index}"})
    started, clock = time.time(), time.perf_counter()
    connection.request(
        "POST",
        f"/Q/{code}",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200 or not response.getheader("Set-Cookie"):
        raise BenchFailure(f"POST /Q/{code}: HTTP {response.status}, no report started")
    return started, (time.perf_counter() - clock) * 1000


def saved_at_in_process(references: list[str]) -> dict[str, float]:
    """When each report's answer was written: its last row's time in the transaction, a
    moment before the commit (so a latency from it is from just before the commit)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
    django.setup()
    from safepath.reports.models import Report, ReportEntry

    saved = {
        r: at.timestamp()
        for r, at in Report.objects.filter(reference__in=references).values_list(
            "reference", "created_at"
        )
    }
    for reference, at in ReportEntry.objects.filter(report__reference__in=references).values_list(
        "report__reference", "updated_at"
    ):
        saved[reference] = max(saved.get(reference, 0.0), at.timestamp())
    return saved


def _saved_at(env: dict[str, str], references: list[str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.dashboards", "--saved-at"],
        input=json.dumps(references),
        env={**env, "LOG_LEVEL": "WARNING"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise BenchFailure(f"reading the reports' save times failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far, every core (Linux /proc/stat)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and waiting for I/O
    return sum(ticks) - idle, sum(ticks)


def _peak_rss(pid: int, stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(0.2):
        peak.append(rss_mb(pid).get("rss_mb", 0.0))


def fan_out(
    env: dict[str, str],
    workdir: str,
    server: Any,
    organizations: list[dict[str, Any]],
    dashboards: int,
    answers: int,
    label: str,
) -> dict[str, Any]:
    """``dashboards`` spread evenly over ``organizations``; ``answers`` sent to them in turn."""
    owners = [organizations[i % len(organizations)] for i in range(dashboards)]
    plan = [organizations[i % len(organizations)] for i in range(answers)]
    per_org: dict[int, int] = {}
    for org in plan:
        per_org[org["organization"]] = per_org.get(org["organization"], 0) + 1
    parts = urllib.parse.urlsplit(server.url)
    processes: list[subprocess.Popen[str]] = []
    shares = [list(range(p, dashboards, CLIENT_PROCESSES)) for p in range(CLIENT_PROCESSES)]
    connect_started = time.perf_counter()
    for share in shares:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.dashboards", "--client"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdin is not None
        config = {
            "host": parts.hostname,
            "port": parts.port,
            "cookies": [owners[i]["cookie"] for i in share],
            "output": str(Path(workdir) / f"client-{len(processes)}.json"),
            "expected": [per_org.get(owners[i]["organization"], 0) for i in share],
        }
        process.stdin.write(json.dumps(config) + "\n")
        process.stdin.flush()
        processes.append(process)
    try:
        for process in processes:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            if line != "ready":
                raise BenchFailure(f"{label}: the dashboards did not all connect ({line!r})")
        connect_seconds = time.perf_counter() - connect_started

        stop, samples = threading.Event(), [rss_mb(server.process.pid).get("rss_mb", 0.0)]
        sampler = threading.Thread(target=_peak_rss, args=(server.process.pid, stop, samples))
        sampler.start()
        sent = []
        server_cpu, machine, wall = (
            _cpu_seconds(server.process.pid),
            _machine_busy(),
            time.perf_counter(),
        )
        try:
            for index, org in enumerate(plan):
                sent.append((org["organization"], *_post_answer(server.url, org["code"], index)))
                time.sleep(GAP_SECONDS)
        finally:
            for process in processes:
                assert process.stdin is not None
                process.stdin.write("sent\n")
                process.stdin.flush()
            outputs: list[dict[str, Any]] = []
            for process in processes:
                process.communicate(timeout=300)
                if process.returncode != 0:
                    raise BenchFailure(f"{label}: a dashboard client failed")
                outputs.append(
                    json.loads((Path(workdir) / f"client-{len(outputs)}.json").read_text())
                )
            stop.set()
            sampler.join()
            server_cpu = _cpu_seconds(server.process.pid) - server_cpu
            wall = time.perf_counter() - wall
            busy, total = (now - then for now, then in zip(_machine_busy(), machine, strict=True))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    frames: list[list[tuple[float, str]]] = [[] for _ in range(dashboards)]
    closed_early = compressed = 0
    for share, output in zip(shares, outputs, strict=True):
        closed_early += output["closed_early"]
        compressed += output["compressed"]
        for index, seen in zip(share, output["frames"], strict=True):
            frames[index] = [(at, text) for at, text in seen]
    return _count(sent, owners, frames, label, env) | {
        "dashboards": dashboards,
        "organizations": len({o["organization"] for o in owners}),
        "answers": answers,
        "client_processes": CLIENT_PROCESSES,
        "connect_seconds": connect_seconds,
        "closed_early": closed_early,
        # From the first answer until every client has what it expected: how busy each side
        # was (1.0 = one core all the time) and the whole machine (every core, any process:
        # 100% means the run was bound by the machine, not by the server alone).
        "seconds_answering": wall,
        "server_cores_busy": server_cpu / wall,
        "client_cores_busy": sum(o["cpu_seconds"] for o in outputs) / wall,
        "machine_busy_percent": 100 * busy / total if total else None,
        "compressed_sockets": compressed,
        "post_p50_ms": statistics.median(ms for _org, _at, ms in sent),
        "post_p99_ms": percentile([ms for _org, _at, ms in sent], 0.99),
        "server_memory": rss_mb(server.process.pid) | {"peak_during_mb": max(samples)},
    }


def _count(
    sent: list[tuple[int, float, float]],
    owners: list[dict[str, Any]],
    frames: list[list[tuple[float, str]]],
    label: str,
    env: dict[str, str],
) -> dict[str, Any]:
    # Each dashboard's first sight of each report, and the organization whose dashboards saw it.
    first: list[dict[str, float]] = []
    for seen in frames:
        mine: dict[str, float] = {}
        for at, text in seen:
            event = json.loads(text)
            if event.get("kind") == "report":
                mine.setdefault(event["report"], at)
        first.append(mine)
    # An organization's answers, in send order, are its reports in the order they first
    # appeared on its dashboards (one publisher sends them in order).
    by_org: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        by_org.setdefault(owner["organization"], []).append(index)
    pairs: list[tuple[str, float, float]] = []  # (report, sent at, arrived at)
    missed = leaked = 0
    references: dict[str, int] = {}
    for org, members in by_org.items():
        appeared: dict[str, float] = {}
        for index in members:
            for reference, at in first[index].items():
                appeared[reference] = min(at, appeared.get(reference, at))
        ordered = sorted(appeared, key=appeared.__getitem__)
        answers = [at for answer_org, at, _ms in sent if answer_org == org]
        if len(ordered) > len(answers):
            raise BenchFailure(f"{label}: organization {org} saw more reports than were sent")
        missed += (len(answers) - len(ordered)) * len(members)  # seen by none of them
        for reference, sent_at in zip(ordered, answers, strict=False):
            references[reference] = org
            for index in members:
                if reference in first[index]:
                    pairs.append((reference, sent_at, first[index][reference]))
                else:
                    missed += 1
    for index, owner in enumerate(owners):
        leaked += sum(
            references.get(r, owner["organization"]) != owner["organization"] for r in first[index]
        )
    if leaked:
        raise BenchFailure(f"{label}: {leaked} events reached another organization's dashboard")
    saved = _saved_at(env, sorted(references))
    if set(saved) != set(references):
        raise BenchFailure(f"{label}: reports seen on dashboards are not in the database")
    from_save = [(arrived - saved[reference]) * 1000 for reference, _sent, arrived in pairs]
    from_send = [(arrived - sent_at) * 1000 for _reference, sent_at, arrived in pairs]
    return {
        "deliveries": len(pairs),
        "missed_deliveries": missed,
        "other_organizations_events": leaked,
        # From the answer's last write in its transaction (just before the commit) to arrival:
        "p50_ms": statistics.median(from_save) if from_save else None,
        "p99_ms": percentile(from_save, 0.99) if from_save else None,
        "max_ms": max(from_save) if from_save else None,
        # From sending the POST (includes the save itself) to arrival:
        "from_send_p50_ms": statistics.median(from_send) if from_send else None,
        "from_send_p99_ms": percentile(from_send, 0.99) if from_send else None,
    }


def run_layer(redis_url: str | None) -> dict[str, Any]:
    layer = "redis" if redis_url else "in_memory"
    with (
        tempfile.TemporaryDirectory() as workdir,
        deployment(Path(workdir), redis_url=redis_url) as live,
    ):
        live.env["LOG_LEVEL"] = "WARNING"
        organizations = _setup(live.env, ORGANIZATIONS + 1)
        spread, one = organizations[:ORGANIZATIONS], organizations[ORGANIZATIONS:]
        server = live.start_server(worker=False)
        results: dict[str, Any] = {"layer": layer, "idle_memory": rss_mb(server.process.pid)}
        results["baseline_1_dashboard"] = fan_out(
            live.env, workdir, server, one, 1, ANSWERS, f"{layer} baseline"
        )
        results["spread"] = fan_out(
            live.env, workdir, server, spread, DASHBOARDS, ORGANIZATIONS * ROUNDS, f"{layer} spread"
        )
        results["one_organization"] = fan_out(
            live.env, workdir, server, one, DASHBOARDS, ANSWERS, f"{layer} one"
        )
        base = results["baseline_1_dashboard"]["p99_ms"]
        for case in ("spread", "one_organization"):
            if base and results[case]["p99_ms"] is not None:
                results[case]["p99_ratio_to_1_dashboard"] = results[case]["p99_ms"] / base
        return results


def run() -> dict[str, Any]:
    results = {"in_memory": run_layer(None)}
    if os.environ.get("REDIS_URL"):
        results["redis"] = run_layer(os.environ["REDIS_URL"])
    return results


if __name__ == "__main__":
    if "--setup" in sys.argv:
        print(json.dumps(setup_in_process(int(sys.argv[sys.argv.index("--setup") + 1]))))
    elif "--saved-at" in sys.argv:
        print(json.dumps(saved_at_in_process(json.loads(sys.stdin.read()))))
    elif "--client" in sys.argv:
        client_main()
    else:
        from bench.run import rounded

        if QUICK:
            print("quick mode: indicative numbers only", file=sys.stderr)
        print(json.dumps(rounded(run()), indent=2))
