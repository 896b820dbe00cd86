"""A new morning: the last list shows at once, labelled with its day, until today's ranking replaces it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from repcompanion.ui.dates import weekday_text
from repcompanion.ui.main_window import MainWindow
from repcompanion.workspace import Workspace


def test_the_last_list_shows_labelled_until_todays_ranking_replaces_it(qtbot: Any, demo_folder: Path) -> None:
    with Workspace.open(demo_folder) as ws:  # the list kept was ranked yesterday
        ws.store.conn.execute("UPDATE ranking_cache SET fingerprint = 'ranked-yesterday', day = '2026-11-23'")
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    shown: list[tuple[date | None, int, str]] = []
    win.today.loaded.connect(
        lambda: shown.append((win.today.data.ranked_on, win.today.model.rowCount(), win.today.subtitle.text()))
    )
    try:
        win.open_workspace(demo_folder)
        qtbot.waitUntil(lambda: bool(shown) and shown[-1][0] is None, timeout=60_000)
        first_day, first_rows, first_text = shown[0]
        assert first_day == date(2026, 11, 23) and first_rows > 0
        assert f"ranked on {weekday_text(date(2026, 11, 23))}" in first_text and "prepared" in first_text
        assert "HCPs ranked" in shown[-1][2]
    finally:
        win.sync_bar.timer.stop()
        win.close()
        win.runner.shutdown()


def test_a_current_list_is_not_shown_twice(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=60_000)
    assert window.today.data.ranked_on is None
    with Workspace.open(window.folder) as ws:
        assert ws.ranking.previous_lines() is None
