"""ASGI middleware of the hub: protocol gate, gzip request bodies, ErrorBody replies (gzip replies: Starlette)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from repcompanion.protocol.models import OLDEST_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorBody

_HEADER = PROTOCOL_HEADER.lower().encode()
_EXEMPT = ("/v1/health", "/v1/engagement")  # engagement: an email service, HMAC-signed, not our app


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
        if scope["type"] == "http" and scope["path"].startswith("/v1/") and scope["path"] not in _EXEMPT:
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
