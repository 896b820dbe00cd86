"""The hub's ASGI middleware, outermost first (``install`` adds them in this order):

- CORS — only when ``settings.cors_origins`` is set;
- SecurityHeaders — nosniff, no framing, no referrer, CSP for the API, HSTS over HTTPS, no-store when authed;
- BodyLimit — a raw request body over ``max_raw_body_bytes`` gets 413 before anything reads it;
- gzip replies (Starlette's GZipMiddleware) and GunzipRequest — gzip request bodies, inflated with a bound;
- ProtocolGate — every /v1/ request (but health and engagement) carries our protocol version, else 426;
- LoginGuard — failed logins counted per user name and per client address, a lockout of ``login_lockout_s``
  after too many, and at most ``login_concurrency`` password checks at a time (each argon2 check costs ~64 MiB
  and ~0.1 s of CPU, so a login flood cannot starve the sync API).

Every refusal is an ErrorBody (``send_error`` here, ``error_response`` for exception handlers and routes).
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from repcompanion.hub.settings import HubSettings
from repcompanion.protocol.models import OLDEST_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorBody

_HEADER = PROTOCOL_HEADER.lower().encode()
#: paths (and what lies below them) not called by our app: engagement comes from mail services, signed
_EXEMPT = ("/v1/health", "/v1/engagement")


def error_response(
    status: int, error: str, message: str, hint: str = "", headers: dict[str, str] | None = None
) -> JSONResponse:
    """An ErrorBody reply (for exception handlers and routes)."""
    return JSONResponse(ErrorBody(error=error, message=message, hint=hint).model_dump(), status, headers=headers)


async def send_error(
    send: Send, status: int, error: str, message: str, hint: str = "", headers: dict[str, str] | None = None
) -> None:
    """Send an ErrorBody reply straight from ASGI middleware."""
    body = json.dumps({"error": error, "message": message, "hint": hint}).encode()
    extra = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the already-read ``body`` once, then defers to the client's ``receive``."""
    sent = False

    async def inner() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return inner


def protocol_mismatch(sent: str | None, update_url: str) -> tuple[str, str] | None:
    """(message, hint) when a client's protocol header is missing or names a protocol we do not serve, else None."""
    if sent is not None and sent.strip().isdigit() and OLDEST_PROTOCOL_VERSION <= int(sent) <= PROTOCOL_VERSION:
        return None
    if sent is None or not sent.strip().isdigit():
        return (
            f"This app did not say which sync protocol it speaks; the hub needs protocol {PROTOCOL_VERSION}.",
            f"This RepCompanion app is too old for this hub: install the update from {update_url}.",
        )
    client = int(sent)
    if client < OLDEST_PROTOCOL_VERSION:
        return (
            f"This app speaks sync protocol {client}; the hub needs {PROTOCOL_VERSION}.",
            f"This RepCompanion app speaks sync protocol {client} but the hub needs {PROTOCOL_VERSION}: "
            f"install the update from {update_url}.",
        )
    return (
        f"This app speaks sync protocol {client}; the hub only speaks {PROTOCOL_VERSION}.",
        f"This RepCompanion app speaks sync protocol {client} but the hub speaks {PROTOCOL_VERSION}: ask your "
        "administrator to update the hub. Nothing on this laptop was lost.",
    )


class ProtocolGate:
    """Every /v1/ request (but health) must carry the protocol header with a version we serve, else 426."""

    def __init__(self, app: ASGIApp, update_url: str) -> None:
        self.app = app
        self.update_url = update_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/") and not scope["path"].startswith(_EXEMPT):
            sent = next((v.decode("latin-1") for k, v in scope["headers"] if k == _HEADER), None)
            problem = protocol_mismatch(sent, self.update_url)
            if problem is not None:
                await send_error(send, 426, "protocol_mismatch", *problem)
                return
        await self.app(scope, receive, send)


class GunzipRequest:
    """Decompress ``Content-Encoding: gzip`` request bodies (bounded: no gzip bombs); cap body sizes."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        encoding = next((v.decode("latin-1").strip().lower() for k, v in headers if k == b"content-encoding"), "")
        if encoding in ("", "identity"):
            await self.app(scope, receive, send)
            return
        if encoding != "gzip":
            await send_error(send, 415, "unsupported_encoding", f"Request bodies may be gzip, not {encoding!r}.")
            return
        raw = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            raw += message.get("body", b"")
            more = message.get("more_body", False)
            if len(raw) > self.max_bytes:
                await send_error(send, 413, "body_too_large", "The request body is too large.")
                return
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(bytes(raw), self.max_bytes + 1)
            if len(body) > self.max_bytes or inflater.unconsumed_tail:
                await send_error(send, 413, "body_too_large", "The decompressed request body is too large.")
                return
            if not inflater.eof:
                raise zlib.error("truncated gzip stream")
        except zlib.error as exc:
            await send_error(send, 400, "invalid_body", f"The gzip request body cannot be read: {exc}.")
            return
        new_headers = [(k, v) for k, v in headers if k not in (b"content-encoding", b"content-length")]
        new_headers.append((b"content-length", str(len(body)).encode()))
        inner: dict[str, Any] = dict(scope)
        inner["headers"] = new_headers
        await self.app(inner, replay(body, receive), send)


LOGIN_PATH = "/v1/auth/login"
#: pages a browser renders (FastAPI's interactive docs): no API Content-Security-Policy there
_DOC_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
_BUSY_WAIT_S = 10.0
#: a login body is a user name, a password and a device id (see LoginRequest's limits)
MAX_LOGIN_BODY = 16 * 1024


@dataclass
class _Counter:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0


class LoginLimiter:
    """Failed-login bookkeeping per key (``user:NAME`` or ``ip:ADDR``) on a settable monotonic ``clock``."""

    def __init__(self, settings: HubSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self._counters: dict[str, _Counter] = {}
        self._lock = threading.Lock()

    def _limit(self, key: str) -> int:
        return self.settings.login_max_failures_per_ip if key.startswith("ip:") else self.settings.login_max_failures

    def locked_for(self, *keys: str) -> float:
        """Seconds until every one of ``keys`` may try again (0: none is locked)."""
        now = self.clock()
        with self._lock:
            waits = [c.locked_until - now for k in keys if (c := self._counters.get(k)) and c.locked_until > now]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        window = self.settings.login_lockout_s
        with self._lock:
            if len(self._counters) > 100_000:
                self._prune(now)
            for key in keys:
                c = self._counters.setdefault(key, _Counter())
                c.failures = [t for t in c.failures if t > now - window] + [now]
                if len(c.failures) >= self._limit(key):
                    c.locked_until = now + window
                    c.failures.clear()

    def succeeded(self, user_key: str) -> None:
        with self._lock:
            self._counters.pop(user_key, None)

    def _prune(self, now: float) -> None:
        window = self.settings.login_lockout_s
        self._counters = {
            k: c for k, c in self._counters.items() if c.locked_until > now or any(t > now - window for t in c.failures)
        }


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if the client went away or it is longer than ``limit``."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


class LoginGuard:
    """Lockout and CPU bound around ``POST /v1/auth/login`` (sees the inflated JSON body)."""

    def __init__(self, app: ASGIApp, limiter: LoginLimiter, settings: HubSettings) -> None:
        self.app = app
        self.limiter = limiter
        self.settings = settings
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LOGIN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, min(self.settings.max_raw_body_bytes, MAX_LOGIN_BODY))
        if body is None:
            await send_error(send, 413, "body_too_large", "A login request is a few hundred bytes; this one is not.")
            return
        try:
            data = json.loads(body)
            user = str(data.get("username", "")) if isinstance(data, dict) else ""
        except (ValueError, UnicodeDecodeError):
            user = ""
        keys = (f"user:{user}", f"ip:{_client_ip(scope)}")
        wait = self.limiter.locked_for(*keys)
        if wait > 0:
            minutes = max(1, math.ceil(wait / 60))
            await send_error(
                send,
                429,
                "login_locked",
                "Too many failed logins: logging in is paused for this account or address.",
                f"Try again in {minutes} minute{'s' if minutes > 1 else ''}, or ask your administrator.",
                headers={"Retry-After": str(math.ceil(wait))},
            )
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.settings.login_concurrency))
        try:
            await asyncio.wait_for(self._slots.acquire(), _BUSY_WAIT_S)
        except TimeoutError:
            await send_error(
                send,
                429,
                "hub_busy",
                "The hub is busy checking other logins.",
                "Try again in a minute.",
                headers={"Retry-After": "30"},
            )
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, replay(body, receive), watch)
        finally:
            self._slots.release()
        if status == 401 and user:
            self.limiter.failed(*keys)
        elif status == 401:
            self.limiter.failed(keys[1])
        elif status == 200:
            self.limiter.succeeded(keys[0])


class BodyLimit:
    """413 (ErrorBody) for a raw body over ``max_bytes``: by Content-Length up front, else while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            text = length.decode("latin-1").strip()
            if not text.isdigit():
                await send_error(send, 400, "invalid_request", "The Content-Length header is not a number.")
                return
            if int(text) > self.max_bytes:
                await self._too_large(send)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive, self.max_bytes)  # chunked upload: bounded before anyone parses it
        if body is None:
            await self._too_large(send)
            return
        await self.app(scope, replay(body, receive), send)

    async def _too_large(self, send: Send) -> None:
        await send_error(
            send,
            413,
            "body_too_large",
            f"The request body is larger than the hub accepts ({self.max_bytes:,} bytes).",
            "Sync sends changes in batches; update the app if this keeps happening.",
        )


class SecurityHeaders:
    """Headers on every reply: nosniff, no framing, no referrer, CSP for the API, HSTS over HTTPS, no-store."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        authed = path.startswith("/v1/auth/") or any(k == b"authorization" for k, _ in scope["headers"])
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if path not in _DOC_PATHS:
            extra.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
        if self.https or scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        if authed:
            extra.append((b"cache-control", b"no-store"))
            extra.append((b"pragma", b"no-cache"))

        replaced = {b"cache-control", b"pragma"} if authed else set()

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replaced]
                names = {k.lower() for k, _ in own}
                headers = own + [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add)


def install(app: FastAPI, settings: HubSettings, *, clock: Callable[[], float] = time.monotonic) -> LoginLimiter:
    """Add every middleware layer to ``app`` (see the module docstring for the order); returns the login limiter."""
    limiter = LoginLimiter(settings, clock)
    app.state.login_limiter = limiter
    cors = Middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type", "Content-Encoding", PROTOCOL_HEADER],
        max_age=600,
    )
    app.user_middleware.extend(
        [
            *([cors] if settings.cors_origins else []),
            Middleware(SecurityHeaders, https=settings.https),
            Middleware(BodyLimit, max_bytes=settings.max_raw_body_bytes),
            Middleware(GZipMiddleware, minimum_size=1024, compresslevel=settings.gzip_level),
            Middleware(GunzipRequest, max_bytes=settings.max_body_bytes),
            Middleware(ProtocolGate, update_url=settings.update_url),
            Middleware(LoginGuard, limiter=limiter, settings=settings),
        ]
    )
    return limiter


__all__ = [
    "BodyLimit",
    "GunzipRequest",
    "LoginGuard",
    "LoginLimiter",
    "ProtocolGate",
    "SecurityHeaders",
    "error_response",
    "install",
    "send_error",
]
