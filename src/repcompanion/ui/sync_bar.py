"""The sync area of the status bar: online state, last sync, pending uploads, problems, progress, Cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, cast

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import Mutation
from repcompanion.ui import theme
from repcompanion.ui.dates import moment_text
from repcompanion.ui.models import RejectedModel
from repcompanion.ui.ops import LongOp, Op, error_text
from repcompanion.ui.widgets import fit_to_screen, label, setup_table
from repcompanion.workspace import SyncResult, SyncStatus

HEALTH_POLL_MS = 15_000


class Messages(Protocol):
    """The window the status bar lives in: it shows messages in its banner."""

    def show_message(self, text: str, kind: str = "info") -> None: ...

    def show_error(self, text: str) -> None: ...


def _messages(widget: QWidget) -> Messages:
    """The window of ``widget`` as what shows messages (the main window)."""
    window = widget.window()
    assert hasattr(window, "show_message") and hasattr(window, "show_error")
    return cast(Messages, window)


def ago(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 24 * 60:
        return f"{minutes // 60} h ago"
    return moment_text(when)


def needs_login(error: BaseException) -> bool:
    """The sync layer's 'log in again' errors (named, since the app may not import repcompanion.sync)."""
    return type(error).__name__ in ("LoginRequired", "AuthError", "DeviceRevoked")


class LoginDialog(QDialog):
    """Server, user name and password; the password goes to the hub, the tokens to the system keyring."""

    def __init__(self, server_url: str = "", user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in to your hub")
        self.setMinimumWidth(440)
        form = QFormLayout(self)
        form.setSpacing(10)
        form.addRow(label("Your company's RepCompanion hub keeps your territory up to date.", wrap=True))
        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://hub.example.com")
        self.server.setAccessibleName("Server address")
        self.user = QLineEdit(user)
        self.user.setAccessibleName("User name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form.addRow("Server", self.server)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        self.error = label("", wrap=True)
        self.error.setStyleSheet(f"color: {theme.current()['danger']};")
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Log in")
        self.buttons.accepted.connect(self._login)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        (self.password if server_url and user else self.server).setFocus()

    def _login(self) -> None:
        server, user, password = self.server.text().strip(), self.user.text().strip(), self.password.text()
        if not (server and user and password):
            self.error.setText("Fill in the server, your user name and your password.")
            return
        self.buttons.setEnabled(False)
        self.error.setText("Logging in…")

        def failed(error: BaseException) -> None:
            self.buttons.setEnabled(True)
            self.error.setText(error_text(error))

        def ok(_result: object) -> None:
            self.password.clear()
            self.accept()

        Op(self, lambda ws: ws.sync.login(server, user, password), lane="net").success(ok).failure(failed).run()


class RejectedDialog(QDialog):
    """Uploads the hub refused: what, why, and what to do. They never block the rest of the queue."""

    def __init__(self, rejected: list[Mutation], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Uploads the hub refused")
        fit_to_screen(self, QSize(860, 360))
        lay = QVBoxLayout(self)
        lay.addWidget(
            label(
                "These changes were refused by the hub. Everything else was uploaded; nothing here was lost.", wrap=True
            )
        )
        self.model = RejectedModel(self)
        self.model.set_records(rejected)
        view = QTableView()
        view.setModel(self.model)
        view.setAccessibleName("Refused uploads")
        setup_table(view, stretch_column=3)
        view.setColumnWidth(2, 280)
        view.setWordWrap(True)
        lay.addWidget(view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


class SyncBar(QWidget):
    """Always shows the sync state; F5 syncs; syncs by itself when the hub comes back.

    ``synced(SyncResult)`` says what a sync did and changed (the views refresh through ``Runner.changed``).
    """

    synced = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, poll_ms: int = HEALTH_POLL_MS) -> None:
        super().__init__(parent)
        self.setAccessibleName("Sync status")
        self.online: bool | None = None
        self.status: SyncStatus | None = None
        self.running: LongOp | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 2, 8, 2)
        lay.setSpacing(8)
        self.icon = QLabel()
        self.state = label("Not connected", selectable=False)
        self.state.setAccessibleName("Connection")
        self.detail = label("", "Muted")
        self.detail.setAccessibleName("Last sync and pending uploads")
        self.problems = QPushButton()
        self.problems.setFlat(True)
        self.problems.setIcon(theme.icon("warning", "warning"))
        self.problems.setAccessibleName("Sync problems")
        self.problems.clicked.connect(self.show_problems)
        self.problems.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Sync progress")
        self.progress_text = label("", "Muted")
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName("Cancel sync")
        self.cancel.clicked.connect(self.cancel_sync)
        self.sync_button = QPushButton("Sync")
        self.sync_button.setIcon(theme.icon("sync", "accent"))
        self.sync_button.setIconSize(QSize(16, 16))
        self.sync_button.setToolTip("Upload your changes and download updates (F5)")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.clicked.connect(lambda: self.sync(interactive=True))
        left: tuple[QWidget, ...] = (self.icon, self.state, self.detail, self.problems)
        right: tuple[QWidget, ...] = (self.progress_text, self.progress, self.cancel, self.sync_button)
        for w in left:
            lay.addWidget(w)
        lay.addStretch(1)
        for w in right:
            lay.addWidget(w)
        self._show_running(False)
        self._set_online(None)
        self.timer = QTimer(self, interval=poll_ms)
        self.timer.timeout.connect(self.check_online)

    def start(self) -> None:
        """Begin showing the status and polling the hub's health (cheap GET, off the GUI thread)."""
        self.refresh_status().succeeded.connect(lambda _status: self.check_online())
        self.timer.start()

    # -- status ---------------------------------------------------------------------------------------------
    def refresh_status(self) -> Op:
        online = self.online
        return Op(self, lambda ws: ws.sync.status(online)).success(self.set_status).failure(lambda _e: None).run()

    def set_status(self, status: SyncStatus) -> None:
        self.status = status
        pending = status.pending
        parts = [f"Last sync {ago(status.last_sync_at)}"]
        parts.append(f"{pending} waiting to upload" if pending else "nothing to upload")
        if not status.server_url:
            parts = ["Not set up — press F5 to log in to your hub", *parts[1:]]
        self.detail.setText(" · ".join(parts))
        issues = len(status.rejected) + len(status.problems)
        self.problems.setVisible(bool(issues))
        self.problems.setText(f"{issues} problem{'s' if issues != 1 else ''}")

    def _set_online(self, online: bool | None) -> None:
        self.online = online
        if online:
            self.icon.setPixmap(theme.icon("online", "success").pixmap(18, 18))
            self.state.setText("Online")
        else:
            self.icon.setPixmap(theme.icon("offline", "muted").pixmap(18, 18))
            self.state.setText("Offline — working locally" if online is False else "Not connected")

    def check_online(self) -> Op | None:
        if self.running is not None or self.status is None:
            return None

        def result(reachable: bool) -> None:
            was = self.online
            configured = self.status is not None and bool(self.status.server_url)
            self._set_online(bool(reachable) if configured else None)
            self.refresh_status()
            if reachable and was is False and self.status is not None and self.status.server_url:
                self.sync(interactive=False)

        return Op(self, lambda ws: ws.sync.reachable(), lane="net").success(result).failure(lambda _e: None).run()

    # -- syncing --------------------------------------------------------------------------------------------
    def sync(self, *, interactive: bool = True) -> LongOp | None:
        if self.running is not None:
            return None
        unset = self.status is not None and not (self.status.server_url and self.status.user)
        if interactive and unset and not self.login():
            return None
        self._show_running(True)
        self._on_progress(0.0, "Starting…")
        # The list is re-ranked by the reload that follows, on the database thread.
        op = LongOp(self, lambda ws, progress, cancelled: ws.sync.run(progress, cancelled, warm=False), lane="net")
        op.progress(self._on_progress).success(self._done).failure(lambda e: self._failed(e, interactive))
        self.running = op
        op.run()
        return op

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.progress_text.setText(message[:60])

    def cancel_sync(self) -> None:
        if self.running is not None:
            self.running.cancel()
            self.progress_text.setText("Cancelling…")

    def _show_running(self, running: bool) -> None:
        for w in (self.progress, self.progress_text, self.cancel):
            w.setVisible(running)
        self.sync_button.setEnabled(not running)

    def _done(self, result: SyncResult) -> None:
        self.running = None
        self._show_running(False)
        self._set_online(True)
        self.refresh_status()
        self.synced.emit(result)

    def _failed(self, error: BaseException, interactive: bool) -> None:
        self.running = None
        self._show_running(False)
        name = type(error).__name__
        if name == "HubUnreachable":
            self._set_online(False)
        self.refresh_status()
        if name == "SyncCancelled":
            _messages(self).show_message("Sync cancelled. Nothing was lost; sync again when ready.", "info")
            return
        if needs_login(error) and interactive:
            if self.login():
                self.sync(interactive=True)
            return
        if interactive or name != "HubUnreachable":
            _messages(self).show_error(error_text(error))

    def login(self) -> bool:
        status = self.status
        dlg = LoginDialog(status.server_url if status else "", status.user if status else "", self.window())
        ok = dlg.exec() == QDialog.DialogCode.Accepted
        self.refresh_status()
        if ok:
            self.check_online()
        return ok

    def show_problems(self) -> None:
        status = self.status
        if status is None:
            return
        if status.problems:
            _messages(self).show_error("Last sync: " + " ".join(status.problems))
        if status.rejected:
            RejectedDialog(list(status.rejected), self.window()).exec()


__all__ = ["LoginDialog", "RejectedDialog", "SyncBar"]
