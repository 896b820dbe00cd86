"""The main window: navigation, the pages, the message banner, the sync status bar, menus, shortcuts, state."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import CallReport
from repcompanion.ui import theme
from repcompanion.ui.directory_view import DirectoryView
from repcompanion.ui.drafts_dialog import DraftsDialog, reminder
from repcompanion.ui.hcp_view import HcpView
from repcompanion.ui.nav import COMPACT_BELOW, PAGES, NavBar
from repcompanion.ui.numbers_view import NumbersView
from repcompanion.ui.opening import WorkspaceOpener
from repcompanion.ui.ops import Op, Runner
from repcompanion.ui.plan_view import PlanView
from repcompanion.ui.settings_dialog import SettingsDialog, apply_settings
from repcompanion.ui.sync_bar import SyncBar
from repcompanion.ui.today_view import TodayView
from repcompanion.ui.visit_dialog import VisitDialog
from repcompanion.ui.widgets import Banner, ask, fit_to_screen, scrolled
from repcompanion.workspace import (
    Changes,
    DaySettings,
    DraftSafety,
    DraftVisit,
    SyncResult,
    acknowledgements,
)

ORG, APP = "RepCompanion", "RepCompanion"
Slot = Callable[[], object]
Shortcut = QKeySequence | QKeySequence.StandardKey | str
#: The window's size on first start (or as much of the screen as is free).
DEFAULT_SIZE = QSize(1360, 860)
#: The smallest a page's content gets before it scrolls (a 1024×768 screen at 125% leaves about 760×500).
PAGE_MINIMUM = {"plan": QSize(640, 430), "numbers": QSize(620, 440)}


def settings() -> QSettings:
    """Window state and preferences (never credentials: tokens live in the system keyring)."""
    return QSettings(ORG, APP)


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
        self.opener = WorkspaceOpener(self)
        self.quit_prompt: QMessageBox | None = None
        self.quitting = False  # the rep asked to quit: the window closes once the sync has stopped

        central = QWidget()
        self.setCentralWidget(central)
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.nav = NavBar()
        self.nav_buttons = self.nav.buttons
        self.nav_drafts, self.nav_settings = self.nav.drafts, self.nav.settings
        row.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        self.banner = Banner()
        self.banner_action = QPushButton()
        self.banner_action.hide()
        self._banner_slot: Slot | None = None
        self.banner.row.insertWidget(2, self.banner_action)
        banner_box = QVBoxLayout()
        banner_box.setContentsMargins(16, 10, 16, 0)
        banner_box.addWidget(self.banner)
        right.addLayout(banner_box)
        self.stack = QStackedWidget()
        right.addWidget(self.stack, 1)
        row.addLayout(right, 1)

        self.today = TodayView()
        self.directory = DirectoryView()
        self.hcp = HcpView()
        self.plan = PlanView()
        self.numbers = NumbersView()
        self.pages: dict[str, QWidget] = {}
        for key, view in (
            ("today", self.today),
            ("directory", self.directory),
            ("hcp", self.hcp),
            ("plan", self.plan),
            ("numbers", self.numbers),
        ):
            page = scrolled(view, PAGE_MINIMUM[key]) if key in PAGE_MINIMUM else view
            page.setAccessibleName(view.accessibleName())
            self.pages[key] = page
            self.stack.addWidget(page)
        self.today.daily_target = int(str(settings().value("day/target", 8)))
        self.today.hcp_activated.connect(self.show_hcp)
        self.today.directory_requested.connect(self.open_directory)
        self.directory.hcp_activated.connect(self.show_hcp)
        self.hcp.back_requested.connect(self.show_today)
        self.hcp.log_visit_requested.connect(self.log_visit)
        self.hcp.open_report_requested.connect(self.open_report)
        self.plan.hcp_activated.connect(self.show_hcp)
        self.plan.places_requested.connect(self.open_settings)
        self.visit_dialogs: list[VisitDialog] = []
        self.drafts_dialog: DraftsDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.drafts: list[DraftVisit] = []

        self.sync_bar = SyncBar()
        self.statusBar().addPermanentWidget(self.sync_bar, 1)
        self.statusBar().setSizeGripEnabled(False)
        self.sync_bar.synced.connect(self._synced)
        self.workspace_opened.connect(lambda _f: self.sync_bar.start())
        self.runner.changed.connect(self.apply_changes)

        self._connect_nav()
        self._build_actions()
        if restore_state:
            self._restore_state()
        else:
            fit_to_screen(self, DEFAULT_SIZE)

    # -- layout ---------------------------------------------------------------------------------------------
    def _connect_nav(self) -> None:
        for page in PAGES:
            self.nav.buttons[page.key].clicked.connect(self._page_slot(page.key))
        self.nav.buttons["today"].setChecked(True)
        self.nav.buttons["hcp"].setEnabled(False)
        self.nav.drafts.clicked.connect(self.open_drafts)
        self.nav.settings.clicked.connect(self.open_settings)

    def _page_slot(self, key: str) -> Slot:
        slots: dict[str, Slot] = {
            "today": self.show_today,
            "directory": self.open_directory,
            "hcp": self.show_current_hcp,
            "plan": self.show_plan,
            "numbers": self.show_numbers,
        }
        return slots[key]

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.nav.set_compact(event.size().width() < COMPACT_BELOW)
        super().resizeEvent(event)

    def _action(self, text: str, slot: Slot, shortcuts: tuple[Shortcut, ...] = (), icon_name: str = "") -> QAction:
        act = QAction(text, self)
        if shortcuts:
            keys = [s if isinstance(s, QKeySequence) else QKeySequence(s) for s in shortcuts]
            act.setShortcuts(keys)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon_name:
            act.setIcon(theme.icon(icon_name))
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        mb = self.menuBar()
        file = mb.addMenu("&File")
        file.addAction(
            self._action("&Open workspace…", self.choose_workspace, (QKeySequence.StandardKey.Open,), "folder")
        )
        file.addAction(
            self._action("&Settings…", self.open_settings, (QKeySequence.StandardKey.Preferences,), "settings")
        )
        file.addSeparator()
        file.addAction(self._action("&Quit", self.close, ("Ctrl+Q",), "quit"))
        view = mb.addMenu("&View")
        for page in PAGES:  # the sidebar's order and names
            view.addAction(self._action(f"&{page.text}", self._page_slot(page.key), page.shortcuts, page.icon))
        view.addSeparator()
        view.addAction(self._action("&Refresh", self.refresh, ("Ctrl+R",)))
        visit = mb.addMenu("V&isit")
        self.log_visit_action = self._action(
            "&Log a visit…", self.log_visit_current, (QKeySequence.StandardKey.New,), "visit"
        )
        visit.addAction(self.log_visit_action)
        visit.addAction(self._action("&Drafts…", self.open_drafts, ("Ctrl+Shift+D",), "draft"))
        sync = mb.addMenu("&Sync")
        sync.addAction(self._action("&Sync now", lambda: self.sync_bar.sync(interactive=True), ("F5",), "sync"))
        sync.addAction(self._action("&Cancel sync", self.sync_bar.cancel_sync, ("Shift+F5",)))
        sync.addSeparator()
        sync.addAction(self._action("&Log in…", self.sync_bar.login, (), "login"))
        sync.addAction(self._action("&Refused uploads…", self.sync_bar.show_problems, (), "warning"))
        self.help_menu = mb.addMenu("&Help")
        self.help_menu.addAction(
            self._action("&Keyboard shortcuts", self.show_shortcuts, (QKeySequence.StandardKey.HelpContents,))
        )
        self.help_menu.addAction(self._action("&About RepCompanion…", self.show_about))

    # -- navigation -----------------------------------------------------------------------------------------
    def _show(self, key: str) -> None:
        self.stack.setCurrentWidget(self.pages[key])
        self.nav.buttons[key].setChecked(True)

    def show_today(self) -> None:
        self._show("today")
        self.today.table.setFocus()

    def show_hcp(self, hcp_id: str) -> Op:
        self.nav.buttons["hcp"].setEnabled(True)
        self._show("hcp")
        return self.hcp.open_hcp(hcp_id)

    def show_current_hcp(self) -> Op | None:
        return self.show_hcp(self.hcp.hcp_id) if self.hcp.hcp_id else None

    def show_numbers(self) -> Op | None:
        self._show("numbers")
        return self.numbers.ensure_current()

    def show_plan(self) -> Op | None:
        self._show("plan")
        self.plan.table.setFocus()
        return self.plan.ensure_loaded()

    def show_directory(self) -> Op | None:
        self._show("directory")
        return self.directory.ensure_current()

    def open_directory(self, text: str = "") -> Op | None:
        """The directory, its search box ready (with ``text`` in it, e.g. what Today's filter held)."""
        if text:
            self.directory.search.setText(text)
        op = self.show_directory()
        self.directory.focus_search()
        return op

    def refresh(self) -> None:
        self.today.reload()
        current = self.stack.currentWidget()
        if current is self.hcp:
            self.hcp.reload()
        elif current is self.pages["directory"]:
            self.directory.reload()
        elif current is self.pages["numbers"]:
            self.numbers.reload()

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
        current = self.stack.currentWidget()
        self.today.apply(changes)
        if current is self.hcp:  # showing an HCP reads it afresh
            self.hcp.apply(changes)
        self.directory.apply(changes, visible=current is self.pages["directory"])
        self.numbers.apply(changes, visible=current is self.pages["numbers"])
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
        self.nav.set_drafts(len(drafts), any(d.safety.state is DraftSafety.UNDECIDED for d in drafts))
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

    # -- settings ---------------------------------------------------------------------------------------------
    def settings_dialog_args(self, day: DaySettings | None = None) -> dict[str, Any]:
        """What the Settings dialog shows: the sync account, the data folder, the working day, the preferences."""
        return {
            "status": self.sync_bar.status,
            "folder": self.folder,
            "theme_choice": str(settings().value("appearance/theme", "system")),
            "daily_target": self.today.daily_target,
            "day": day or DaySettings(),
        }

    def open_settings(self) -> Op:
        """Read the working-day settings, then show the dialog (it saves them itself; the rest is applied here)."""
        return (
            Op(self, lambda ws: (ws.day.settings(), ws.day.time_zone()))
            .success(lambda found: self._show_settings(*found))
            .failure(lambda _e: self._show_settings(DaySettings(), ""))
            .run()
        )

    def _show_settings(self, day: DaySettings, zone: str) -> None:
        dialog = SettingsDialog(**self.settings_dialog_args(day), zone_in_use=zone, parent=self)
        self.settings_dialog = dialog
        dialog.accepted.connect(lambda: apply_settings(self, dialog))
        dialog.rejected.connect(lambda: self._settings_requests(dialog))
        dialog.open()

    def _settings_requests(self, dialog: SettingsDialog) -> None:
        if dialog.login_requested:
            self.sync_bar.login()
        if dialog.open_folder_requested:
            self.choose_workspace()

    def show_shortcuts(self) -> None:
        pages = " · ".join(f"{' or '.join(p.shortcuts)}  {p.text}" for p in PAGES)
        lines = [
            pages,
            "Ctrl+N  log a visit",
            "F5  sync now",
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
        return self.opener.open(folder, demo=demo, passphrase=passphrase)

    @property
    def passphrase_dialog(self) -> Any:
        return self.opener.passphrase_dialog

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

    # -- state and quitting ---------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        s = settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            fit_to_screen(self, DEFAULT_SIZE)
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
        """Quitting during a sync asks first; stopping it closes the window once the sync has stopped cleanly
        (what it already downloaded is kept), so the network thread is never torn down mid-request."""
        running = self.sync_bar.running
        if running is not None and not running.done:
            event.ignore()
            if self.quitting:
                self.show_message("Stopping the sync; the app closes as soon as it has stopped.", "info")
            elif self.quit_prompt is None:
                self.quit_prompt = ask(
                    self,
                    "A sync is running",
                    "A sync is running. Stop it and quit? Everything already sent and downloaded is kept; the "
                    "rest goes with your next sync.",
                    [("Stop the sync and quit", self.stop_sync_and_quit)],
                    default="Keep working",
                )
                self.quit_prompt.finished.connect(self._prompt_closed)
            return
        self.save_state()
        super().closeEvent(event)

    def _prompt_closed(self, _result: int) -> None:
        self.quit_prompt = None

    def stop_sync_and_quit(self) -> None:
        """Cancel the running sync and close the window once it has stopped."""
        running = self.sync_bar.running
        self.quitting = True
        if running is None or running.done:
            QTimer.singleShot(0, self.close)
            return
        running.succeeded.connect(lambda _r: QTimer.singleShot(0, self.close))
        running.failed.connect(lambda _e: QTimer.singleShot(0, self.close))
        self.sync_bar.cancel_sync()
        self.show_message("Stopping the sync; the app closes as soon as it has stopped. Nothing is lost.", "info")
