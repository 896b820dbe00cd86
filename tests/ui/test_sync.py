"""Sync from the status bar against the real hub in-process: progress, pending to zero, offline and back."""

from __future__ import annotations

from typing import Any

from repcompanion.domain import ActionType
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from tests.ui.conftest import InProcessTransport


def _sync(win: MainWindow, qtbot: Any) -> list[float]:
    fractions: list[float] = []
    op = win.sync_bar.sync(interactive=True)
    assert op is not None
    assert win.sync_bar.progress.isVisible() and win.sync_bar.cancel.isVisible()
    op.progressed.connect(lambda f, _m: fractions.append(f))
    with qtbot.waitSignal(win.sync_bar.synced, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: win.sync_bar.status is not None and win.sync_bar.running is None, timeout=10_000)
    return fractions


def test_sync_pulls_the_territory_and_uploads_a_visit_until_nothing_is_pending(rep_window: Any, qtbot: Any) -> None:
    win = rep_window
    fractions = _sync(win, qtbot)
    assert fractions and fractions[-1] >= fractions[0] and max(fractions) > 0.5  # the bar advanced
    assert not win.sync_bar.progress.isVisible()

    def log_visit(w: Any) -> Any:  # to an HCP whose suggestion is no visit: one upload, the visit
        hcp = next(h for h in w.directory.hcps() if w.ranking.current_action(h.id) is not ActionType.VISIT)
        return w.visits.submit(w.visits.new(hcp.id).edited(notes="Discussed dosing.")).value

    op = Op(win, log_visit).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    refresh = win.sync_bar.refresh_status()
    qtbot.waitUntil(lambda: refresh.done, timeout=10_000)
    assert win.sync_bar.status.pending == 1 and "1 waiting to upload" in win.sync_bar.detail.text()
    _sync(win, qtbot)
    qtbot.waitUntil(lambda: win.sync_bar.status.pending == 0, timeout=10_000)
    assert "nothing to upload" in win.sync_bar.detail.text()
    assert win.sync_bar.state.text() == "Online"


def test_offline_is_shown_when_the_hub_is_down_and_sync_resumes_when_it_returns(
    rep_window: Any, qtbot: Any, hub_transport: InProcessTransport
) -> None:
    win = rep_window
    hub_transport.down = True
    op = win.sync_bar.check_online()
    qtbot.waitUntil(lambda: op.done and win.sync_bar.online is False, timeout=10_000)
    assert win.sync_bar.state.text().startswith("Offline")
    failed = win.sync_bar.sync(interactive=True)
    qtbot.waitUntil(lambda: failed.done, timeout=60_000)
    assert win.banner.isVisible() and win.banner.text.text()  # a clear message, the app stays usable
    assert win.sync_bar.sync_button.isEnabled()
    hub_transport.down = False
    with qtbot.waitSignal(win.sync_bar.synced, timeout=60_000):
        win.sync_bar.check_online()  # the network is back: it syncs by itself
    assert win.sync_bar.state.text() == "Online"
