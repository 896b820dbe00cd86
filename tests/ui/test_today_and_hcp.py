"""Today: search and filter; open an HCP; feedback on a suggestion changes the list at once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from repcompanion.domain import DismissReason
from repcompanion.ui.ops import Op


def _loaded(window: Any, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)


def test_today_lists_every_ranked_hcp_best_first(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    rows = window.today.data.rows
    assert rows and window.today.proxy.rowCount() == len(rows)
    priorities = [r.priority for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    assert "HCPs" in window.today.count.text()


def test_search_narrows_the_list_to_matching_hcps(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    target = window.today.data.rows[3]
    last_name = target.name.split(",")[0]
    with qtbot.waitSignal(window.today.filtered, timeout=10_000):
        window.today.search.setText(last_name)
    shown = [window.today.model.record(window.today.proxy.mapToSource(window.today.proxy.index(r, 0)).row())
             for r in range(window.today.proxy.rowCount())]  # fmt: skip
    assert target.hcp_id in {r.hcp_id for r in shown}
    found: list[set[str]] = []
    Op(window, lambda ws: ws.directory.search(last_name)).success(lambda ids: found.append(set(ids))).run()
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    ranked = {r.hcp_id for r in window.today.data.rows}
    assert {r.hcp_id for r in shown} == found[0] & ranked  # exactly the workspace's hits, no more, no fewer
    assert len(shown) < len(window.today.data.rows)
    window.today.clear_filters()
    assert window.today.proxy.rowCount() == len(window.today.data.rows)


def test_filters_combine(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    rows = window.today.data.rows
    segment = rows[0].segment
    window.today.segment.setCurrentIndex(window.today.segment.findData(segment))
    assert window.today.proxy.rowCount() == sum(1 for r in rows if r.segment == segment)
    action = rows[0].action
    window.today.action.setCurrentIndex(window.today.action.findData(action))
    assert window.today.proxy.rowCount() == sum(1 for r in rows if r.segment == segment and r.action == action)
    assert "Showing" in window.today.count.text()


def test_activating_a_row_opens_the_hcp_with_suggestions_and_why(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    first = window.today.proxy.index(0, 0)
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.today.table.activated.emit(first)
    d = window.hcp.dossier
    assert window.stack.currentWidget() is window.hcp
    assert d.hcp.id == window.today.data.rows[0].hcp_id
    assert window.hcp.suggestions.rowCount() == len(d.suggestions) > 0
    assert window.hcp.why.current is not None
    assert window.hcp.why.chart.series()  # the contributions chart is drawn


def test_dismissing_the_best_suggestion_changes_the_list(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    before = window.today.data.rows[0]
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.show_hcp(before.hcp_id)
    window.hcp.suggestion_table.selectRow(0)
    with qtbot.waitSignal(window.today.loaded, timeout=30_000):
        window.hcp.dismiss_selected(DismissReason.NOT_RELEVANT, "test")
    after = {r.hcp_id: r for r in window.today.data.rows}
    changed = before.hcp_id not in after or after[before.hcp_id].action != before.action
    assert changed, "a dismissed suggestion must not stay the HCP's best action"


def test_accepting_a_suggestion_is_recorded_and_the_list_refreshes(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    hcp_id = window.today.data.rows[1].hcp_id
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.show_hcp(hcp_id)
    window.hcp.suggestion_table.selectRow(0)
    with qtbot.waitSignal(window.today.loaded, timeout=30_000):
        window.hcp.accept_selected()
    assert "Accepted" in window.hcp.feedback_note.text()


def test_filter_choices_follow_the_list_and_keep_the_choice_made(window: Any, qtbot: Any) -> None:
    _loaded(window, qtbot)
    today = window.today
    towns = sorted({r.town for r in today.data.rows})
    assert [today.town.itemData(i) for i in range(1, today.town.count())] == towns
    today.town.setCurrentIndex(today.town.findData(towns[0]))
    rows = today.data.rows
    moved = [*rows[:-1], replace(rows[-1], town="Zzyzx")]
    today._fill_filters(moved)  # a sync brought an HCP in a town the list did not have
    assert today.town.itemData(today.town.count() - 1) == "Zzyzx"
    assert today.town.currentData() == towns[0]
    today._fill_filters(moved)  # the same choices again: nothing is redone, the choice stays
    assert today.town.currentData() == towns[0]
