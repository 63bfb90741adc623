"""A dashboard's live socket ends with the staff session it was opened in.

Each socket watches a group named after its session (``core.live.watch``). Signing out (in
any tab) and the idle timeout both call Django's ``logout``, which sends ``user_logged_out``:
the session's group is signalled, in every server process, and its sockets are told the
session ended and are closed, so no event reaches a signed-out page. A page left open and
untouched ends the same way: each process's session sweeper (``cases.consumers``) checks
every open session when its idle timeout comes due (a socket is not activity) and ends it.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

from safepath.core import live

IDLE_KEY = "safepath_last_seen"  # written by accounts.middleware on staff requests a person makes


def session_group(session_key: str) -> str:
    # Group names stay short and never carry the session id itself.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def end_live_sessions(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Receiver of ``user_logged_out``: close every socket opened in this session."""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        # If the signal cannot be sent, each server's sweeper still finds the session ended.
        live.signal(session_group(key))


def seconds_left(session: SessionBase) -> float:
    """How long this session stays signed in without another request; 0 when it has ended."""
    session = session.__class__(session.session_key)  # read it fresh from the store
    if not session.get(SESSION_KEY):
        return 0.0
    last_seen = session.get(IDLE_KEY)
    if not isinstance(last_seen, int):
        return float(settings.SESSION_IDLE_SECONDS)
    left = last_seen + settings.SESSION_IDLE_SECONDS - time.time()
    if left <= 0:
        session.flush()  # the idle timeout has passed: the session ends now, not at next click
        return 0.0
    return left
