"""The Why? panel: the reasons behind a suggestion in the rep's words, and its exact arithmetic one click away."""

from __future__ import annotations

import math
from html import escape

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QToolButton, QWidget

from repcompanion.domain import Suggestion
from repcompanion.ui import theme
from repcompanion.ui.dates import localized
from repcompanion.ui.widgets import Card, label
from repcompanion.workspace import action_label, feature_label

#: bars shown; the rest are summed into one "other factors" bar so the total stays exact
TOP_FACTORS = 8


def contribution_bars(s: Suggestion, top: int = TOP_FACTORS) -> list[tuple[str, float]]:
    """(label, contribution) for the largest factors by size, plus one bar for the rest (sums stay exact)."""
    items = sorted(s.contributions.items(), key=lambda kv: abs(kv[1]), reverse=True)
    shown = [(feature_label(k), v) for k, v in items[:top] if abs(v) > 1e-9]
    rest = items[top:]
    if rest:
        shown.append((f"{len(rest)} other factors", sum(v for _, v in rest)))
    return shown


def style_chart(chart: QChart) -> None:
    t = theme.current()
    chart.setBackgroundVisible(False)
    chart.setPlotAreaBackgroundVisible(False)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setLabelColor(t.color("text"))
    chart.setTitleBrush(t.color("text"))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)


def clear_chart(chart: QChart) -> None:
    """Take every series and axis off ``chart`` so it can be drawn again."""
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)


def style_axis(axis: QValueAxis | QBarCategoryAxis) -> None:
    t = theme.current()
    axis.setLabelsColor(t.color("muted"))
    grid = QColor(t["border"])
    axis.setGridLineColor(grid)
    axis.setLinePenColor(grid)


class WhyPanel(Card):
    """Why this suggestion: the reasons in words first; the arithmetic behind them (a chart of what raised and
    lowered the chance, and the sum) one click away."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Why?", parent)
        self.setAccessibleName("Why this suggestion")
        self.headline = label("Select a suggestion to see why it was made.", wrap=True)
        self.body.addWidget(self.headline)
        self.reasons = label("", wrap=True, selectable=True)
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.reasons.setAccessibleName("Reasons")
        self.body.addWidget(self.reasons)
        self.show_math = QToolButton()
        self.show_math.setText("Show the arithmetic")
        self.show_math.setCheckable(True)
        self.show_math.setAccessibleName("Show the arithmetic")
        self.show_math.setToolTip("How much each factor raised or lowered the chance, and how they add up")
        self.show_math.toggled.connect(self._toggle_math)
        self.body.addWidget(self.show_math, 0, Qt.AlignmentFlag.AlignLeft)
        self.chart = QChart()
        style_chart(self.chart)
        self.chart.legend().hide()
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(160)
        self.view.setAccessibleName("What raised and lowered the chance")
        self.view.setStyleSheet("background: transparent;")
        self.body.addWidget(self.view, 1)
        self.arithmetic = label("", "Muted", wrap=True, selectable=True)
        self.arithmetic.setAccessibleName("The arithmetic")
        self.body.addWidget(self.arithmetic)
        self.body.addStretch(0)
        self.current: Suggestion | None = None
        self.titles: dict[str, str] = {}  # content id → title, for the content a blocked action names
        self._toggle_math(False)

    def _toggle_math(self, on: bool) -> None:
        self.view.setVisible(on and self.current is not None)
        self.arithmetic.setVisible(on and self.current is not None)
        self.show_math.setText("Hide the arithmetic" if on else "Show the arithmetic")

    def show_suggestion(
        self, s: Suggestion | None, blocked: dict[str, str] | None = None, *, accepted: bool = False
    ) -> None:
        self.current = s
        clear_chart(self.chart)
        self.show_math.setVisible(s is not None)
        self._toggle_math(self.show_math.isChecked())
        if s is None:
            self.headline.setText("Select a suggestion to see why it was made.")
            self.arithmetic.clear()
            self.reasons.clear()
            return
        t = theme.current()
        done = f" · <span style='color:{t['success']}'>✓ accepted</span>" if accepted else ""
        self.headline.setText(
            f"<b>{action_label(s.action)}</b> — {s.probability:.0%} chance of a response, priority {s.priority:.2f}"
            f"{done}"
        )
        self.reasons.setText(reasons_html(s, blocked if blocked is not None else s.blocked, self.titles))
        self._draw(s)

    def _draw(self, s: Suggestion) -> None:
        t = theme.current()
        style_chart(self.chart)
        bars = list(reversed(contribution_bars(s)))
        up, down = QBarSet("Raises the chance"), QBarSet("Lowers the chance")
        up.setColor(t.color("positive"))
        down.setColor(t.color("negative"))
        up.setBorderColor(t.color("positive"))
        down.setBorderColor(t.color("negative"))
        for _, v in bars:
            up.append(max(v, 0.0))
            down.append(min(v, 0.0))
        series = QHorizontalStackedBarSeries()
        series.append(up)
        series.append(down)
        series.setBarWidth(0.62)
        self.chart.addSeries(series)
        cats = QBarCategoryAxis()
        cats.append([name for name, _ in bars] or ["(no factors)"])
        style_axis(cats)
        cats.setGridLineVisible(False)
        cats.setTruncateLabels(False)
        values = QValueAxis()
        extent = max((abs(v) for _, v in bars), default=1.0)
        extent = float(math.ceil(extent + 0.05))
        values.setRange(-extent, extent)
        values.setTickCount(5)
        values.setLabelFormat("%+.1f")
        values.setTitleText("points the factor adds to the score")
        values.setTitleBrush(t.color("muted"))
        style_axis(values)
        self.chart.addAxis(cats, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(cats)
        series.attachAxis(values)
        self.view.setMinimumHeight(60 + 26 * len(bars))
        self.arithmetic.setText(arithmetic_text(s))


def arithmetic_text(s: Suggestion) -> str:
    """The sum behind a suggestion in words: starting score, the factors, the chance, the priority."""
    total = sum(s.contributions.values())
    return (
        f"Every HCP starts from a score of {s.intercept:+.2f}; the factors above add {total:+.2f}, for a score of "
        f"{s.logit:+.2f}, which is a {s.probability:.1%} chance of a response. Priority = that chance × the HCP's "
        f"value {s.value:.2f} × urgency {s.urgency:.2f} × timing {s.context:.2f} = {s.priority:.2f}."
    )


def blocked_label(key: str, titles: dict[str, str] | None = None) -> str:
    """``email:c005`` → ``Send email (“Dosing card”)`` (the content's title when known, else its id)."""
    action, _, content = key.partition(":")
    if not content:
        return action_label(action)
    return f"{action_label(action)} (“{(titles or {}).get(content, content)}”)"


def reasons_html(s: Suggestion | None, blocked: dict[str, str], titles: dict[str, str] | None = None) -> str:
    """The reasons in the rep's words (▲ raised the chance, ▼ lowered it), the rules, what is not allowed today
    and what would change the suggestion; dates in the system's format."""
    t = theme.current()
    parts = []
    if s is not None and s.reasons:
        items = "".join(
            "<li style='margin-bottom:3px'>"
            + (
                f"<span style='color:{t['positive'] if r.contribution >= 0 else t['negative']}'>"
                f"{'▲' if r.contribution >= 0 else '▼'}</span> "
                if r.feature
                else ""
            )
            + f"{escape(localized(r.text))}</li>"
            for r in s.reasons
        )
        parts.append(f"<b>Why</b><ul style='margin-top:2px'>{items}</ul>")
    if s is not None and s.rule_reasons:
        items = "".join(f"<li>{escape(localized(r))}</li>" for r in s.rule_reasons)
        parts.append(f"<b>Rules applied</b><ul style='margin-top:2px'>{items}</ul>")
    if blocked:
        items = "".join(
            f"<li><span style='color:{t['danger']}'>✕ {escape(blocked_label(a, titles))}</span> — "
            f"{escape(localized(why))}</li>"
            for a, why in blocked.items()
        )
        parts.append(f"<b>Not allowed today</b><ul style='margin-top:2px'>{items}</ul>")
    if s is not None and s.what_would_change:
        items = "".join(f"<li>{escape(localized(w))}</li>" for w in s.what_would_change)
        parts.append(f"<b>What would change this</b><ul style='margin-top:2px'>{items}</ul>")
    return "".join(parts) or "<i>No further reasons recorded.</i>"


__all__ = ["WhyPanel", "arithmetic_text", "contribution_bars", "reasons_html"]
