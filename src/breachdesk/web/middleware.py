"""ASGI middleware: one redacted log line per request, body-size limits, public rate limits.

Pure ASGI (not BaseHTTPMiddleware) so they add microseconds, not a task per request.

The client address that the log, the rate limit, login throttling and the audit log see is the
connection's peer. `X-Forwarded-For` replaces it only when that peer is a configured proxy
(`trusted_proxies`, none by default; see `create_app`): from anyone else the header is a free
choice of address, and a rotating one would escape the rate limit and forge the log.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any
from urllib.parse import unquote_plus

from breachdesk import pacing
from breachdesk.privacy.redact import redact_for_log

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("breachdesk.access")

# Public routes: reachable without login, so limited per client address (a test walks the
# app's unauthenticated routes and requires each to be here or throttled in its own way). The
# register's self-check (/i/{slug}/check, /check/code, /check/v, /check/scope) is limited here
# first, then by its own per-address and per-identifier counts in the database; so is the
# callback form (/i/{slug}/callback), then by its per-address hourly count.
PUBLIC_LIMITED = re.compile(
    r"^/(i/[^/]+(/feedback|/choose|/callback|/check(/code|/v|/scope)?)?"
    r"|api/v1/incidents/[^/]+/(ask|scope)|api/v1/questions/\d+/(feedback|choice))/?$"
)
UPLOAD_PATHS = re.compile(r"^/(console/i/[^/]+/upload|api/v1/incidents/[^/]+/documents)/?$")
# Call logs, delivery results, registers and compensation code lists: tables that run to
# megabytes on a busy desk.
TABLE_UPLOAD_PATHS = re.compile(
    r"^/(console/i|api/v1/incidents)/[^/]+/"
    r"(calls|campaigns/\d+/results|register/upload|remediation/(codes|redeemed))/?$"
)


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


async def _reply(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": message}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# A query value the log writes out (redacted): a short plain token — a number, a date, a slug,
# an option. Anything else is someone's text (a question in `?q=`, a search for a caller's
# name) and is written as its length only: redaction finds cards, phones and mail, not names.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.:,+-]{0,64}")


def redacted_target(scope: Scope, known: Collection[str] = ()) -> str:
    """The path and query for the log: only the `known` parameter names are written out — any
    other name is the sender's free text (`?4111111111111111=1`), so it is only counted — and
    of their values only plain tokens, redacted; free text is written as `<text:N>`."""
    path = str(scope.get("path", ""))
    query = scope.get("query_string", b"").decode("latin-1")
    if not query:
        return redact_for_log(path)
    parts = []
    unknown = 0
    for pair in query.split("&"):
        raw_key, _, value = pair.partition("=")
        key = unquote_plus(raw_key)
        if key not in known:
            unknown += 1 if pair else 0
            continue
        if not value:
            parts.append(key)
            continue
        text = unquote_plus(value)
        shown = redact_for_log(text) if _PLAIN_VALUE.fullmatch(text) else f"<text:{len(text)}>"
        parts.append(f"{key}={shown}")
    if unknown:
        parts.append(f"<unknown:{unknown}>")
    return redact_for_log(path) + "?" + "&".join(parts)


class AccessLog:
    """One line per request: address, method, path (redacted), status, bytes, milliseconds.

    `known_params` are the query parameter names the app declares (`query_parameter_names`).
    """

    def __init__(self, app: ASGIApp, *, known_params: Collection[str] = ()) -> None:
        self.app = app
        self.known_params = frozenset(known_params)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        size = 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            with pacing.serving():  # long work in other threads gives way meanwhile
                await self.app(scope, receive, sending)
        finally:
            log.info(
                '%s "%s %s" %d %d %.1fms',
                client_address(scope),
                scope.get("method", "-"),
                redacted_target(scope, self.known_params),
                status,
                size,
                (time.perf_counter() - start) * 1000,
            )


class BodyLimit:
    """Refuse request bodies over the limit with 413 and a message, before a route reads them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        max_upload_bytes: int,
        max_table_upload_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_table_upload_bytes = max_table_upload_bytes or max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = (
            self.max_upload_bytes
            if UPLOAD_PATHS.match(path)
            else self.max_table_upload_bytes
            if TABLE_UPLOAD_PATHS.match(path)
            else self.max_bytes
        )
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        message = f"the request body is over the {limit:,}-byte limit"
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                await _reply(send, 400, "bad Content-Length", [])
                return
            if too_big:
                await _reply(send, 413, message, [(b"connection", b"close")])
                return
        received = 0
        refused = False

        async def counting() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            incoming = await receive()
            if incoming["type"] == "http.request":
                received += len(incoming.get("body", b""))
                if received > limit:
                    # Answer now and tell the app the client went away, so it stops reading;
                    # whatever it sends afterwards is dropped.
                    refused = True
                    await _reply(send, 413, message, [(b"connection", b"close")])
                    return {"type": "http.disconnect"}
            return incoming

        async def guarded(outgoing: Message) -> None:
            if not refused:
                await send(outgoing)

        await self.app(scope, counting, guarded)


class RateLimit:
    """A token bucket per client address on the public routes (per worker process).

    With N workers behind one address the effective limit is up to N times the setting; a
    reverse proxy in front should limit as well. `per_minute` 0 turns the limit off.
    """

    def __init__(self, app: ASGIApp, *, per_minute: int, burst: int | None = None) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(10, per_minute // 4))
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def allow(self, address: str, now: float) -> float:
        """0 when allowed; else the seconds until the next request would be."""
        with self.lock:
            tokens, last = self.buckets.get(address, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self.buckets[address] = (tokens - 1.0, now)
                if len(self.buckets) > 100_000:
                    self._prune(now)
                return 0.0
            self.buckets[address] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = self.burst / self.rate
        for key in [k for k, (_, last) in self.buckets.items() if now - last > full]:
            del self.buckets[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and self.rate > 0
            and PUBLIC_LIMITED.match(str(scope.get("path", "")))
        ):
            wait = self.allow(client_address(scope), time.monotonic())
            if wait > 0:
                seconds = max(1, int(wait + 0.999))
                await _reply(
                    send,
                    429,
                    f"too many requests from this address; retry after {seconds} s",
                    [(b"retry-after", str(seconds).encode())],
                )
                return
        await self.app(scope, receive, send)
