"""Functions behind `repcompanion login` and `repcompanion sync`: a password prompt, a progress bar, a summary."""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Callable
from typing import TextIO

import httpx

from repcompanion.store import Store
from repcompanion.sync.client import SyncClient, normalize_server_url
from repcompanion.sync.credentials import CredentialStore
from repcompanion.sync.errors import LoginRequired
from repcompanion.sync.report import CancelledFn, LoginResult, SyncReport, never_cancelled

BAR_WIDTH = 30


def default_http_client(timeout_s: float = 60.0) -> httpx.Client:
    """The client the CLI and the app use: explicit timeouts, no redirects (a redirect is a proxy's doing)."""
    return httpx.Client(timeout=httpx.Timeout(timeout_s, connect=10.0), follow_redirects=False)


class TerminalProgress:
    """progress(fraction, message) drawn as a bar on a terminal (a line per step when not a terminal)."""

    def __init__(self, out: TextIO | None = None, *, min_interval_s: float = 0.1) -> None:
        self.out = out if out is not None else sys.stderr
        self.interactive = bool(getattr(self.out, "isatty", lambda: False)())
        self.min_interval_s = min_interval_s
        self._last = 0.0
        self._last_message = ""
        self._drawn = False

    def __call__(self, fraction: float, message: str) -> None:
        fraction = max(0.0, min(1.0, fraction))
        now = time.monotonic()
        if self.interactive:
            if fraction < 1.0 and now - self._last < self.min_interval_s:
                return
            filled = int(fraction * BAR_WIDTH)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.out.write(f"\r[{bar}] {fraction * 100:5.1f}% {message[:60]:<60}")
            self._drawn = True
        elif message != self._last_message and (fraction >= 1.0 or now - self._last >= 1.0):
            self.out.write(f"{fraction * 100:5.1f}% {message}\n")
            self._last_message = message
        self._last = now
        self.out.flush()

    def finish(self) -> None:
        if self._drawn:
            self.out.write("\n")
            self.out.flush()
            self._drawn = False


def format_summary(report: SyncReport) -> str:
    """The summary a rep sees: pulled, pushed, rejected (with reasons), time, and any notice."""
    lines = [report.summary()]
    for r in report.rejected:
        lines.append(f"  rejected {r.kind} {r.entity_id}: {r.reason}")
    if report.pending:
        lines.append(f"  {report.pending:,} changes still waiting to be sent.")
    lines.extend(f"  note: {n}" for n in report.notices)
    return "\n".join(lines)


def login_interactive(
    store: Store,
    server_url: str,
    user: str,
    *,
    password: str | None = None,
    http: httpx.Client | None = None,
    credentials: CredentialStore | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
    out: TextIO | None = None,
) -> LoginResult:
    """Ask for the password (unless given), log in, and print who is logged in and any notice."""
    out = out if out is not None else sys.stderr
    url = normalize_server_url(server_url)
    if password is None:
        password = prompt(f"Password for {user} on {url}: ")
    own_http = http is None
    client = SyncClient(http or default_http_client(), store, credentials or CredentialStore())
    try:
        result = client.login(url, user, password)
    finally:
        if own_http:
            client.http.close()
    out.write(f"Logged in to {result.server_url} as {result.user} (territory {result.territory_id}).\n")
    if result.notice:
        out.write(f"Note: {result.notice}\n")
    return result


def run_sync(
    store: Store,
    server_url: str | None = None,
    *,
    http: httpx.Client | None = None,
    credentials: CredentialStore | None = None,
    prompt: Callable[[str], str] | None = None,
    cancelled: CancelledFn = never_cancelled,
    out: TextIO | None = None,
) -> SyncReport:
    """Sync with a progress bar on stderr and print the summary.

    ``server_url`` (optional) must be the hub this workspace is logged in to. With ``prompt`` (e.g.
    getpass.getpass), an expired or missing login asks for the password once and carries on.
    """
    out = out if out is not None else sys.stderr
    state = store.sync_state.get()
    if server_url is not None and state.server_url and normalize_server_url(server_url) != state.server_url:
        raise LoginRequired(
            f"This workspace is connected to {state.server_url}, not {normalize_server_url(server_url)}.",
            hint="Log in to the other hub first with `repcompanion login --server URL --user NAME`.",
        )
    own_http = http is None
    credentials = credentials or CredentialStore()
    client = SyncClient(http or default_http_client(), store, credentials)
    bar = TerminalProgress(out)
    try:
        try:
            report = client.sync(progress=bar, cancelled=cancelled)
        except LoginRequired:
            url = state.server_url or (normalize_server_url(server_url) if server_url else "")
            if prompt is None or not url or not state.user:
                raise
            bar.finish()
            result = client.login(url, state.user, prompt(f"Password for {state.user} on {url}: "))
            if result.notice:
                out.write(f"Note: {result.notice}\n")
            report = client.sync(progress=bar, cancelled=cancelled)
    finally:
        bar.finish()
        if own_http:
            client.http.close()
    out.write(format_summary(report) + "\n")
    out.flush()
    return report


__all__ = ["TerminalProgress", "default_http_client", "format_summary", "login_interactive", "run_sync"]
