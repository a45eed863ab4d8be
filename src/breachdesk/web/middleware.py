"""ASGI middleware: one redacted log line per request, body-size limits, public rate limits.

Pure ASGI (not BaseHTTPMiddleware) so they add microseconds, not a task per request.

The client address that the log, the rate limit, login throttling and the audit log see is the
connection's peer. `X-Forwarded-For` replaces it only when that peer is a configured proxy
(`trusted_proxies`, none by default; see `create_app`): from anyone else the header is a free
choice of address, and a rotating one would escape the rate limit and forge the log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote_plus

from breachdesk import pacing
from breachdesk.limits import LimitStoreError, SharedRateLimit
from breachdesk.privacy.redact import redact_for_log

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("breachdesk.access")
web_log = logging.getLogger("breachdesk.web")

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


# The register's public routes (the self-check, the callback form) refuse a request whose
# count the store cannot take (503): they read and write the register in that store anyway, and
# an address left unlimited on them could try identifiers or flood the desk with requests. The
# help page lets it through (logged): it answers from the approved FAQ held in memory.
FAIL_CLOSED = re.compile(r"^/i/[^/]+/(check(/code|/v|/scope)?|callback)/?$")
CLOSED_WAIT = 10.0
"""Seconds a register route waits for its count (SQLite's busy timeout: the route's own
transaction would wait as long for the writer)."""
_UNAVAILABLE_RETRY = 5
_STALE = 30.0
"""Seconds after which a count still queued for a slow store is dropped, not made."""
_WARN_EVERY = 60.0
_counting: ThreadPoolExecutor | None = None
_counting_lock = threading.Lock()


def _counting_pool() -> ThreadPoolExecutor:
    """The threads that run the limit's statements, off the event loop (one small pool per
    process, shared by its apps: a slow store ties up these threads, not the app's own)."""
    global _counting
    with _counting_lock:
        if _counting is None:
            _counting = ThreadPoolExecutor(max_workers=4, thread_name_prefix="breachdesk-limits")
        return _counting


def _count_if_fresh(limiter: SharedRateLimit, address: str, asked: float) -> float | None:
    """`limiter.take`, unless the request stopped waiting for it long ago: a store that hung for
    minutes would otherwise be sent every count it missed when it comes back."""
    if time.monotonic() - asked > _STALE:
        return None
    return limiter.take(address)


def _retrieved(future: asyncio.Future[float | None]) -> None:
    # A count that finished after its request stopped waiting: its error was already reported
    # by the waiting (or will be by the next), so it is only marked as seen here.
    if not future.cancelled():
        future.exception()


class RateLimit:
    """The public routes' limit per client address, counted in the store every worker and
    server shares (`limits.rate`: a token bucket of `rate_limit_per_minute`, bursts of a
    quarter of that, at least 10), so two servers give an address one limit, not two.

    The count runs in a thread; a request waits for it at most `wait` seconds on the help page
    (then it is let through, and still counted when the store answers) and `CLOSED_WAIT` on the
    register's routes. If the store fails, the help page lets requests through with a warning
    in the log (at most one a minute) and the register's routes answer 503. `limiter` None
    turns the limit off.
    """

    def __init__(
        self, app: ASGIApp, *, limiter: SharedRateLimit | None, wait: float = 0.05
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.wait = wait
        self._unlimited = 0
        self._warned_at = -_WARN_EVERY

    async def _count(self, address: str, closed: bool) -> float | str:
        """0.0 allowed, > 0 refused (seconds to wait), or why the store gave no answer."""
        assert self.limiter is not None
        known = self.limiter.known_wait(address)
        if known > 0:
            return known
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            _counting_pool(), _count_if_fresh, self.limiter, address, time.monotonic()
        )
        timeout = CLOSED_WAIT if closed else self.wait
        # Not asyncio.wait_for: a count that is late is still made, not cancelled.
        done, _ = await asyncio.wait({future}, timeout=timeout)
        if not done:
            future.add_done_callback(_retrieved)
            return f"the rate-limit store gave no answer within {timeout * 1000:.0f} ms"
        try:
            wait = future.result()
        except LimitStoreError as exc:
            return str(exc)
        return "the rate-limit store fell behind" if wait is None else wait

    def _let_through(self, reason: str) -> None:
        self._unlimited += 1
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY:
            web_log.warning(
                "public requests let through unlimited: %s (%d since the last warning)",
                reason,
                self._unlimited,
            )
            self._warned_at = now
            self._unlimited = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and self.limiter is not None and PUBLIC_LIMITED.match(path):
            closed = FAIL_CLOSED.match(path) is not None
            wait = await self._count(client_address(scope), closed)
            if isinstance(wait, str) and closed:
                await _reply(
                    send,
                    503,
                    f"the request limit cannot be checked now; retry after {_UNAVAILABLE_RETRY} s",
                    [(b"retry-after", str(_UNAVAILABLE_RETRY).encode())],
                )
                return
            if isinstance(wait, str):
                self._let_through(wait)
            elif wait > 0:
                seconds = max(1, int(wait + 0.999))
                await _reply(
                    send,
                    429,
                    f"too many requests from this address; retry after {seconds} s",
                    [(b"retry-after", str(seconds).encode())],
                )
                return
        await self.app(scope, receive, send)
