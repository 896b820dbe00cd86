"""Plain words: reasons first and the arithmetic one click away, accepted shows as accepted, follow-ups by name,
one date format, legends that read in the dark, and a visit counted as done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QApplication, QLabel

from repcompanion.domain import ActionType, Channel, FollowUpJob, FollowUpStatus, HcpId
from repcompanion.ui import theme
from repcompanion.ui.dates import day_text, localized
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op


def _run(window: MainWindow, qtbot: Any, fn: Any) -> Any:
    op = Op(window, fn).run()
    qtbot.waitUntil(lambda: op.done, timeout=30_000)
    assert op.error is None, op.error
    return op.result


def _open(window: MainWindow, qtbot: Any, hcp_id: str) -> None:
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.show_hcp(hcp_id)


def _texts(widget: Any) -> str:
    return " ".join(lab.text() for lab in widget.findChildren(QLabel))


def test_the_why_panel_leads_with_reasons_and_keeps_the_arithmetic_one_click_away(
    window: MainWindow, qtbot: Any
) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    _open(window, qtbot, window.today.data.rows[0].hcp_id)
    why = window.hcp.why
    assert why.current is not None and why.reasons.isVisible() and "<b>Why</b>" in why.reasons.text()
    assert not why.view.isVisible() and not why.arithmetic.isVisible()  # the sum waits for a click
    why.show_math.click()
    assert why.view.isVisible() and why.arithmetic.isVisible() and why.chart.series()
    words = " ".join([_texts(window.hcp), *(axis.titleText() for axis in why.chart.axes())])
    assert "log-odds" not in words and "logit" not in words
    assert f"{why.current.probability:.1%} chance" in why.arithmetic.text()
    assert not any(" 0 of 0 " in f" {r.text} " for r in why.current.reasons)


def test_an_accepted_suggestion_shows_as_accepted(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    row = window.today.data.rows[1]
    _open(window, qtbot, row.hcp_id)
    window.hcp.suggestion_table.selectRow(0)
    with qtbot.waitSignal(window.hcp.loaded, timeout=30_000):
        window.hcp.accept_selected()
    assert "✓ accepted" in window.hcp.why.headline.text()
    assert window.hcp.suggestions.index(0, 3).data() == "Accepted: waiting to be done"
    model = window.today.model
    today_row = model.row_of(row.hcp_id)
    assert "accepted" in model.index(today_row, model.ACTION).data()


def test_follow_ups_show_the_content_title_and_channel_not_ids(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    hcp_id = window.today.data.rows[0].hcp_id

    def plant(ws: Any) -> tuple[str, str]:
        content = ws.directory.content()[0]
        job = FollowUpJob(
            "FU-T1",
            HcpId(hcp_id),
            "efficacy-email",
            "send_email",
            FollowUpStatus.SCHEDULED,
            datetime(2026, 11, 20, tzinfo=UTC),
            content_id=content.id,
            channel=Channel.EMAIL,
            due_at=datetime(2026, 11, 21, 14, 0, tzinfo=UTC),
        )
        ws.store.follow_ups.upsert_many([job])
        return content.id, content.title

    content_id, title = _run(window, qtbot, plant)
    _open(window, qtbot, hcp_id)
    qtbot.waitUntil(lambda: window.hcp.digital.rowCount() == 1, timeout=10_000)
    cells = [window.hcp.digital.index(0, c).data() for c in range(window.hcp.digital.columnCount())]
    assert title in cells and "Email" in cells and "Efficacy email" in cells
    assert content_id not in cells and "efficacy-email" not in cells


def test_dates_read_in_the_systems_one_format(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    _open(window, qtbot, window.today.data.rows[0].hcp_id)
    event = window.hcp.timeline.record(0)
    assert window.hcp.timeline.index(0, 0).data() == day_text(event.occurred_at)
    assert localized("Opted out on 2024-10-14") == f"Opted out on {day_text(datetime(2024, 10, 14))}"
    assert "2024-10-14" not in localized("since 2024-10-14, until 2025-01-02")
    reasons = window.hcp.why.reasons.text() + window.hcp.blocked_label.text()
    assert not any(part[:4].isdigit() and part[4:5] == "-" for part in reasons.split()), "no ISO dates for the rep"


def test_chart_legends_are_drawn_in_the_themes_text_colour_after_switching_to_dark(
    window: MainWindow, qtbot: Any
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply_theme(app, "dark")
    try:
        op = window.show_numbers()
        qtbot.waitUntil(lambda: window.numbers.data is not None and (op is None or op.done), timeout=30_000)
        window.numbers.set_numbers(window.numbers.data)
        text = theme.current().color("text")
        for chart in (window.numbers.frequency_chart, window.numbers.trend_chart):
            assert chart.legend().labelColor() == text
            assert all(m.labelBrush().color() == text for m in chart.legend().markers())
    finally:
        theme.apply_theme(app, "light")


def test_logging_the_suggested_visit_counts_as_done_in_my_numbers(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    op = window.show_numbers()
    qtbot.waitUntil(lambda: window.numbers.data is not None and (op is None or op.done), timeout=30_000)
    done = window.numbers.data.suggestions.completed
    visit = next(r for r in window.today.data.rows if r.action == ActionType.VISIT.value)
    _run(window, qtbot, lambda ws: ws.visits.submit(ws.visits.new(visit.hcp_id).edited(topics=("efficacy",))))
    qtbot.waitUntil(lambda: window.numbers.data.suggestions.completed == done + 1, timeout=30_000)
