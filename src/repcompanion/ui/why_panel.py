"""The Why? panel: the exact arithmetic behind a suggestion, as a bar chart and in plain words."""

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
from PySide6.QtWidgets import QWidget

from repcompanion.domain import Suggestion
from repcompanion.ui import theme
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
    """Why this suggestion: contributions chart, reasons, rules, blocked actions, what would change it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Why?", parent)
        self.setAccessibleName("Why this suggestion")
        self.headline = label("Select a suggestion to see why it was made.", wrap=True)
        self.body.addWidget(self.headline)
        self.chart = QChart()
        style_chart(self.chart)
        self.chart.legend().hide()
        self.view = QChartView(self.chart)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(220)
        self.view.setAccessibleName("Contributions to the score")
        self.view.setStyleSheet("background: transparent;")
        self.body.addWidget(self.view, 1)
        self.arithmetic = label("", "Muted", wrap=True, selectable=True)
        self.body.addWidget(self.arithmetic)
        self.reasons = label("", wrap=True, selectable=True)
        self.reasons.setTextFormat(Qt.TextFormat.RichText)
        self.reasons.setAccessibleName("Reasons")
        self.body.addWidget(self.reasons)
        self.current: Suggestion | None = None

    def show_suggestion(self, s: Suggestion | None, blocked: dict[str, str] | None = None) -> None:
        self.current = s
        clear_chart(self.chart)
        if s is None:
            self.headline.setText("Select a suggestion to see why it was made.")
            self.arithmetic.clear()
            self.reasons.clear()
            return
        t = theme.current()
        self.headline.setText(
            f"<b>{action_label(s.action)}</b> — {s.probability:.0%} chance of a response, priority {s.priority:.2f}"
        )
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
        values.setTitleText("change in log-odds")
        values.setTitleBrush(t.color("muted"))
        style_axis(values)
        self.chart.addAxis(cats, Qt.AlignmentFlag.AlignLeft)
        self.chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(cats)
        series.attachAxis(values)
        self.view.setMinimumHeight(60 + 26 * len(bars))

        total = sum(s.contributions.values())
        self.arithmetic.setText(
            f"Baseline {s.intercept:+.2f} + factors {total:+.2f} = log-odds {s.logit:+.2f} → "
            f"{s.probability:.1%} chance. Priority = chance × value {s.value:.2f} × urgency {s.urgency:.2f} × "
            f"context {s.context:.2f}."
        )
        self.reasons.setText(reasons_html(s, blocked if blocked is not None else s.blocked))


def blocked_label(key: str) -> str:
    """``email:c005`` → ``Send email (content c005)``."""
    action, _, content = key.partition(":")
    return action_label(action) + (f" (content {content})" if content else "")


def reasons_html(s: Suggestion | None, blocked: dict[str, str]) -> str:
    t = theme.current()
    parts = []
    if s is not None and s.reasons:
        items = "".join(
            f"<li style='margin-bottom:3px'>{escape(r.text)}"
            + (
                f" <span style='color:{t['positive'] if r.contribution >= 0 else t['negative']}'>"
                f"({r.contribution:+.2f})</span>"
                if r.feature
                else ""
            )
            + "</li>"
            for r in s.reasons
        )
        parts.append(f"<b>Reasons</b><ul style='margin-top:2px'>{items}</ul>")
    if s is not None and s.rule_reasons:
        items = "".join(f"<li>{escape(r)}</li>" for r in s.rule_reasons)
        parts.append(f"<b>Rules applied</b><ul style='margin-top:2px'>{items}</ul>")
    if blocked:
        items = "".join(
            f"<li><span style='color:{t['danger']}'>✕ {escape(blocked_label(a))}</span> — {escape(why)}</li>"
            for a, why in blocked.items()
        )
        parts.append(f"<b>Not allowed today</b><ul style='margin-top:2px'>{items}</ul>")
    if s is not None and s.what_would_change:
        items = "".join(f"<li>{escape(w)}</li>" for w in s.what_would_change)
        parts.append(f"<b>What would change this</b><ul style='margin-top:2px'>{items}</ul>")
    return "".join(parts) or "<i>No further reasons recorded.</i>"


__all__ = ["WhyPanel", "contribution_bars", "reasons_html"]
