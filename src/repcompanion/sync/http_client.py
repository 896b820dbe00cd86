"""The HTTP client the command line and the app sync through."""

from __future__ import annotations

import httpx


def default_http_client(timeout_s: float = 60.0) -> httpx.Client:
    """Explicit timeouts and no redirects (a redirect on the way to the hub is a proxy's doing, not the hub's)."""
    return httpx.Client(timeout=httpx.Timeout(timeout_s, connect=10.0), follow_redirects=False)
