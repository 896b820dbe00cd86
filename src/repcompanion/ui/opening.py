"""Opening a workspace from the window: off the GUI thread, asking for the passphrase of an encrypted one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.passphrase_dialog import PassphraseDialog, needs_passphrase
from repcompanion.workspace import Workspace

if TYPE_CHECKING:
    from repcompanion.ui.main_window import MainWindow


class WorkspaceOpener:
    """Opens the window's workspace on its database thread; a passphrase prompt (not blocking) when needed."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.passphrase_dialog: PassphraseDialog | None = None

    def open(self, folder: Path | None, *, demo: bool = False, passphrase: str | None = None) -> Op:
        """Open ``folder``; an encrypted workspace asks for its passphrase and tries again."""
        win = self.window
        win.folder = folder
        win.today.subtitle.setText("Opening your workspace…")
        runner = win.runner

        def opened(ws: Workspace) -> None:
            win.banner.dismiss()
            win.folder = ws.folder
            win.workspace_opened.emit(ws.folder)
            win.today.reload()
            win.directory.stale = True
            win.check_drafts()

        def failed(error: BaseException) -> None:
            if needs_passphrase(error, tried=passphrase is not None):
                self.ask_passphrase(folder, demo, error, wrong=passphrase is not None)
                return
            win.today.subtitle.setText("No workspace open.")
            win.show_error(error_text(error), action=("Open another workspace…", win.choose_workspace))
            win.workspace_failed.emit(error_text(error))

        def job(_ws: Workspace | None) -> Workspace:
            ws = Workspace.open_or_create_demo(folder, demo=demo, passphrase=passphrase)
            old = runner.current_workspace
            runner.set_workspace(ws)
            if old is not None and old is not ws:
                old.close()
            return ws

        return Op(win, job, needs_workspace=False).success(opened).failure(failed).run()

    def ask_passphrase(self, folder: Path | None, demo: bool, error: BaseException, *, wrong: bool) -> None:
        """Show the masked passphrase prompt (not blocking); Unlock tries again, Cancel leaves a clear message."""
        win = self.window
        creating = bool(getattr(error, "creating", False))
        where = str(folder) if folder else "your data folder"
        dialog = PassphraseDialog(where, creating=creating, wrong=wrong and not creating, parent=win)
        self.passphrase_dialog = dialog
        win.today.subtitle.setText("Waiting for the workspace passphrase…")

        def unlocked() -> None:
            self.passphrase_dialog = None
            self.open(folder, demo=demo, passphrase=dialog.value())

        def cancelled() -> None:
            self.passphrase_dialog = None
            win.today.subtitle.setText("No workspace open.")
            text = "The workspace is encrypted and was not opened. Nothing was changed."
            win.show_error(text, action=("Enter the passphrase…", lambda: self.open(folder, demo=demo)))
            win.workspace_failed.emit(text)

        dialog.accepted.connect(unlocked)
        dialog.rejected.connect(cancelled)
        dialog.open()


__all__ = ["WorkspaceOpener"]
