"""Does every view and dialog fit a field laptop's screen? Rendered offscreen, checked widget by widget.

``python -m tests.ui.fit_check --workspace DIR`` (with ``QT_SCALE_FACTOR`` set or not) opens the app on a demo
workspace, shows every view and dialog in a window the size of each screen's usable area, and prints one JSON
object: the problems found (none when everything fits). The scale factor must be set before Qt starts, so
``test_layout_fit`` runs this once per scale in a subprocess.

A window fits when it can be as small as the screen (its minimum size does not push it past the edges) and
every visible widget that is not inside a scroll area lies inside the window at no less than its
``minimumSizeHint`` (for a widget whose height depends on its width, the height it needs at its width). At 100%
on 1280×720 and 1366×768 no page of the main window scrolls either (the HCP page, long by nature, excepted).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: Physical screen sizes of the common field laptops (width, height).
SCREENS = ((1280, 720), (1366, 768), (1024, 768))
#: What a title bar and a desktop panel take from the screen's height (physical pixels).
DECORATIONS_PX = 64
#: Screens on which no page scrolls at 100% (on smaller ones a page may scroll where needed).
NO_SCROLLING = ((1280, 720), (1366, 768))
#: Qt's own parts that their widget sizes itself whatever their hint says (a line edit's clear button; also the
#: line edit inside an editable combo box or a spin box).
SIZED_BY_PARENT = frozenset({"QLineEditIconButton"})


def usable_size(screen: tuple[int, int], scale: float) -> tuple[int, int]:
    """The logical size a maximised window gets on ``screen`` at ``scale``."""
    width, height = screen
    return int(width / scale), int((height - DECORATIONS_PX) / scale)


def fit_problems(top: Any, width: int, height: int) -> list[str]:
    """What does not fit when ``top`` is shown at ``width`` × ``height`` (logical pixels)."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

    INNER_EDIT_OF = (QComboBox, QAbstractSpinBox)  # the line edit inside, sized by its box

    top.resize(width, height)
    for _ in range(3):
        QApplication.processEvents()
    name = top.accessibleName() or type(top).__name__
    problems = []
    if top.width() > width or top.height() > height:
        problems.append(
            f"{name}: cannot shrink to {width}×{height} (stays {top.width()}×{top.height()}; "
            f"minimum {top.minimumSizeHint().width()}×{top.minimumSizeHint().height()})"
        )
    bounds = QRect(0, 0, width, height)

    def scrolled(w: QWidget) -> bool:
        parent = w.parentWidget()
        while parent is not None and parent is not top:
            if isinstance(parent, QAbstractScrollArea):
                return True
            parent = parent.parentWidget()
        return False

    for w in top.findChildren(QWidget):
        if w.isWindow() or not w.isVisibleTo(top) or scrolled(w):
            continue
        if w.metaObject().className() in SIZED_BY_PARENT or isinstance(w.parentWidget(), INNER_EDIT_OF):
            continue
        where = QRect(w.mapTo(top, QPoint(0, 0)), w.size())
        what = _describe(w)
        if not bounds.contains(where):
            problems.append(f"{name}: {what} at {_rect(where)} is outside the {width}×{height} window")
        hint = w.minimumSizeHint()
        need_w = hint.width() if hint.width() > 0 else 0
        need_h = max(_height_needed(w, hint.height()), 0)
        if w.width() < need_w or w.height() < need_h:
            problems.append(f"{name}: {what} is {w.width()}×{w.height()}, smaller than its minimum {need_w}×{need_h}")
    return problems


def _height_needed(w: Any, hint: int) -> int:
    """The least height ``w`` needs at its width: for text that wraps, its height at that width. A container is
    held to its minimum size hint (its heightForWidth is a preferred height); what it holds is checked widget by
    widget, each at its own width."""
    if not w.hasHeightForWidth() or w.layout() is not None:
        return hint
    return w.heightForWidth(w.width())


def _describe(w: Any) -> str:
    text = ""
    for attr in ("text", "title", "windowTitle"):
        getter = getattr(w, attr, None)
        if callable(getter):
            try:
                value = getter()
            except TypeError:
                continue
            if isinstance(value, str) and value.strip():
                text = value.strip()[:40]
                break
    label = w.accessibleName() or w.objectName() or text
    return f"{type(w).__name__}({label!r})" if label else type(w).__name__


def _rect(r: Any) -> str:
    return f"({r.x()},{r.y()} {r.width()}×{r.height()})"


def _wait(app: Any, predicate: Callable[[], bool], timeout_s: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get ready in time")
        app.processEvents()
        time.sleep(0.01)


def windows(app: Any, workspace: Path) -> Iterator[tuple[str, Any, bool]]:
    """(name, top-level widget, is a main-window view) for every view and dialog, each ready to be checked."""
    from repcompanion.ui.main_window import MainWindow
    from repcompanion.ui.ops import Op

    win = MainWindow(restore_state=False)
    win.show()
    opened: dict[str, Any] = {}
    win.workspace_opened.connect(lambda f: opened.setdefault("ok", f))
    win.workspace_failed.connect(lambda e: opened.setdefault("error", e))
    win.open_workspace(workspace)
    _wait(app, lambda: bool(opened))
    if "error" in opened:
        raise RuntimeError(opened["error"])
    _wait(app, lambda: win.today.data is not None)
    # A long message in the banner: the window must still fit with it showing.
    win.show_message(
        "A possible adverse event in your note of Tuesday is still undecided; open the draft to decide before "
        "the 24-hour clock runs out.",
        "warning",
        action=("Show drafts", lambda: None),
    )
    yield "Today", win, True
    hcp_id = win.today.model.record(0).hcp_id
    op = win.show_hcp(hcp_id)
    _wait(app, lambda: op.done and win.hcp.dossier is not None)
    yield "HCP", win, True
    plan = win.show_plan()
    _wait(app, lambda: plan is None or plan.done)
    yield "Plan my day", win, True
    numbers = win.show_numbers()
    _wait(app, lambda: numbers is None or numbers.done)
    yield "My numbers", win, True
    directory = getattr(win, "show_directory", None)
    if directory is not None:
        shown = directory()
        _wait(app, lambda: shown is None or shown.done)
        yield "Directory", win, True
    win.banner.dismiss()

    dialog = win.log_visit(hcp_id, modal=False)
    _wait(app, lambda: dialog.ready)
    dialog.set_note("She said a patient had a severe rash after the first dose; stopped taking it. " * 3)
    dialog.save(submit=False)
    _wait(app, lambda: dialog.screen_done)
    yield "Log a visit", dialog, False
    dialog._closing = True
    dialog.close()

    drafts = win.open_drafts()
    _wait(app, lambda: bool(drafts.drafts))
    yield "Drafts", drafts, False
    drafts.close()

    found = Op(win, lambda ws: ws).run()
    _wait(app, lambda: found.done)
    for name, make in _dialog_makers(win, hcp_id):
        d = make(found.result)
        d.show()
        yield name, d, False
        d.close()
        d.deleteLater()
    win.close()
    win.runner.shutdown()


def _dialog_makers(win: Any, hcp_id: str) -> list[tuple[str, Callable[[Any], Any]]]:
    """The dialogs opened from buttons and menus, built as those do (``ws``: the open workspace)."""
    from repcompanion.ui.hcp_view import DismissDialog, SnoozeDialog
    from repcompanion.ui.passphrase_dialog import PassphraseDialog
    from repcompanion.ui.safety_dialog import IntakeDialog
    from repcompanion.ui.settings_dialog import SettingsDialog
    from repcompanion.ui.sync_bar import LoginDialog, RejectedDialog

    def intake(ws: Any) -> Any:
        report = ws.visits.new(hcp_id).edited(notes="The patient had a severe rash after the first dose.")
        return IntakeDialog(ws.visits.draft_intake(report), ws.directory.products(), win)

    makers: list[tuple[str, Callable[[Any], Any]]] = [
        ("Settings", lambda _ws: SettingsDialog(**win.settings_dialog_args(), parent=win)),
        ("Log in", lambda _ws: LoginDialog("https://hub.example.com", "rep01", win)),
        ("Refused uploads", lambda _ws: RejectedDialog([], win)),
        ("Dismiss", lambda _ws: DismissDialog("visit", win)),
        ("Snooze", lambda ws: SnoozeDialog(ws.today(), win)),
        ("Adverse-event report", intake),
        ("Passphrase", lambda _ws: PassphraseDialog("/home/rep/.local/share/RepCompanion", creating=True, parent=win)),
    ]

    def consent(ws: Any) -> Any:
        from repcompanion.ui.hcp_dialogs import ConsentDialog

        d = win.hcp.dossier
        return ConsentDialog(d.hcp, d.consents, d.day, win)

    def correction(ws: Any) -> Any:
        from repcompanion.ui.hcp_dialogs import ChangeRequestDialog

        d = win.hcp.dossier
        return ChangeRequestDialog(d.hcp, d.accounts, d.change_requests, ws.directory.specialties(), win)

    makers += [("Record consent", consent), ("Suggest a correction", correction)]
    return makers


def page_scrolls(win: Any) -> list[str]:
    """The pages of the window that show a scroll bar (the HCP page is long and meant to scroll)."""
    from PySide6.QtWidgets import QScrollArea

    out = []
    for key, page in win.pages.items():
        if key != "hcp" and isinstance(page, QScrollArea) and page.isVisible():
            bars = (page.horizontalScrollBar(), page.verticalScrollBar())
            if any(bar.isVisible() for bar in bars):
                need = page.widget().minimumSizeHint().expandedTo(page.widget().minimumSize())
                out.append(f"{page.accessibleName()} scrolls (its content needs {need.width()}×{need.height()})")
    return out


def run(workspace: Path, screens: tuple[tuple[int, int], ...] = SCREENS) -> dict[str, Any]:
    """Check every view and dialog at every screen's usable size; the problems found, by screen."""
    from repcompanion.ui.app import application

    app = application()
    scale = float(os.environ.get("QT_SCALE_FACTOR", "1") or 1)
    problems: list[str] = []
    checked: list[str] = []
    for name, top, is_view in windows(app, workspace):
        for screen in screens:
            w, h = usable_size(screen, scale)
            if is_view:
                width, height = w, h
            else:  # a dialog opens at its preferred size, as large as the screen allows
                least = top.minimumSizeHint().expandedTo(top.minimumSize())
                hint = top.sizeHint().expandedTo(least)
                width = min(max(hint.width(), least.width()), w)
                height = min(max(hint.height(), least.height()), h)
            found = fit_problems(top, width, height)
            if is_view and scale == 1.0 and screen in NO_SCROLLING:
                found += page_scrolls(top)
            checked.append(f"{name} @ {screen[0]}×{screen[1]} ×{scale}")
            problems.extend(f"[{screen[0]}×{screen[1]} ×{scale}] {p}" for p in found)
    return {"scale": scale, "checked": checked, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--create-demo", type=int, metavar="HCPS", help="first make a demo workspace of HCPS there")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.create_demo:
        from repcompanion.workspace import Workspace

        Workspace.create_demo(args.workspace, hcps=args.create_demo, seed=7).close()
    result = run(args.workspace)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
