"""A rep's real day, without traps: quitting during a sync, finding anyone, a day that follows the clock."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QThread

from repcompanion.domain import FeedbackKind
from repcompanion.ui.directory_view import DirectoryView, standing_text
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from repcompanion.workspace import EntryKind, Standing
from tests.ui.conftest import InProcessTransport

BOSTON = ZoneInfo("America/New_York")
WEDNESDAY, SATURDAY = date(2026, 11, 25), date(2026, 11, 28)


def _run(window: Any, qtbot: Any, fn: Any) -> Any:
    op = Op(window, fn).run()
    qtbot.waitUntil(lambda: op.done, timeout=30_000)
    assert op.error is None, op.error
    return op.result


def _threads(win: MainWindow) -> list[QThread]:
    return list(win.runner._threads.values())


# -- quitting during a sync ---------------------------------------------------------------------------------------


def _slow_sync(win: MainWindow, qtbot: Any, hub: InProcessTransport) -> Any:
    """A first sync of many small pages, each a while in coming: still running when the rep quits."""
    _run(win, qtbot, lambda ws: setattr(ws.sync.client(), "page_limit", 10))
    hub.fault = lambda _request: clock.sleep(0.2)
    op = win.sync_bar.sync(interactive=True)
    assert op is not None
    qtbot.waitUntil(lambda: win.sync_bar.progress.value() > 0, timeout=20_000)
    return op


def test_quitting_during_a_sync_asks_and_keep_working_keeps_it_running(
    rep_window: MainWindow, qtbot: Any, hub_transport: InProcessTransport
) -> None:
    win = rep_window
    op = _slow_sync(win, qtbot, hub_transport)
    assert not win.close(), "the window must not close under a running sync"
    assert win.isVisible() and win.quit_prompt is not None and win.quit_prompt.isVisible()
    [keep] = [b for b in win.quit_prompt.buttons() if b.text() == "Keep working"]
    keep.click()
    hub_transport.fault = None
    qtbot.waitUntil(lambda: op.done, timeout=60_000)
    assert op.error is None and win.isVisible(), "the sync went on and finished"


def test_quitting_during_a_sync_stops_it_cleanly_and_exits(
    rep_window: MainWindow, qtbot: Any, hub_transport: InProcessTransport
) -> None:
    win = rep_window
    threads = _threads(win)
    op = _slow_sync(win, qtbot, hub_transport)
    win.close()
    assert win.quit_prompt is not None
    [stop] = [b for b in win.quit_prompt.buttons() if b.text() == "Stop the sync and quit"]
    stop.click()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=60_000)
    assert op.done and type(op.error).__name__ == "SyncCancelled"
    win.runner.shutdown()
    assert all(t.isFinished() for t in threads), "no thread outlives the window (Qt would abort the process)"


def test_shutdown_waits_for_a_long_job_instead_of_tearing_its_thread_down(window: MainWindow, qtbot: Any) -> None:
    threads = _threads(window)
    started: list[bool] = []

    def long_job(_ws: Any, _progress: Any, cancelled: Any) -> str:
        started.append(True)
        deadline = clock.monotonic() + 5
        while not cancelled() and clock.monotonic() < deadline:
            clock.sleep(0.02)
        return "stopped" if cancelled() else "ran out"

    from repcompanion.ui.ops import LongOp

    op = LongOp(window, long_job, lane="net").run()
    qtbot.waitUntil(lambda: bool(started), timeout=10_000)
    window.runner.shutdown(timeout_ms=100)  # asks the job to stop, and waits for it
    assert all(t.isFinished() for t in threads)
    qtbot.waitUntil(lambda: op.done, timeout=5_000)
    assert op.result == "stopped"


# -- finding anyone -----------------------------------------------------------------------------------------------


def _search(view: DirectoryView, qtbot: Any, text: str) -> list[Any]:
    with qtbot.waitSignal(view.loaded, timeout=30_000):
        view.search.setText(text)
    return [view.model.record(r) for r in range(view.model.rowCount())]


def test_the_directory_finds_a_snoozed_hcp_that_todays_list_cannot(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None and window.today.data.ranked_on is None, timeout=30_000)
    top = window.today.data.rows[0]
    surname = top.name.split(",")[0]
    with qtbot.waitSignal(window.today.loaded, timeout=30_000):
        _run(window, qtbot, lambda ws: ws.ranking.feedback(top.hcp_id, top.action, FeedbackKind.SNOOZED,
                                                           snooze_until=ws.today() + timedelta(days=7)))  # fmt: skip
    assert top.hcp_id not in {r.hcp_id for r in window.today.data.rows}  # gone from today's list
    window.open_directory()
    entries = _search(window.directory, qtbot, surname)
    [entry] = [e for e in entries if e.id == top.hcp_id]
    assert entry.standing is Standing.SNOOZED and standing_text(entry).startswith("Snoozed until")
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.directory.open_entry(entry)
    assert window.stack.currentWidget() is window.hcp and window.hcp.hcp_id == top.hcp_id


def test_the_directory_lists_everyone_and_an_account_opens_its_hcps(
    window: MainWindow, qtbot: Any, qtmodeltester: Any
) -> None:
    with qtbot.waitSignal(window.directory.loaded, timeout=30_000):
        window.open_directory()
    listing = window.directory.listing
    assert listing is not None and window.directory.model.rowCount() == listing.hcps + listing.accounts
    qtmodeltester.check(window.directory.model)
    account = next(e for e in listing.entries if e.kind is EntryKind.ACCOUNT and len(e.hcp_ids) >= 2)
    entries = _search(window.directory, qtbot, account.name)
    [found] = [e for e in entries if e.id == account.id]
    window.directory.open_entry(found)
    qtbot.waitUntil(lambda: window.directory.show_all.isVisible(), timeout=20_000)
    shown = {window.directory.model.record(r).id for r in range(window.directory.model.rowCount())}
    assert shown == set(account.hcp_ids) and account.name in window.directory.count.text()
    npi = next(e for e in listing.entries if e.kind is EntryKind.HCP and e.npi)
    assert npi.id in {e.id for e in _search(window.directory, qtbot, npi.npi)}


def test_todays_filter_hands_its_search_to_the_directory(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    window.today.search.setText("zzqxv")
    qtbot.waitUntil(window.today.everyone.isVisible, timeout=5_000)
    with qtbot.waitSignal(window.directory.loaded, timeout=30_000):
        window.today.everyone.click()
    assert window.stack.currentWidget() is window.pages["directory"]
    assert window.directory.search.text() == "zzqxv" and window.directory.model.rowCount() == 0


# -- a day that follows the clock ---------------------------------------------------------------------------------


def _pin(window: MainWindow, qtbot: Any, at: datetime) -> None:
    _run(window, qtbot, lambda ws: ws.pin_clock(at))


def _plan(window: MainWindow, qtbot: Any) -> Any:
    window.plan.time_limit_s = 0.3
    window.show_plan()
    op = window.plan.plan_day()
    qtbot.waitUntil(lambda: op.done and not window.plan.busy, timeout=30_000)
    assert op.error is None, op.error
    return window.plan.day


def test_planning_at_1515_starts_after_1515(window: MainWindow, qtbot: Any) -> None:
    _pin(window, qtbot, datetime(2026, 11, 25, 15, 15, tzinfo=BOSTON))
    day = _plan(window, qtbot)
    assert day.settings.day == WEDNESDAY and day.visits
    assert all(v.arrive.astimezone(BOSTON).time() >= datetime(2026, 11, 25, 15, 15).time() for v in day.visits)
    first = window.plan.model.index(0, 2).data()
    assert first >= "15:15", first  # what the rep reads
    assert "from" in window.plan.subtitle.text()


def test_a_weekend_is_never_planned(window: MainWindow, qtbot: Any) -> None:
    _pin(window, qtbot, datetime(2026, 11, 28, 9, 0, tzinfo=BOSTON))
    day = _plan(window, qtbot)
    assert day.settings.day == date(2026, 11, 30) and day.settings.day.weekday() == 0
    assert window.plan.notice.isVisible() and "do not work on Saturdays" in window.plan.notice.text()


def test_a_visited_hcp_leaves_todays_list_and_the_plan(window: MainWindow, qtbot: Any) -> None:
    _pin(window, qtbot, datetime(2026, 11, 25, 9, 0, tzinfo=BOSTON))
    with qtbot.waitSignal(window.today.loaded, timeout=30_000):
        window.today.reload()
    planned = _plan(window, qtbot)
    visited = planned.visits[0].hcp_id
    assert visited in {r.hcp_id for r in window.today.data.rows}
    seen = window.today.data.seen
    with qtbot.waitSignal(window.today.loaded, timeout=30_000):
        _run(window, qtbot, lambda ws: ws.visits.submit(ws.visits.new(visited).edited(topics=("efficacy",))))
    assert visited not in {r.hcp_id for r in window.today.data.rows}
    assert window.today.data.seen == seen + 1 and f"{seen + 1} seen today" in window.today.subtitle.text()
    assert window.plan.notice.isVisible()  # the plan shown says it is out of date
    again = _plan(window, qtbot)
    assert visited not in again.order and visited not in window.plan.model.order()
