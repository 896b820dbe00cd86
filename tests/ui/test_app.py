"""The window: opens a workspace off the GUI thread, survives one it cannot open, keyboard and state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from repcompanion.ui.main_window import MainWindow, settings


def test_window_opens_the_workspace_and_shows_the_sync_state(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.sync_bar.status is not None, timeout=10_000)
    assert window.sync_bar.status.pending == 0
    assert "Not set up" in window.sync_bar.detail.text()
    assert window.sync_bar.state.text() == "Not connected"


def test_a_workspace_that_cannot_be_opened_gives_a_clear_message_and_the_app_stays_usable(
    qtbot: Any, tmp_path: Path, demo_folder: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "workspace.db").write_bytes(b"this is not an SQLite database, it is a shopping list" * 50)
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    try:
        with qtbot.waitSignal(win.workspace_failed, timeout=20_000) as failed:
            win.open_workspace(broken)
        assert win.banner.isVisible()
        assert win.banner.text.text() == failed.args[0]
        assert "untouched" in failed.args[0] or "damaged" in failed.args[0].lower()
        assert win.banner_action.isVisible()  # "Open another workspace…"
        with qtbot.waitSignal(win.workspace_opened, timeout=20_000):
            win.open_workspace(demo_folder)
        assert not win.banner.isVisible() or "not an SQLite" not in win.banner.text.text()
    finally:
        win.close()
        win.runner.shutdown()


def test_standard_shortcuts_reach_the_main_actions(window: Any) -> None:
    shortcuts = {k.toString(QKeySequence.SequenceFormat.PortableText) for a in window.actions() for k in a.shortcuts()}
    for keys in ("Ctrl+F", "Ctrl+N", "F5", "Ctrl+1", "Ctrl+3", "Ctrl+Q", "Ctrl+P"):
        assert keys in shortcuts, keys


def test_the_view_menu_and_ctrl_digits_follow_the_sidebar(window: Any, qtbot: Any) -> None:
    from repcompanion.ui.nav import PAGES

    view = next(m for m in window.menuBar().actions() if m.text() == "&View").menu()
    named = [a.text().replace("&", "") for a in view.actions() if a.text()]
    sidebar = [window.nav.buttons[p.key].accessibleName() for p in PAGES]
    assert named[: len(sidebar)] == sidebar  # the same pages, in the same order
    layout = window.nav.layout()
    order = [layout.itemAt(i).widget() for i in range(layout.count()) if layout.itemAt(i).widget() is not None]
    assert [b for b in order if b in window.nav.buttons.values()] == [window.nav.buttons[p.key] for p in PAGES]
    for i, page in enumerate(PAGES, start=1):
        if page.key == "hcp":
            continue  # enabled once an HCP was opened
        action = next(a for a in view.actions() if a.text().replace("&", "") == page.text)
        assert action.shortcuts()[0].toString() == f"Ctrl+{i}"
        action.trigger()
        assert window.stack.currentWidget() is window.pages[page.key] and window.nav.buttons[page.key].isChecked()


def test_controls_have_accessible_names(window: Any) -> None:
    for widget in (window.today.search, window.today.segment, window.today.table, window.sync_bar.sync_button):
        assert widget.accessibleName()


def test_window_state_and_column_widths_are_remembered(qtbot: Any, demo_folder: Path) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.today.table.setColumnWidth(1, 333)
    first.close()
    first.runner.shutdown()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    try:
        assert second.today.table.columnWidth(1) == 333
        assert not settings_value("window/geometry").isEmpty()
        keys = [k.lower() for k in settings().allKeys()]
        assert keys and not any("token" in k or "password" in k for k in keys)  # nothing secret is kept there
    finally:
        second.close()
        second.runner.shutdown()


def settings_value(key: str) -> Any:
    return settings().value(key)


def test_ctrl_f_opens_the_directory_ready_to_search(window: Any, qtbot: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.today.table.setFocus()
    qtbot.waitUntil(window.today.table.hasFocus)
    qtbot.keyClick(window.today.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.directory.search.hasFocus)
    assert window.stack.currentWidget() is window.pages["directory"]


def test_help_about_shows_the_hpo_acknowledgement_with_its_release(window: Any, monkeypatch: Any) -> None:
    shown: list[str] = []
    monkeypatch.setattr("repcompanion.ui.main_window.QMessageBox.about", lambda parent, title, text: shown.append(text))
    about = next(a for a in window.help_menu.actions() if a.text().startswith("&About"))
    about.trigger()
    assert shown and "Human Phenotype Ontology (release 2023-01-27)" in shown[0] and "PsyTAR" in shown[0]
