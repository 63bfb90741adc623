"""The run command's worker stops with its server, however the server stops."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from safepath.core.testing import ROOT, free_port

Running = tuple["subprocess.Popen[bytes]", set[int]]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(child) for child in text.split())
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def _wait_until(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def running_server(tmp_path: Path) -> Iterator[Running]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SQLITE_PATH=str(tmp_path / "run.sqlite3"),
        HOST="127.0.0.1",
        PORT=str(port),
        WORKER_POLL_SECONDS="0.2",
        SAFEPATH_ENV="development",
    )
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "safepath.run", "--migrate=yes"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        up = False
        while time.monotonic() < deadline and not up:
            assert process.poll() is None, (tmp_path / "run.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    up = True
            except OSError:
                time.sleep(0.2)
        assert up, (tmp_path / "run.log").read_text()
        assert _wait_until(lambda: _children(process.pid), 30), "the worker never started"
        workers.update(_children(process.pid))
        yield process, workers
    finally:
        for pid in [process.pid, *workers]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


def test_sigterm_stops_the_server_and_its_worker(running_server: Running) -> None:
    process, workers = running_server
    (worker,) = workers

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)

    assert _wait_until(lambda: not _alive(worker), 20), "the worker outlived its server"


def test_the_worker_exits_when_its_server_is_killed(running_server: Running) -> None:
    process, workers = running_server
    (worker,) = workers

    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    assert _wait_until(lambda: not _alive(worker), 20), "the worker outlived its killed server"


def test_several_server_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SQLITE_PATH=str(tmp_path / "run.sqlite3"), SAFEPATH_ENV="development")

    done = subprocess.run(
        [sys.executable, "-m", "safepath.run", "--migrate=no", "--no-worker", "--processes=2"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2
    assert "several server processes need PostgreSQL (DATABASE_URL) and Redis" in done.stderr


def _descendants(pid: int) -> set[int]:
    found = _children(pid)
    for child in list(found):
        found |= _descendants(child)
    return found


def test_several_server_processes_share_the_port_and_stop_together(tmp_path: Path) -> None:
    redis_url = os.environ.get("REDIS_URL", "")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not redis_url:
        pytest.skip("several server processes need PostgreSQL and Redis")
    from safepath.core.testing import deployment

    with deployment(tmp_path, redis_url=redis_url) as live:
        port = free_port()
        env = {**live.env, "HOST": "127.0.0.1", "PORT": str(port)}
        log = (tmp_path / "run.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "safepath.run", "--migrate=no", "--processes=2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:

            def serving() -> bool:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                        return True
                except OSError:
                    return False

            assert _wait_until(serving, 90), (tmp_path / "run.log").read_text()
            # Two servers and a worker (and multiprocessing's helper, if any).
            assert _wait_until(lambda: len(_descendants(process.pid)) >= 3, 30)
            started = _descendants(process.pid)

            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

            assert _wait_until(lambda: not any(_alive(pid) for pid in started), 20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            log.close()


def test_start_up_objects_are_frozen_out_of_garbage_collection() -> None:
    """The server process freezes what start-up made (Django, its apps): full collections
    under load then walk only what requests made."""
    import gc

    from safepath.run import _loaded_and_frozen

    try:
        assert _loaded_and_frozen() is not None
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
