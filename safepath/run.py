"""Run SafePath: the ASGI server and the background worker, together, in the foreground.

    python -m safepath.run [--migrate=yes|no] [--banner] [--no-worker] [--processes=N]

Reads HOST and PORT (default 127.0.0.1:8000). The server keeps no access log: the reporter's
side must not record who asked. ``--processes`` (or SERVER_PROCESSES) runs several server
processes on the one port, which needs PostgreSQL and Redis: on SQLite with the in-memory
channel layer a dashboard would not hear what another process saved.

The worker is restarted if it ever exits on its own, stops when the server stops (Ctrl-C,
SIGTERM from a supervisor) and exits by itself when the server process dies without
stopping it.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

MANAGE_PY = Path(__file__).resolve().parent.parent / "manage.py"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")


def _supervise_worker(stop: threading.Event) -> None:
    process: subprocess.Popen[bytes] | None = None
    while not stop.is_set():
        if process is None or process.poll() is not None:
            if process is not None:
                print(f"worker exited with {process.returncode}; restarting", file=sys.stderr)
                time.sleep(1)
            process = subprocess.Popen(  # noqa: S603  # our own command
                [sys.executable, str(MANAGE_PY), "worker", f"--parent={os.getpid()}"]
            )
        stop.wait(1)
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


MMAP_THRESHOLD_BYTES = 1024 * 1024


def _few_malloc_arenas() -> None:
    """glibc gives each thread that allocates its own memory arena (up to 8 per core) and
    keeps freed memory in each. The server runs requests on several threads, so under load
    most of its resident memory was idle arenas; Python runs one thread at a time anyway, so
    two arenas cost nothing in speed.

    glibc also raises its mmap threshold to the largest block freed so far: after the first
    receipt's Argon2 hash (7 MiB, 19 MiB before) every later one came from the heap and
    stayed resident after it was freed. A fixed threshold of 1 MiB gives such blocks back
    when freed."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    m_arena_max, m_mmap_threshold = -8, -3
    libc.mallopt(m_arena_max, 2)
    libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD_BYTES)


def _loaded_and_frozen() -> Any:
    """The application, imported, with everything start-up made moved out of the garbage
    collector's sight (``gc.freeze``): Django, its apps and their modules are never garbage,
    yet each full collection walked all of them again, several times a second under load
    (about 5% of a reporter's request). Whatever requests make is still collected."""
    from safepath.asgi import application

    gc.collect()
    gc.freeze()
    return application


def several_processes_problem(settings: Any) -> str:
    """Why this configuration cannot run several server processes ("" when it can)."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine or not settings.REDIS_URL:
        return (
            "several server processes need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): "
            "on SQLite with the in-memory channel layer, a dashboard connected to one process "
            "would never hear of a report saved by another. Run one process, or set both."
        )
    return ""


def main(argv: list[str] | None = None) -> None:
    _few_malloc_arenas()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--migrate", choices=["yes", "no"], default="yes")
    parser.add_argument("--banner", action="store_true", help="Print demo logins and scan URLs.")
    parser.add_argument("--no-worker", action="store_true", help="Serve only; run no worker.")
    parser.add_argument(
        "--processes",
        type=int,
        default=int(os.environ.get("SERVER_PROCESSES", "1")),
        help="Server processes sharing the port (PostgreSQL and Redis only; default 1).",
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.processes > 1:
        problem = several_processes_problem(settings)
        if problem:
            parser.error(problem)
        # Each server process is a new interpreter: it reads the same limits from here.
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD_BYTES))

    if args.migrate == "yes":
        call_command("migrate", interactive=False, verbosity=0)
    if args.banner:
        from safepath.core.demo import demo_banner

        print(demo_banner(), flush=True)

    # uvicorn handles SIGTERM itself and, once it has shut down, raises the signal again with
    # the handler that was in place before it started. With the default handler that kills
    # this process before the worker is stopped; this one unwinds through the `finally` below.
    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)

    stop = threading.Event()
    supervisor = None
    if not args.no_worker:
        supervisor = threading.Thread(target=_supervise_worker, args=(stop,), daemon=True)
        supervisor.start()

    import uvicorn

    app: Any = "safepath.asgi:application"  # each of several processes imports it itself
    if args.processes == 1:
        app = _loaded_and_frozen()
    try:
        uvicorn.run(
            app,
            host=settings.HOST,
            port=settings.PORT,
            access_log=False,
            server_header=False,
            proxy_headers=False,
            log_level=os.environ.get("UVICORN_LOG_LEVEL", "warning"),
            lifespan="off",
            # uvicorn's sans-I/O WebSockets (its default with websockets installed, named so
            # it stays so): core.live writes each event's one frame straight to its
            # connections (see _frame_writer there); under another implementation events go
            # through ASGI sends, correct but slower.
            ws="websockets-sansio",
            # Compression is off: events are ~100 bytes, and every browser asks for it, so
            # each socket would keep zlib state of its own (tens of KB or more, times 1,000
            # dashboards), and one frame could not serve every socket.
            ws_per_message_deflate=False,
            # More than one: uvicorn's supervisor forks them on one socket (the kernel spreads
            # connections), restarts one that dies, and stops them all on SIGTERM.
            workers=args.processes if args.processes > 1 else None,
        )
    finally:
        stop.set()
        if supervisor is not None:
            supervisor.join(timeout=15)


if __name__ == "__main__":
    main()
