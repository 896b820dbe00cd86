"""Settings: the working day (time zone, working days, days off, hours, home and office) kept in the workspace."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from repcompanion.ui.settings_dialog import SettingsDialog


def _dialog(window: MainWindow, qtbot: Any) -> SettingsDialog:
    window.open_settings()
    qtbot.waitUntil(lambda: window.settings_dialog is not None and window.settings_dialog.isVisible(), timeout=10_000)
    assert window.settings_dialog is not None
    return window.settings_dialog


def _day(window: MainWindow, qtbot: Any) -> Any:
    op = Op(window, lambda ws: ws.day.settings()).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    return op.result


def test_the_working_day_is_saved_and_planning_follows_it(window: MainWindow, qtbot: Any) -> None:
    dialog = _dialog(window, qtbot)
    assert "America/New_York" in dialog.time_zone.itemText(0)  # the territory's own, named
    dialog.time_zone.setCurrentText("America/Chicago")
    dialog.weekdays[4].setChecked(False)  # no Fridays
    dialog.day_off.setDate(dialog.day_off.date().addDays(3))
    off = dialog.day_off.date().toPython()
    dialog._add_day_off(off)
    dialog.hours_from.setTime(dialog.hours_from.time().addSecs(30 * 60))
    dialog.addresses["Home"].setText("18 Franklin Street, Boston, MA 02133")
    dialog.start.setCurrentIndex(dialog.start.findData("Home"))
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save()
    day = _day(window, qtbot)
    assert day.time_zone == "America/Chicago" and 4 not in day.weekdays and off in day.days_off
    assert day.hours == (time(9, 0), time(17, 30))
    home = day.place("Home")
    assert home is not None and "02133" in home.found and day.start == "Home"
    again = _dialog(window, qtbot)  # what was saved is what the dialog shows next time
    assert again.chosen_time_zone() == "America/Chicago" and not again.weekdays[4].isChecked()
    assert off in again.days_off_list() and again.start.currentData() == "Home"
    assert "02133" in again.found["Home"].text()
    again.reject()


def test_an_address_that_cannot_be_placed_keeps_the_dialog_open_and_saves_nothing(
    window: MainWindow, qtbot: Any
) -> None:
    before = _day(window, qtbot)
    dialog = _dialog(window, qtbot)
    dialog.weekdays[0].setChecked(False)
    dialog.addresses["Office"].setText("somewhere nice")
    located = dialog.locate("Office")
    qtbot.waitUntil(lambda: located is not None and located.done, timeout=10_000)
    assert "no ZIP code or town" in dialog.found["Office"].text()
    op = dialog.save()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert dialog.isVisible() and dialog.problem.isVisible() and "no ZIP code" in dialog.problem.text()
    assert _day(window, qtbot) == before
    dialog.reject()


def test_days_off_are_listed_in_order_without_doubles(window: MainWindow, qtbot: Any) -> None:
    dialog = _dialog(window, qtbot)
    for d in (date(2026, 12, 25), date(2026, 12, 24), date(2026, 12, 25)):
        dialog._add_day_off(d)
    assert dialog.days_off_list() == [date(2026, 12, 24), date(2026, 12, 25)]
    dialog.days_off.setCurrentRow(0)
    dialog._remove_day_off()
    assert dialog.days_off_list() == [date(2026, 12, 25)]
    dialog.reject()
