"""Serve Django's HTTP requests from a fixed pool of threads, each with its own lasting
database connection.

Django's own ASGI handler runs every request of a project with synchronous views (all of
SafePath's) in a new thread made for that request, and hops between that thread and the
event loop several times on the way (the request-started signal, the middleware, the view,
the response's close). Database connections belong to a thread, so each request also opened
a new one (a new SQLite connection with its pragmas) and closed it again. Under load that
per-request cost was most of what a bare `/healthz` cost the server.

This handler reads the body on the event loop, then runs the whole request (signals,
middleware, view, closing the response) in one hop on one of ``threads`` lasting threads,
which is how Django runs under a threaded WSGI server. A connection then lives as long as
``CONN_MAX_AGE`` allows (or comes from PostgreSQL's pool). The view returns only after its
transaction committed, so nothing is acknowledged before it is stored. Requests wait their
turn in order when every thread is busy.

WebSockets are not affected: Channels serves them on the event loop as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpResponseBase
from django.urls import set_script_prefix

Scope = MutableMapping[str, Any]

Head = tuple[int, list[tuple[bytes, bytes]]]


def response_headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """The response's headers and cookies as ASGI wants them (as Django's ASGI handler)."""
    headers: list[tuple[bytes, bytes]] = []
    for name, value in response.items():
        headers.append(
            (
                name.encode("ascii") if isinstance(name, str) else bytes(name),
                value.encode("latin1") if isinstance(value, str) else bytes(value),
            )
        )
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    return headers


def _import_shared_clients() -> None:
    """Import the Redis client now, once, before any request runs. Django's cache imports it
    on first use, in whichever request thread comes first, while the event loop's live
    publisher imports ``redis.asyncio``, which shares its modules: the first requests of a
    server with Redis could meet mid-import and fail with Python's import deadlock error
    (a 500 on the first page a scan opened)."""
    if getattr(settings, "REDIS_URL", ""):
        import redis
        import redis.asyncio  # noqa: F401


class ThreadPoolHTTPHandler(ASGIHandler):
    """An ASGI application for HTTP that runs Django's synchronous request path in a pool."""

    def __init__(self, *, threads: int) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler's: the middleware is loaded synchronous
        self.load_middleware(is_async=False)
        _import_shared_clients()
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")
        # Through asgiref, as Django's handler runs a view: code in the view that goes back to
        # async (async_to_sync, e.g. the channel layer closing a person's sockets) runs on the
        # server's event loop, where the sockets and the in-memory layer live.
        self.run_in_pool = sync_to_async(
            self.respond, thread_sensitive=False, executor=self.executor
        )

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Mapping[str, Any]]],
        send: Callable[[Mapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Only HTTP is served here, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        (status, headers), body = await self.run_in_pool(scope, body_file)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def respond(self, scope: Scope, body_file: IO[bytes]) -> tuple[Head, bytes]:
        """The whole request, in a pool thread: its status, headers and body."""
        try:
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, refusal = self.create_request(scope, body_file)
            response = self.get_response(request) if request is not None else refusal
            assert response is not None  # create_request gives a request or a refusal
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django
            try:
                # SafePath streams nothing large (static files at most): read it here, so the
                # event loop never runs the application's iterators.
                body = (
                    b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]  # HttpResponse's
                )
                return (response.status_code, response_headers(response)), body
            finally:
                response.close()  # request_finished: old or broken connections are closed
        finally:
            body_file.close()
