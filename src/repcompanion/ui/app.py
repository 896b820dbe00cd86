"""Entry points: ``run_app`` opens the window; ``render_screenshot`` renders one view offscreen to a PNG."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from repcompanion.ui import theme
from repcompanion.ui.main_window import APP, ORG, MainWindow, settings
from repcompanion.ui.memory import tune_allocator
from repcompanion.ui.ops import Op

VIEWS = ("today", "hcp", "visit", "numbers", "plan", "directory")
#: Screenshots show the app as it is on the most common field laptop's screen.
SCREENSHOT_SIZE = (1366, 768)


#: Seconds a thread may hold the GIL before another waiting thread is let in.
GIL_SWITCH_INTERVAL_S = 0.001


def application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication, themed (following the system's light/dark unless the rep chose)."""
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setOrganizationName(ORG)
        QCoreApplication.setApplicationName(APP)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationDisplayName("RepCompanion")
        app.setWindowIcon(theme.app_icon())
        # Ranking and sync run on worker threads; a shorter GIL switch interval (default 5 ms) lets the
        # window's thread take its turn sooner, so it repaints and answers input while they work.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        tune_allocator()
        # Qt's and the app's modules live as long as the process: keep full collections from walking them.
        gc.freeze()
    assert isinstance(app, QApplication)
    theme.apply_theme(app, str(settings().value("appearance/theme", "system")))
    return app


def run_app(workspace_folder: Path | None, *, demo: bool = False) -> int:
    """Open the main window on ``workspace_folder`` (default: the platform data folder); returns the exit code."""
    app = application()
    window = MainWindow()
    window.show()
    window.open_workspace(workspace_folder, demo=demo)
    code = app.exec()
    window.runner.shutdown()
    return int(code)


def _wait(predicate: object, timeout_ms: int = 60_000) -> bool:
    """Process events until ``predicate()`` is true (offscreen rendering has no user to wait for)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    deadline = QTimer()
    deadline.setSingleShot(True)
    ok = {"value": False}

    def check() -> None:
        if predicate():  # type: ignore[operator]
            ok["value"] = True
            loop.quit()

    timer.timeout.connect(check)
    deadline.timeout.connect(loop.quit)
    timer.start()
    deadline.start(timeout_ms)
    loop.exec()
    # Stopped and disconnected here, on this thread: left to the garbage collector, the timers could be
    # destroyed on a worker thread that happens to run a collection, which Qt refuses.
    for t in (timer, deadline):
        t.stop()
        t.timeout.disconnect()
    return ok["value"]


EXAMPLE_NOTE = (
    "Discussed the 52-week efficacy data and the dosing card. Dr asked about renal dosing. "
    "She mentioned one of her patients developed a severe rash two weeks after starting treatment "
    "and stopped taking it. Left samples; follow up with the patient-support leaflet next visit."
)


def _fill_example_visit(dialog: object) -> None:
    """The example visit the ``visit`` screenshot shows (a note the screener should flag)."""
    cat = dialog.catalogue  # type: ignore[attr-defined]
    if cat is None:
        return
    if cat.products:
        dialog.check_items("products", [cat.products[0].id])  # type: ignore[attr-defined]
        if cat.products[0].sample_limit_per_visit:
            dialog.add_sample_row(cat.products[0].id, "LOT-24A117", 2)  # type: ignore[attr-defined]
    shown = [t for t in ("efficacy", "clinical_data") if t in cat.topics] or cat.topics[:2]
    dialog.check_items("topics", shown)  # type: ignore[attr-defined]
    if cat.content:
        dialog.check_items("content", [cat.content[0].id])  # type: ignore[attr-defined]
    dialog.attendees.setText("Practice nurse")  # type: ignore[attr-defined]
    dialog.set_note(EXAMPLE_NOTE)  # type: ignore[attr-defined]


def render_screenshot(workspace_folder: Path | None, path: Path, view: str = "today", *, theme_name: str = "") -> None:
    """Render ``view`` (today, hcp, visit, numbers, plan or directory) of the workspace to a PNG at ``path``,
    offscreen, in a window the size of a 1366×768 screen."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = application()
    if theme_name:
        theme.apply_theme(app, theme_name)
    window = MainWindow(restore_state=False)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    opened = {"done": False, "error": ""}
    window.workspace_opened.connect(lambda _f: opened.__setitem__("done", True))
    window.workspace_failed.connect(lambda e: opened.update(done=True, error=e))
    window.open_workspace(workspace_folder, demo=True)
    _wait(lambda: opened["done"])
    if not opened["error"]:
        _wait(lambda: window.today.data is not None or bool(window.today.load_error))
        target: QWidget = window
        if view == "hcp" or view == "visit":
            hcp_id = window.today.model.record(0).hcp_id if window.today.model.rowCount() else None
            if hcp_id is None:
                first = Op(window, lambda ws: ws.directory.hcps()[0].id).run()
                _wait(lambda: first.done)
                hcp_id = first.result
            if hcp_id:
                op = window.show_hcp(hcp_id)
                _wait(lambda: op.done)
                _wait(lambda: window.hcp.dossier is not None)
            if view == "visit" and hcp_id:
                dialog = window.log_visit(hcp_id, modal=False)
                dialog.resize(*SCREENSHOT_SIZE)
                _wait(lambda: dialog.ready)
                _fill_example_visit(dialog)
                preview = dialog.follow_up_preview.refresh()
                _wait(lambda: preview is None or preview.done)
                dialog.save(submit=True)
                _wait(lambda: dialog.screen_done)
                target = dialog
        elif view == "plan":
            window.show_plan()
            _wait(lambda: window.plan.plan is not None or bool(window.plan.last_error))
            if window.plan.model.rowCount():
                window.plan.select_visit(window.plan.model.visit(0).hcp_id)
        elif view == "numbers":
            window.show_numbers()
            _wait(lambda: window.numbers.data is not None)
        elif view == "directory":
            window.open_directory()
            _wait(lambda: window.directory.listing is not None)
        app.processEvents()
        image = target.grab()
    else:
        image = window.grab()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path)):
        raise OSError(f"could not write the screenshot to {path}")
    window.close()
    window.runner.shutdown()
