"""The main window: navigation, the views, the message banner, the sync status bar, shortcuts, state."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import CallReport
from repcompanion.ui import theme
from repcompanion.ui.drafts_dialog import DraftsDialog, reminder
from repcompanion.ui.hcp_view import HcpView
from repcompanion.ui.numbers_view import NumbersView
from repcompanion.ui.ops import Op, Runner, error_text
from repcompanion.ui.passphrase_dialog import PassphraseDialog, needs_passphrase
from repcompanion.ui.plan_view import PlanView
from repcompanion.ui.settings_dialog import SettingsDialog
from repcompanion.ui.sync_bar import SyncBar
from repcompanion.ui.today_view import TodayView
from repcompanion.ui.visit_dialog import VisitDialog
from repcompanion.ui.widgets import Banner, label
from repcompanion.workspace import (
    Changes,
    DraftSafety,
    DraftVisit,
    SyncResult,
    Workspace,
    acknowledgements,
)

ORG, APP = "RepCompanion", "RepCompanion"
Slot = Callable[[], object]
Shortcut = QKeySequence | QKeySequence.StandardKey | str


def settings() -> QSettings:
    """Window state and preferences (never credentials: tokens live in the system keyring)."""
    return QSettings(ORG, APP)


def _nav_tool(text: str, icon_name: str, slot: Slot | None = None) -> QToolButton:
    """A navigation-bar button (``slot``: what a click does)."""
    b = QToolButton()
    b.setText(f"  {text}")
    b.setIcon(theme.icon(icon_name, "muted"))
    b.setIconSize(QSize(20, 20))
    b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    b.setSizePolicy(b.sizePolicy().horizontalPolicy().Expanding, b.sizePolicy().verticalPolicy())
    b.setAccessibleName(text)
    if slot is not None:
        b.clicked.connect(slot)
    return b


class MainWindow(QMainWindow):
    """A rep's whole day in one window."""

    workspace_opened = Signal(object)
    workspace_failed = Signal(str)

    def __init__(self, runner: Runner | None = None, *, restore_state: bool = True) -> None:
        super().__init__()
        self.runner = runner or Runner(self)
        self.setWindowTitle("RepCompanion")
        self.setWindowIcon(theme.app_icon())
        self.setAccessibleName("RepCompanion")
        self.folder: Path | None = None
        self.passphrase_dialog: PassphraseDialog | None = None

        central = QWidget()
        self.setCentralWidget(central)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._build_nav())
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        self.banner = Banner()
        self.banner_action = QPushButton()
        self.banner_action.hide()
        self._banner_slot: Slot | None = None
        self.banner.layout().insertWidget(2, self.banner_action)
        banner_box = QVBoxLayout()
        banner_box.setContentsMargins(16, 10, 16, 0)
        banner_box.addWidget(self.banner)
        right.addLayout(banner_box)
        self.stack = QStackedWidget()
        right.addWidget(self.stack, 1)
        row.addLayout(right, 1)

        self.today = TodayView()
        self.hcp = HcpView()
        self.numbers = NumbersView()
        self.plan = PlanView()
        for view in (self.today, self.hcp, self.plan, self.numbers):
            self.stack.addWidget(view)
        self.today.daily_target = int(settings().value("day/target", 8))
        self.today.hcp_activated.connect(self.show_hcp)
        self.hcp.back_requested.connect(self.show_today)
        self.hcp.log_visit_requested.connect(self.log_visit)
        self.hcp.open_report_requested.connect(self.open_report)
        self.plan.hcp_activated.connect(self.show_hcp)
        self.visit_dialogs: list[VisitDialog] = []
        self.drafts_dialog: DraftsDialog | None = None
        self.drafts: list[DraftVisit] = []

        self.sync_bar = SyncBar()
        self.statusBar().addPermanentWidget(self.sync_bar, 1)
        self.statusBar().setSizeGripEnabled(False)
        self.sync_bar.synced.connect(self._synced)
        self.workspace_opened.connect(lambda _f: self.sync_bar.start())
        self.runner.changed.connect(self.apply_changes)

        self._build_actions()
        if restore_state:
            self._restore_state()
        else:
            self.resize(1360, 860)

    # -- layout ---------------------------------------------------------------------------------------------
    def _build_nav(self) -> QFrame:
        nav = QFrame()
        nav.setObjectName("NavBar")
        nav.setFixedWidth(200)
        lay = QVBoxLayout(nav)
        lay.setContentsMargins(0, 0, 0, 12)
        lay.setSpacing(2)
        lay.addWidget(label("RepCompanion", "AppTitle"))
        self.nav_subtitle = label("Offline field companion", "AppSubtitle")
        self.nav_subtitle.setWordWrap(True)
        lay.addWidget(self.nav_subtitle)
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.nav_buttons: dict[str, QToolButton] = {}
        for key, text, icon_name in (
            ("today", "Today", "today"),
            ("hcp", "HCP", "hcp"),
            ("plan", "Plan my day", "plan"),
            ("numbers", "My numbers", "numbers"),
        ):
            b = _nav_tool(text, icon_name)
            b.setCheckable(True)
            self.nav_group.addButton(b)
            self.nav_buttons[key] = b
            lay.addWidget(b)
        self.nav_buttons["today"].setChecked(True)
        self.nav_buttons["today"].clicked.connect(self.show_today)
        self.nav_buttons["hcp"].clicked.connect(lambda: self.hcp.hcp_id and self.show_hcp(self.hcp.hcp_id))
        self.nav_buttons["hcp"].setEnabled(False)
        self.nav_buttons["numbers"].clicked.connect(self.show_numbers)
        self.nav_buttons["plan"].clicked.connect(self.show_plan)
        self.nav_drafts = _nav_tool("Drafts", "draft", self.open_drafts)
        self.nav_drafts.setToolTip("Visits not submitted yet (Ctrl+Shift+D)")
        lay.addWidget(self.nav_drafts)
        lay.addStretch(1)
        self.nav_settings = _nav_tool("Settings", "settings", self.open_settings)
        lay.addWidget(self.nav_settings)
        return nav

    def _action(self, text: str, slot: Slot, shortcut: Shortcut | None = None, icon_name: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(shortcut)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon_name:
            act.setIcon(theme.icon(icon_name))
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        mb = self.menuBar()
        file = mb.addMenu("&File")
        file.addAction(self._action("&Open workspace…", self.choose_workspace, QKeySequence.StandardKey.Open, "folder"))
        file.addAction(self._action("&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences, "settings"))
        file.addSeparator()
        file.addAction(self._action("&Quit", self.close, "Ctrl+Q", "quit"))
        view = mb.addMenu("&View")
        view.addAction(self._action("&Today", self.show_today, "Ctrl+1", "today"))
        view.addAction(
            self._action("&HCP", lambda: self.hcp.hcp_id and self.show_hcp(self.hcp.hcp_id), "Ctrl+2", "hcp")
        )
        view.addAction(self._action("My &numbers", self.show_numbers, "Ctrl+3", "numbers"))
        view.addAction(self._action("&Plan my day", self.show_plan, "Ctrl+P", "plan"))
        view.addSeparator()
        view.addAction(self._action("&Find HCP", self.find, QKeySequence.StandardKey.Find, "search"))
        view.addAction(self._action("&Refresh", self.refresh, "Ctrl+R"))
        visit = mb.addMenu("V&isit")
        self.log_visit_action = self._action(
            "&Log a visit…", self.log_visit_current, QKeySequence.StandardKey.New, "visit"
        )
        visit.addAction(self.log_visit_action)
        visit.addAction(self._action("&Drafts…", self.open_drafts, "Ctrl+Shift+D", "draft"))
        sync = mb.addMenu("&Sync")
        sync.addAction(self._action("&Sync now", lambda: self.sync_bar.sync(interactive=True), "F5", "sync"))
        sync.addAction(self._action("&Cancel sync", self.sync_bar.cancel_sync, "Shift+F5"))
        sync.addSeparator()
        sync.addAction(self._action("&Log in…", self.sync_bar.login, None, "login"))
        sync.addAction(self._action("&Refused uploads…", self.sync_bar.show_problems, None, "warning"))
        self.help_menu = mb.addMenu("&Help")
        self.help_menu.addAction(
            self._action("&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        )
        self.help_menu.addAction(self._action("&About RepCompanion…", self.show_about))

    # -- navigation -----------------------------------------------------------------------------------------
    def show_today(self) -> None:
        self.stack.setCurrentWidget(self.today)
        self.nav_buttons["today"].setChecked(True)
        self.today.table.setFocus()

    def show_hcp(self, hcp_id: str) -> Op:
        self.stack.setCurrentWidget(self.hcp)
        self.nav_buttons["hcp"].setEnabled(True)
        self.nav_buttons["hcp"].setChecked(True)
        return self.hcp.open_hcp(hcp_id)

    def show_numbers(self) -> Op | None:
        self.stack.setCurrentWidget(self.numbers)
        self.nav_buttons["numbers"].setChecked(True)
        return self.numbers.ensure_current()

    def show_plan(self) -> Op | None:
        self.stack.setCurrentWidget(self.plan)
        self.nav_buttons["plan"].setChecked(True)
        self.plan.table.setFocus()
        return self.plan.ensure_loaded()

    def find(self) -> None:
        self.show_today()
        self.today.focus_search()

    def refresh(self) -> None:
        self.today.reload()
        if self.stack.currentWidget() is self.hcp:
            self.hcp.reload()

    def log_visit_current(self) -> None:
        hcp_id = self.hcp.hcp_id if self.stack.currentWidget() is self.hcp else self.today.current_hcp_id()
        if hcp_id:
            self.log_visit(hcp_id)
        else:
            self.show_message("Select an HCP in the list first, then press Ctrl+N to log a visit.", "info")

    def log_visit(
        self,
        hcp_id: str,
        *,
        modal: bool = True,
        restore: dict[str, object] | None = None,
        report: CallReport | None = None,
    ) -> VisitDialog:
        """Open the Log a visit dialog for ``hcp_id``: a new visit, an existing ``report`` (a draft to finish, a
        submitted one to read) or ``restore`` (an autosaved, half-written note). A visit already open is raised."""
        wanted = report.id if report is not None else (restore or {}).get("id")
        for open_dialog in self.visit_dialogs:
            if wanted and open_dialog.report is not None and open_dialog.report.id == wanted:
                open_dialog.raise_()
                open_dialog.activateWindow()
                return open_dialog
        dialog = VisitDialog(hcp_id, self, restore=restore, report=report)
        dialog.finished.connect(
            lambda _code, d=dialog: self.visit_dialogs.remove(d) if d in self.visit_dialogs else None
        )
        dialog.finished.connect(lambda _code: self.check_drafts(announce_unsaved=False))
        self.visit_dialogs.append(dialog)
        dialog.setModal(modal)
        dialog.show()
        return dialog

    def open_report(self, report: CallReport) -> VisitDialog:
        """Open a logged visit: a draft to finish and submit, a submitted report read-only."""
        return self.log_visit(report.hcp_id, report=report)

    def open_drafts(self) -> DraftsDialog:
        """The list of visits not submitted yet (saved drafts and notes kept when the app stopped)."""
        if self.drafts_dialog is None:
            self.drafts_dialog = DraftsDialog(self)
            self.drafts_dialog.open_requested.connect(lambda d: self.open_report(d.report))
        self.drafts_dialog.show()
        self.drafts_dialog.raise_()
        self.drafts_dialog.reload()
        return self.drafts_dialog

    def apply_changes(self, changes: Changes) -> None:
        """An operation changed ``changes``: each view refreshes only what it shows of them (Anki's OpChanges)."""
        self.today.apply(changes)
        if self.stack.currentWidget() is self.hcp:  # showing an HCP reads it afresh
            self.hcp.apply(changes)
        self.numbers.apply(changes, visible=self.stack.currentWidget() is self.numbers)
        self.plan.apply(changes)
        if changes.uploads:
            self.sync_bar.refresh_status()
        if changes.visits:
            self.check_drafts(remind=False)

    def _synced(self, result: SyncResult) -> None:
        self.show_message(result.summary, "info")

    def check_drafts(self, *, announce_unsaved: bool = True, remind: bool = True) -> Op:
        """Count the drafts; with ``remind``, remind the rep of flagged notes still undecided and
        (``announce_unsaved``) of notes that were being written when the app last stopped."""
        return (
            Op(self, lambda ws: ws.visits.drafts())
            .success(lambda drafts: self._drafts_found(drafts, announce_unsaved, remind))
            .failure(lambda _e: None)
            .run()
        )

    def _drafts_found(self, drafts: list[DraftVisit], announce_unsaved: bool, remind: bool) -> None:
        self.drafts = drafts
        undecided = any(d.safety.state is DraftSafety.UNDECIDED for d in drafts)
        self.nav_drafts.setText(f"  Drafts ({len(drafts)})" if drafts else "  Drafts")
        self.nav_drafts.setIcon(theme.icon("warning" if undecided else "draft", "warning" if undecided else "muted"))
        if self.drafts_dialog is not None and self.drafts_dialog.isVisible():
            self.drafts_dialog.set_drafts(drafts)
        found = reminder(drafts, announce_unsaved=announce_unsaved) if remind else None
        if found is not None:
            text, restore = found
            action = ("Restore it", lambda: self._restore(restore)) if restore else None
            self.show_message(text, "warning", action=action or ("Show drafts", self._show_drafts_from_banner))

    def _show_drafts_from_banner(self) -> None:
        self.banner.dismiss()
        self.open_drafts()

    def _restore(self, draft: DraftVisit) -> None:
        self.banner.dismiss()
        self.open_report(draft.report)

    def open_settings(self) -> None:
        s = settings()
        dlg = SettingsDialog(
            status=self.sync_bar.status,
            folder=self.folder,
            theme_choice=str(s.value("appearance/theme", "system")),
            daily_target=self.today.daily_target,
            parent=self,
        )
        if dlg.exec() != SettingsDialog.DialogCode.Accepted:
            return
        choice = dlg.theme.currentData()
        if choice != s.value("appearance/theme", "system"):
            s.setValue("appearance/theme", choice)
            from PySide6.QtWidgets import QApplication

            theme.apply_theme(QApplication.instance(), choice)  # type: ignore[arg-type]
            self.refresh()
        self.today.daily_target = dlg.target.value()
        s.setValue("day/target", self.today.daily_target)
        if self.today.data is not None:
            self.today.set_day_progress(self.today.data.visits_logged)
        if dlg.login_requested:
            self.sync_bar.login()
        if dlg.open_folder_requested:
            self.choose_workspace()

    def show_shortcuts(self) -> None:
        lines = [
            "Ctrl+F  find an HCP",
            "Ctrl+N  log a visit",
            "F5  sync now",
            "Ctrl+1 / 2 / 3  Today, HCP, My numbers",
            "Ctrl+P  plan my day",
            "Alt+Left  back to Today",
            "Alt+A / D / S / C  accept, dismiss, snooze, complete a suggestion",
            "Ctrl+R  refresh",
        ]
        self.show_message("Keyboard: " + " · ".join(lines), "info")

    def show_about(self) -> None:
        """RepCompanion and the credit its third-party vocabularies and corpora ask for (HPO asks to be shown)."""
        QMessageBox.about(self, "About RepCompanion", "RepCompanion\n\n" + acknowledgements())

    # -- workspace ------------------------------------------------------------------------------------------
    def open_workspace(self, folder: Path | None, *, demo: bool = False, passphrase: str | None = None) -> Op:
        """Open ``folder`` on the db thread; an encrypted workspace asks for its passphrase and retries."""
        self.folder = folder
        self.today.subtitle.setText("Opening your workspace…")

        def opened(ws: Workspace) -> None:
            self.banner.dismiss()
            self.folder = ws.folder
            self.workspace_opened.emit(ws.folder)
            self.today.reload()
            self.check_drafts()

        def failed(error: BaseException) -> None:
            if needs_passphrase(error, tried=passphrase is not None):
                self.ask_passphrase(folder, demo, error, wrong=passphrase is not None)
                return
            self.today.subtitle.setText("No workspace open.")
            self.show_error(error_text(error), action=("Open another workspace…", self.choose_workspace))
            self.workspace_failed.emit(error_text(error))

        def job(_ws: Workspace | None) -> Workspace:
            ws = Workspace.open_or_create_demo(folder, demo=demo, passphrase=passphrase)
            old = self.runner._workspace
            self.runner.set_workspace(ws)
            if old is not None and old is not ws:
                old.close()
            return ws

        return Op(self, job, needs_workspace=False).success(opened).failure(failed).run()

    def ask_passphrase(self, folder: Path | None, demo: bool, error: BaseException, *, wrong: bool) -> None:
        """Show the masked passphrase prompt (not blocking); Unlock tries again, Cancel leaves a clear message."""
        creating = bool(getattr(error, "creating", False))
        where = str(folder) if folder else "your data folder"
        dialog = PassphraseDialog(where, creating=creating, wrong=wrong and not creating, parent=self)
        self.passphrase_dialog = dialog
        self.today.subtitle.setText("Waiting for the workspace passphrase…")

        def unlocked() -> None:
            self.passphrase_dialog = None
            self.open_workspace(folder, demo=demo, passphrase=dialog.value())

        def cancelled() -> None:
            self.passphrase_dialog = None
            self.today.subtitle.setText("No workspace open.")
            text = "The workspace is encrypted and was not opened. Nothing was changed."
            self.show_error(text, action=("Enter the passphrase…", lambda: self.open_workspace(folder, demo=demo)))
            self.workspace_failed.emit(text)

        dialog.accepted.connect(unlocked)
        dialog.rejected.connect(cancelled)
        dialog.open()

    def choose_workspace(self) -> None:
        start = str(self.folder or Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Open workspace folder", start)
        if chosen:
            self.open_workspace(Path(chosen))

    # -- messages -------------------------------------------------------------------------------------------
    def show_error(self, text: str, action: tuple[str, Slot] | None = None) -> None:
        self.show_message(text, "error", action)

    def show_message(self, text: str, kind: str = "info", action: tuple[str, Slot] | None = None) -> None:
        if self._banner_slot is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.banner_action.clicked.disconnect(self._banner_slot)
            self._banner_slot = None
        if action is not None:
            self.banner_action.setText(action[0])
            self.banner_action.setAccessibleName(action[0].rstrip("…"))
            self._banner_slot = action[1]
            self.banner_action.clicked.connect(action[1])
            self.banner_action.show()
        else:
            self.banner_action.hide()
        self.banner.show_message(text, kind)

    # -- state ----------------------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        header = s.value("today/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.today.table.horizontalHeader().restoreState(header)

    def save_state(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("today/header", self.today.table.horizontalHeader().saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        super().closeEvent(event)
