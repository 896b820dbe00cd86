"""Qt test setup: offscreen before Qt loads, isolated QSettings, a demo workspace copied per test, a window."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
# No system keyring in CI: encrypted test workspaces are keyed by this passphrase.
os.environ.setdefault("REPCOMPANION_PASSPHRASE", "ui-tests-passphrase")

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QSettings

from repcompanion.workspace import Workspace
from tests.keyrings import MemoryKeyring
from tests.transport import InProcessTransport

DEMO_HCPS = 60


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> Iterator[None]:
    """Window state and preferences go to a temporary folder, never the developer's own settings."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-template")
    Workspace.create_demo(folder, hcps=DEMO_HCPS, seed=7).close()
    return folder


@pytest.fixture
def demo_folder(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workspace (tests change it)."""
    folder = tmp_path / "workspace"
    shutil.copytree(demo_template, folder)
    return folder


@pytest.fixture
def window(qtbot: Any, demo_folder: Path) -> Iterator[Any]:
    """The main window on the demo workspace, opened (the Today list may still be loading)."""
    from repcompanion.ui.main_window import MainWindow

    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.workspace_opened, timeout=20_000):
        win.open_workspace(demo_folder)
    yield win
    win.sync_bar.timer.stop()
    for dialog in list(win.visit_dialogs):
        dialog._closing = True
        dialog.close()
    win.close()
    win.runner.shutdown()


HUB_URL = "http://hub.test"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def hub_transport(tmp_path: Path) -> Iterator[InProcessTransport]:
    from repcompanion.hub import HubDb, create_app
    from repcompanion.hub.admin import seed_hub

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
def rep_window(qtbot: Any, tmp_path: Path, hub_transport: InProcessTransport) -> Iterator[Any]:
    """A window on an empty workspace whose sync goes to the in-process hub, logged in as rep01."""
    from repcompanion.sync import CredentialStore
    from repcompanion.ui.main_window import MainWindow
    from repcompanion.ui.ops import Op

    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.workspace_opened, timeout=20_000):
        win.open_workspace(tmp_path / "rep")
    http = httpx.Client(transport=hub_transport)
    credentials = CredentialStore(MemoryKeyring())
    op = Op(win, lambda ws: ws.sync.use_http(http, credentials)).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    login = Op(win, lambda ws: ws.sync.login(HUB_URL, "rep01", PASSWORD), lane="net").run()
    qtbot.waitUntil(lambda: login.done, timeout=20_000)
    status = win.sync_bar.refresh_status()
    qtbot.waitUntil(lambda: status.done, timeout=10_000)
    yield win
    win.sync_bar.timer.stop()
    win.close()
    win.runner.shutdown()
    http.close()
