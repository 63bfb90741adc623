"""A cap on request bodies, before Django reads them.

Django's ASGI handler spools a large body to a temporary file before any view can refuse
it: an anonymous post to a reporter page could fill the disk, or leave a photo on it
unencrypted. This wrapper answers 413 as soon as a body is announced or streamed past
``settings.REQUEST_MAX_BYTES``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]

TOO_LARGE = (
    b"This is too large to send. Photos and files must be smaller; please try a smaller one."
)
# (path, request headers) -> (body, response headers): a page in the design of the path's
# side, in the asker's language (the reporter's side passes one; see safepath.asgi).
Refusal = Callable[[str, list[tuple[bytes, bytes]]], tuple[bytes, list[Any]]]


class BodyTooLarge(Exception):
    pass


async def _refuse(send: Send, scope: Scope, page: Refusal | None) -> None:
    body: bytes = TOO_LARGE
    headers: list[Any] = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"content-length", str(len(TOO_LARGE)).encode()),
    ]
    if page is not None:
        from asgiref.sync import sync_to_async

        try:
            body, headers = await sync_to_async(page)(
                str(scope.get("path", "")), list(scope.get("headers", []))
            )
        except Exception:  # a refusal must go out even if the page cannot be made
            body = TOO_LARGE
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        page_for: Callable[[str], Refusal | None] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        # Which page a refused path gets (None: the plain text above).
        self.page_for = page_for or (lambda path: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    announced = self.limit + 1
                if announced > self.limit:
                    await _refuse(send, scope, self.page_for(str(scope.get("path", ""))))
                    return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, scope, self.page_for(str(scope.get("path", ""))))
