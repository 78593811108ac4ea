"""ASGI middleware: the request-size limit and request metrics.

The size limit buffers the body before the app sees it, so an oversized request gets a
413 with the usual error body whether or not it declared a Content-Length. The buffered
body is also checked for lone UTF-16 surrogates (``"\ud800"`` without its pair, or one
written as UTF-8 bytes, ``ED A0 80``): JSON allows the escape, and ``json.loads`` lets the
bytes through, but the string they make is not Unicode, so it cannot be encoded, hashed or
stored; such a body gets a 422 ``invalid_request`` before any route reads it.
"""

from __future__ import annotations

import json
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import metrics

__all__ = ["BodyLimit", "RequestMetrics", "method_label"]


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# a \uD800-\uDFFF escape, not itself escaped (an even run of backslashes before it)
_SURROGATE_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


#: a surrogate written as UTF-8 bytes (ED A0..BF xx): not UTF-8, but ``json.loads`` of bytes
#: decodes with "surrogatepass" and lets it through
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


def lone_surrogate(body: bytes) -> int | None:
    """The byte offset of the first surrogate a JSON text would decode to on its own, or None.

    A high surrogate escape must be followed at once by a low one (the pair is one
    character, as Python's ``json.dumps`` writes an emoji); anything else is lone. A
    surrogate encoded as UTF-8 bytes is always lone (UTF-8 encodes the pair's character).
    """
    if (raw := _SURROGATE_BYTES.search(body)) is not None:
        return raw.start()
    high_end = -1  # where the pending high surrogate's escape ends
    for match in _SURROGATE_ESCAPE.finditer(body):
        start = match.end() - 6
        if int(match.group(1), 16) >= 0xDC00:  # low
            if start != high_end:
                return start
            high_end = -1
        elif high_end != -1:  # a high after a high
            return high_end - 6
        else:
            high_end = match.end()
    return None if high_end == -1 else high_end - 6


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_big = f"request body over {self.max_bytes} bytes"
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "invalid_request", "malformed Content-Length")
                    return
                if declared > self.max_bytes:
                    await _reply(send, 413, "limit_exceeded", too_big)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _reply(send, 413, "limit_exceeded", too_big)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if (b"\\u" in body or b"\xed" in body) and (at := lone_surrogate(body)) is not None:
            await _reply(send, 422, "invalid_request", f"the body holds a lone UTF-16 surrogate at byte {at} "
                         f"({body[at:at + 6]!r}): a JSON string must be valid Unicode")
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# HTTP's own methods (RFC 9110 and PATCH). Any other token a client sends is labelled "other": the method is
# the client's to choose, and every distinct label value would be a new time series (unbounded cardinality).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"})


def method_label(method: str) -> str:
    """The request's method as a metrics label: one of :data:`_METHODS`, or ``"other"``."""
    return method if method in _METHODS else "other"


class RequestMetrics:
    """Count and time each request by method, route template (never the raw path) and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = method_label(str(scope["method"]))
            metrics.HTTP_REQUESTS.labels(method, path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(method, path).observe(time.perf_counter() - started)
