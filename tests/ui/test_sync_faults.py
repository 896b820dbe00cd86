"""Sync through a broken network: a proxy's HTML 502 page and a connection lost mid-sync."""

from __future__ import annotations

from typing import Any

import httpx

from repcompanion.domain import ActionType
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from tests.ui.conftest import InProcessTransport

BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"


def _run_sync(win: MainWindow, qtbot: Any) -> Any:
    op = win.sync_bar.sync(interactive=True)
    assert op is not None
    qtbot.waitUntil(lambda: op.done, timeout=60_000)
    qtbot.waitUntil(lambda: win.sync_bar.running is None, timeout=10_000)
    return op


def _pending(win: MainWindow, qtbot: Any) -> int:
    op = win.sync_bar.refresh_status()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    return int(win.sync_bar.status.pending)


def _assert_usable_with_message(win: MainWindow, qtbot: Any) -> None:
    text = win.banner.text.text()
    assert win.banner.isVisible() and text
    assert "Traceback" not in text and "<html" not in text.lower()
    assert win.sync_bar.sync_button.isEnabled()
    alive = Op(win, lambda ws: len(ws.directory.hcps())).run()  # the workspace still answers
    qtbot.waitUntil(lambda: alive.done, timeout=10_000)
    assert alive.error is None


def test_a_hub_that_returns_an_html_502_page_shows_a_clear_message(
    rep_window: MainWindow, qtbot: Any, hub_transport: InProcessTransport
) -> None:
    win = rep_window

    def proxy_page(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/pull"):
            return httpx.Response(502, headers={"content-type": "text/html"}, text=BAD_GATEWAY)
        return None

    hub_transport.fault = proxy_page
    failed = _run_sync(win, qtbot)
    assert failed.error is not None
    _assert_usable_with_message(win, qtbot)
    hub_transport.fault = None
    recovered = _run_sync(win, qtbot)
    assert recovered.error is None


def test_a_connection_lost_mid_sync_keeps_the_pending_uploads(
    rep_window: MainWindow, qtbot: Any, hub_transport: InProcessTransport
) -> None:
    win = rep_window
    assert _run_sync(win, qtbot).error is None

    def log_visit(ws: Any) -> None:  # to an HCP whose suggestion is no visit: one upload, the visit
        hcp = next(h for h in ws.directory.hcps() if ws.ranking.current_action(h.id) is not ActionType.VISIT)
        ws.visits.submit(ws.visits.new(hcp.id).edited(notes="Discussed the dosing card."))

    op = Op(win, log_visit).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert op.error is None, op.error
    assert _pending(win, qtbot) == 1
    requests: list[str] = []

    def drop_during_upload(request: httpx.Request) -> httpx.Response | None:
        requests.append(request.url.path)
        if request.url.path.endswith("/push"):
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return None

    hub_transport.fault = drop_during_upload
    failed = _run_sync(win, qtbot)
    assert failed.error is not None and any(p.endswith("/push") for p in requests)
    _assert_usable_with_message(win, qtbot)
    assert _pending(win, qtbot) == 1  # nothing uploaded, nothing lost
    hub_transport.fault = None
    assert _run_sync(win, qtbot).error is None
    assert _pending(win, qtbot) == 0
