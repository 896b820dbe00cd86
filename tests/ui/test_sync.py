"""Sync from the status bar against the real hub in-process: progress, pending to zero, offline and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backend import KeyringBackend

from repcompanion.hub import HubDb, create_app
from repcompanion.hub.seed import seed_hub
from repcompanion.sync import CredentialStore
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from tests.ui.conftest import InProcessTransport

HUB_URL = "http://hub.test"
PASSWORD = "correct-horse-battery"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def hub_transport(tmp_path: Path) -> Iterator[InProcessTransport]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    db = HubDb(url)
    db.migrate()
    seed_hub(db, reps=1, hcps_per_rep=12, seed=11, years=0.25, password=PASSWORD)
    db.dispose()
    app = create_app(url, migrate=False)
    transport = InProcessTransport(app)
    yield transport
    transport.close()
    app.state.db.dispose()


@pytest.fixture
def rep_window(qtbot: Any, tmp_path: Path, hub_transport: InProcessTransport) -> Iterator[MainWindow]:
    """A window on an empty workspace whose sync goes to the in-process hub, logged in as rep01."""
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.workspace_opened, timeout=20_000):
        win.open_workspace(tmp_path / "rep")
    http = httpx.Client(transport=hub_transport)
    credentials = CredentialStore(MemoryKeyring())
    op = Op(win, lambda ws: ws.use_http(http, credentials)).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    login = Op(win, lambda ws: ws.login(HUB_URL, "rep01", PASSWORD), lane="net").run()
    qtbot.waitUntil(lambda: login.done, timeout=20_000)
    status = win.sync_bar.refresh_status()
    qtbot.waitUntil(lambda: status.done, timeout=10_000)
    yield win
    win.sync_bar.timer.stop()
    win.close()
    win.runner.shutdown()
    http.close()


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
    ws = win.runner.workspace()
    hcp = ws.hcps()[0]
    op = Op(win, lambda w: w.submit_visit(w.new_visit(hcp.id).edited(notes="Discussed dosing."))).run()
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
