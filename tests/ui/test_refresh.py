"""Views refresh only what an operation changed: a visit updates its HCP's row, a sync that changed nothing
reloads nothing (Anki's OpChanges, routed by the main window)."""

from __future__ import annotations

from typing import Any

from repcompanion.ui.ops import Op
from repcompanion.workspace import Changes, SyncResult, today_data


def _today(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None and window.today.data.ranked_on is None, timeout=30_000)


def _records(window: Any) -> list[Any]:
    model = window.today.model
    return [model.record(r) for r in range(model.rowCount())]


def test_a_visit_refreshes_its_hcps_row_and_no_other_view(window: Any, qtbot: Any) -> None:
    _today(window, qtbot)
    before = {r.hcp_id: r for r in _records(window)}
    visited, shown = window.today.data.rows[0].hcp_id, window.today.data.rows[5].hcp_id
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.show_hcp(shown)  # the HCP view shows someone else
    resets: list[bool] = []
    touched: set[str] = set()
    removed: list[str] = []
    hcp_loads: list[bool] = []
    model = window.today.model
    model.modelReset.connect(lambda: resets.append(True))
    model.rowsAboutToBeRemoved.connect(lambda _p, a, b: removed.extend(model.record(r).hcp_id for r in range(a, b + 1)))
    model.dataChanged.connect(
        lambda a, b, _roles=(): touched.update(model.record(r).hcp_id for r in range(a.row(), b.row() + 1))
    )
    window.hcp.loaded.connect(lambda: hcp_loads.append(True))
    logged = window.today.data.visits_logged

    def visit(ws: Any) -> Any:
        report = ws.visits.new(visited).edited(topics=("efficacy",), notes="Discussed the efficacy data.")
        return ws.visits.submit(report)

    with qtbot.waitSignal(window.today.loaded, timeout=30_000):
        op = Op(window, visit).run()
    assert op.error is None
    assert not resets, "the Today list was reloaded instead of patched"
    after = {r.hcp_id: r for r in _records(window)}
    assert removed == [visited] and visited not in after, "the HCP seen today leaves the list"
    assert all(after[h].rank != before[h].rank for h in touched), "the others only move up"
    assert all(after[h].rank == before[h].rank - 1 for h in after if before[h].rank > before[visited].rank)
    assert window.today.data.visits_logged == logged + 1
    qtbot.wait(200)
    assert not hcp_loads, "the HCP view shows another HCP and must not reload"

    fresh = Op(window, lambda ws: today_data(ws)).run()
    qtbot.waitUntil(lambda: fresh.done, timeout=30_000)
    assert sorted(_records(window), key=lambda r: r.rank) == fresh.result.rows  # the patch equals a reload


def test_the_hcp_view_reloads_when_its_hcp_changed(window: Any, qtbot: Any) -> None:
    _today(window, qtbot)
    hcp_id = window.today.data.rows[2].hcp_id
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.show_hcp(hcp_id)
    visits_before = len(window.hcp.dossier.reports)
    with qtbot.waitSignal(window.hcp.loaded, timeout=30_000):
        Op(window, lambda ws: ws.visits.save_draft(ws.visits.new(hcp_id).edited(notes="Draft note."))).run()
    assert len(window.hcp.dossier.reports) == visits_before + 1


def test_a_change_no_view_shows_refreshes_nothing(window: Any, qtbot: Any) -> None:
    _today(window, qtbot)
    resets: list[bool] = []
    window.today.model.modelReset.connect(lambda: resets.append(True))
    ops: list[Any] = []
    submit = window.runner.submit
    window.runner.submit = lambda job, lane: ops.append(job) or submit(job, lane)  # type: ignore[method-assign]
    window.apply_changes(Changes())
    window.apply_changes(Changes(plan=True))
    assert ops == [] and not resets


def test_a_sync_that_changed_nothing_reloads_nothing(rep_window: Any, qtbot: Any) -> None:
    win = rep_window
    results: list[SyncResult] = []
    win.sync_bar.synced.connect(results.append)
    with qtbot.waitSignals([win.sync_bar.synced, win.today.loaded], timeout=60_000):
        win.sync_bar.sync(interactive=True)
    assert results[0].changes.all_hcps  # the first download changes everything
    assert win.today.data.rows  # and the whole list was read
    qtbot.waitUntil(lambda: win.sync_bar.running is None, timeout=10_000)
    reloads: list[str] = []
    win.today.model.modelReset.connect(lambda: reloads.append("today reset"))
    win.today.model.dataChanged.connect(lambda *_a: reloads.append("today rows"))
    win.today.loaded.connect(lambda: reloads.append("today"))
    win.numbers.reload = lambda: reloads.append("numbers")  # type: ignore[method-assign]
    win.hcp.loaded.connect(lambda: reloads.append("hcp"))
    with qtbot.waitSignal(win.sync_bar.synced, timeout=60_000):
        win.sync_bar.sync(interactive=True)
    assert results[1].pulled == 0 and not results[1].changes
    qtbot.wait(500)
    assert reloads == []
    assert "pulled 0" in win.banner.text.text()
