"""One synchronous transport into the hub's ASGI app for the tests (httpx's ASGITransport is async-only)."""

from __future__ import annotations

from typing import Any

import anyio.from_thread
import httpx


class InProcessTransport(httpx.BaseTransport):
    """Requests go to ``app`` on one portal thread; replies keep their wire encoding (still gzip-compressed).

    ``down``: every request fails to connect. ``fault(request)``: a reply to send instead of the hub's (None to
    pass the request on), or it raises."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._cm.__enter__()
        self.down = False
        self.fault: Any = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("hub is down (test)", request=request)
        if self.fault is not None:
            reply = self.fault(request)
            if reply is not None:
                return reply
        body = request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            areq = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            resp = await self._asgi.handle_async_request(areq)
            raw = b"".join([chunk async for chunk in resp.stream])
            return resp.status_code, resp.headers.raw, raw

        status, headers, content = self._portal.call(run)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))

    def close(self) -> None:
        self._cm.__exit__(None, None, None)
