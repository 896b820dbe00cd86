"""The Plan view: the day's route and map, drag to reorder, lock, replace a cancellation, .ics export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from PySide6.QtCore import QModelIndex, Qt

from repcompanion.ui.plan_model import clock, moved
from repcompanion.workspace import whole_minute

CHECK = Qt.ItemDataRole.CheckStateRole


@pytest.fixture
def plan_window(window: Any, qtbot: Any) -> Iterator[Any]:
    window.plan.time_limit_s = 0.3
    window.show_plan()
    qtbot.waitUntil(lambda: window.plan.plan is not None or bool(window.plan.last_error), timeout=30_000)
    assert window.plan.plan is not None, window.plan.last_error
    yield window


def _wait(qtbot: Any, op: Any) -> Any:
    assert op is not None
    qtbot.waitUntil(lambda: op.done, timeout=20_000)
    return op


def _drop(model: Any, rows: list[int], before: int) -> None:
    data = model.mimeData([model.index(r, 0) for r in rows])
    model.dropMimeData(data, Qt.DropAction.MoveAction, before, 0, QModelIndex())


def test_plan_view_shows_the_ordered_visits_and_the_map(plan_window: Any, qtmodeltester: Any) -> None:
    view = plan_window.plan
    plan = view.plan
    assert view.model.rowCount() == len(plan.visits) > 0
    assert view.model.order() == list(plan.order)
    first = plan.visits[0]
    assert view.model.index(0, 2).data() == clock(first.arrive)  # in whole minutes, as the calendar
    assert view.model.index(0, 5).data().endswith("min")
    assert len(view.map.dots) == len(view.day.candidates)
    assert len(view.map.badges) == len(plan.visits)
    assert view.map.route is not None
    path = view.map.route.path()  # starts and ends at the start point (repeated addresses collapse)
    start = view.map.projection.point(*view.day.settings.start)
    assert path.elementCount() >= 3 and path.elementAt(0).x == pytest.approx(start.x())
    assert path.currentPosition().y() == pytest.approx(start.y())
    view.map.grab()  # paints the legend and the scale bar
    assert view.map.scale_text.endswith("km")
    before = view.map.km_per_pixel()
    view.map.zoom(2.0)
    assert view.map.km_per_pixel() == pytest.approx(before / 2)
    assert "visits" in view.subtitle.text()
    qtmodeltester.check(view.model)


def test_dragging_a_visit_keeps_the_new_order_and_recomputes_the_times(plan_window: Any, qtbot: Any) -> None:
    view = plan_window.plan
    old = list(view.model.order())
    _drop(view.model, [0], len(old))
    qtbot.waitUntil(lambda: view.model.order() == old[1:] + old[:1] or bool(view.last_error), timeout=20_000)
    if view.last_error:  # this day's first visit cannot be last: the old order stays, the visit is named
        assert view.model.order() == old
        return
    assert view.plan.order == tuple(old[1:] + old[:1])
    assert view.plan.visits[0].order == 1
    assert view.model.index(len(old) - 1, 1).data() == next(v.name for v in view.plan.visits if v.hcp_id == old[0])


def test_an_order_that_cannot_fit_names_the_visit_and_reverts(plan_window: Any, qtbot: Any) -> None:
    view = plan_window.plan
    first = view.plan.visits[0]
    lock = view.set_locked(first.hcp_id, True)
    _wait(qtbot, lock)
    assert lock.error is None and view.plan.visits[0].locked
    kept = list(view.model.order())
    # The last visit moved before the booked first one pushes the booking past its time.
    _drop(view.model, [len(kept) - 1], 0)
    qtbot.waitUntil(lambda: bool(view.last_error), timeout=20_000)
    assert view.model.order() == kept
    names = {v.hcp_id: v.name for v in view.plan.visits}
    assert any(name in view.last_error for name in names.values())
    assert plan_window.banner.isVisible() and view.last_error in plan_window.banner.text.text()


def test_locking_a_visit_keeps_it_at_its_time(plan_window: Any, qtbot: Any) -> None:
    view = plan_window.plan
    row = min(2, view.model.rowCount() - 1)
    target = view.plan.visits[row]
    cell = view.model.index(row, view.model.COL_LOCK)
    assert view.model.setData(cell, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: any(v.locked for v in view.plan.visits), timeout=20_000)
    locked = next(v for v in view.plan.visits if v.hcp_id == target.hcp_id)
    assert locked.locked and locked.start == target.start
    assert view.model.index(row, view.model.COL_LOCK).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    view.model.setData(view.model.index(row, view.model.COL_LOCK), Qt.CheckState.Unchecked, CHECK)
    qtbot.waitUntil(lambda: not any(v.locked for v in view.plan.visits), timeout=20_000)
    assert target.hcp_id not in {lv.hcp_id for lv in view.day.locked}


def test_replacing_a_cancelled_visit_fills_its_slot(plan_window: Any, qtbot: Any) -> None:
    view = plan_window.plan
    cancelled = view.plan.visits[1]
    view.select_visit(cancelled.hcp_id)
    assert view.replace_button.isEnabled()
    view.replace_button.click()
    qtbot.waitUntil(lambda: cancelled.hcp_id not in view.model.order() or bool(view.last_error), timeout=20_000)
    assert not view.last_error
    assert cancelled.hcp_id not in view.plan.order
    assert cancelled.name in view.notice.text()


def test_export_writes_an_ics_file_a_calendar_reads(plan_window: Any, qtbot: Any, tmp_path: Path) -> None:
    view = plan_window.plan
    target = tmp_path / "day.ics"
    op = _wait(qtbot, view.export_ics(target))
    assert op.error is None and target.exists()
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == len(view.plan.visits)
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts[0] == whole_minute(view.plan.visits[0].start)
    assert all(s.second == 0 for s in starts)
    assert "Saved" in view.notice.text()


@pytest.mark.parametrize(("rows", "before", "expected"), [([0], 3, "bcad"), ([3], 0, "dabc"), ([1], 1, "abcd")])
def test_moved_puts_the_dragged_rows_before_the_drop_row(rows: list[int], before: int, expected: str) -> None:
    assert "".join(moved(list("abcd"), rows, before)) == expected
