"""Helpers behind `repcompanion login` and `repcompanion sync`: prompt, progress bar, summary, no tokens in files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
from keyring.backends.fail import Keyring as NoKeyring

from repcompanion.sync import CredentialStore, LoginRequired
from repcompanion.sync.cli_support import TerminalProgress, format_summary, login_interactive, run_sync
from tests.sync.conftest import HUB_URL, PASSWORD, Hub


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_login_then_sync_prints_a_bar_and_a_summary(hub: Hub, tmp_path: Path) -> None:
    from repcompanion.store import open_store

    store = open_store(tmp_path / "ws.db")
    http = httpx.Client(transport=hub.transport())
    creds = CredentialStore(NoKeyring())
    out = _Tty()
    prompts: list[str] = []
    result = login_interactive(
        store,
        "hub.test/",
        "rep01",
        http=http,
        credentials=creds,
        prompt=lambda p: prompts.append(p) or PASSWORD,
        out=out,
    )
    assert result.server_url == "https://hub.test" or result.server_url.endswith("hub.test")
    assert prompts and "rep01" in prompts[0]
    assert "No system keyring is available" in out.getvalue()


def test_run_sync_draws_progress_and_the_summary_and_asks_for_the_password_when_needed(
    hub: Hub, tmp_path: Path
) -> None:
    from repcompanion.store import open_store

    store = open_store(tmp_path / "ws.db")
    http = httpx.Client(transport=hub.transport())
    login_interactive(store, HUB_URL, "rep01", password=PASSWORD, http=http, credentials=CredentialStore(NoKeyring()))
    # a new run: the in-memory login is gone, so the sync asks for the password once and carries on
    out = _Tty()
    asked: list[str] = []
    report = run_sync(
        store,
        HUB_URL,
        http=http,
        credentials=CredentialStore(NoKeyring()),
        prompt=lambda p: asked.append(p) or PASSWORD,
        out=out,
    )
    text = out.getvalue()
    assert len(asked) == 1 and report.full and report.pulled > 0
    assert "\r[" in text and "100.0%" in text
    assert f"pulled {report.pulled:,}, pushed 0, rejected 0" in text
    raw = (tmp_path / "ws.db").read_bytes() + (tmp_path / "ws.db-wal").read_bytes()
    assert b"Bearer" not in raw and b"refresh_token" not in raw and PASSWORD.encode() not in raw


def test_run_sync_without_a_prompt_reports_the_missing_login(hub: Hub, tmp_path: Path) -> None:
    from repcompanion.store import open_store

    store = open_store(tmp_path / "ws.db")
    store.sync_state.update(server_url=HUB_URL, user="rep01")
    try:
        run_sync(store, http=httpx.Client(transport=hub.transport()), credentials=CredentialStore(NoKeyring()))
    except LoginRequired as exc:
        assert "no saved login" in exc.message.lower() and "log in again" in exc.hint
    else:
        raise AssertionError("a sync without a login must ask for one")


def test_terminal_progress_writes_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    bar = TerminalProgress(out)
    bar(0.0, "Sending changes")
    bar(1.0, "Sync done")
    assert out.getvalue().splitlines() == ["  0.0% Sending changes", "100.0% Sync done"]


def test_the_summary_lists_rejections_with_their_reasons(make_device: Callable[..., object]) -> None:
    from repcompanion.sync import Rejection, SyncReport

    report = SyncReport(pulled=1200, pushed=3, applied=2, rejected=[Rejection("m1", "call_report.submit", "R1", "why")])
    text = format_summary(report)
    assert text.splitlines()[0].startswith("Sync done: pulled 1,200, pushed 3, rejected 1")
    assert "rejected call_report.submit R1: why" in text
