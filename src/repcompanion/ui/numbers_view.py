"""My numbers: call-plan attainment, reach and frequency against targets, acceptance, engagement trend."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from repcompanion.ui import theme
from repcompanion.ui.dates import weekday_text
from repcompanion.ui.ops import Op
from repcompanion.ui.why_panel import clear_chart, style_axis, style_chart
from repcompanion.ui.widgets import Card, ElidedLabel, label
from repcompanion.workspace import Changes, Numbers

TREND_SERIES = (
    ("Visits", ("visit", "remote_call"), "chart_1"),
    ("Emails opened", ("email_opened", "email_clicked"), "chart_2"),
    ("Web visits", ("web_visit",), "chart_3"),
    ("Events attended", ("event_attended",), "chart_4"),
)


def _chart_view(chart: QChart, name: str, min_height: int = 130) -> QChartView:
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(min_height)
    view.setAccessibleName(name)
    view.setStyleSheet("background: transparent;")
    return view


class Donut(Card):
    """A share against its target: the percentage and what it counts in words, the ring beside them."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.big = label("—", "Big")
        self.caption = label("", "Muted", wrap=True)
        self.chart = QChart()
        style_chart(self.chart)
        self.chart.legend().hide()
        self.view = _chart_view(self.chart, title, 96)
        self.view.setMinimumWidth(96)
        words = QVBoxLayout()
        words.addWidget(self.big)
        words.addWidget(self.caption)
        words.addStretch(1)
        row = QHBoxLayout()
        row.addLayout(words, 1)
        row.addWidget(self.view, 1)
        self.body.addLayout(row, 1)

    def set_share(self, done: float, total: float, caption: str, color: str = "accent") -> None:
        t = theme.current()
        share = done / total if total else 0.0
        self.big.setText(f"{share:.0%}")
        self.caption.setText(caption)
        self.chart.removeAllSeries()
        series = QPieSeries()
        series.setHoleSize(0.62)
        a = series.append("done", max(done, 0.0))
        b = series.append("to go", max(total - done, 0.0) if total else 1.0)
        a.setColor(t.color(color))
        b.setColor(t.color("surface_alt") if t.name == "light" else t.color("border"))
        for s in (a, b):
            s.setBorderColor(QColor(0, 0, 0, 0))
        self.chart.addSeries(series)


class NumbersView(QWidget):
    """The rep's own numbers for the current period — charts, not tables."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("My numbers")
        self.data: Numbers | None = None
        self.stale = True  # something the numbers count changed since they were read
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 16, 24, 12)
        root.setSpacing(10)
        root.addWidget(label("My numbers", "PageTitle"))
        self.subtitle = ElidedLabel("Loading…", "PageSubtitle")
        root.addWidget(self.subtitle)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.attainment = Donut("Call-plan attainment")
        self.reach = Donut("Reach of target HCPs")
        self.frequency = Card("Frequency against target")
        self.frequency_chart = QChart()
        style_chart(self.frequency_chart)
        self.frequency.body.addWidget(_chart_view(self.frequency_chart, "Frequency against target", 110), 1)
        self.acceptance = Card("Suggestions: what you did with them")
        self.acceptance_caption = label("", "Muted", wrap=True)
        self.acceptance.body.addWidget(self.acceptance_caption)
        self.acceptance_chart = QChart()
        style_chart(self.acceptance_chart)
        self.acceptance.body.addWidget(_chart_view(self.acceptance_chart, "Suggestion acceptance"), 1)
        self.trend = Card("Engagement by week")
        self.trend_chart = QChart()
        style_chart(self.trend_chart)
        self.trend.body.addWidget(_chart_view(self.trend_chart, "Engagement trend"), 1)
        grid.addWidget(self.attainment, 0, 0)
        grid.addWidget(self.reach, 0, 1)
        grid.addWidget(self.frequency, 0, 2)
        grid.addWidget(self.acceptance, 1, 0)
        grid.addWidget(self.trend, 1, 1, 1, 2)
        for c in range(3):
            grid.setColumnStretch(c, 1)
        root.addLayout(grid, 1)

    def reload(self) -> Op:
        self.stale = False
        return Op(self, lambda ws: ws.numbers.report()).success(self.set_numbers).run()

    def ensure_current(self) -> Op | None:
        """Read the numbers again only when something they count changed since they were read."""
        return self.reload() if self.stale or self.data is None else None

    def apply(self, changes: Changes, *, visible: bool) -> Op | None:
        """Note that the numbers changed; read them again at once when they are on screen."""
        if not changes.numbers:
            return None
        self.stale = True
        return self.reload() if visible else None

    def set_numbers(self, n: Numbers) -> None:
        self.data = n
        t = theme.current()
        plan, reach, freq, sugg = n.call_plan, n.reach, n.frequency, n.suggestions
        self.subtitle.setText(f"As of {weekday_text(n.as_of)} · this call-plan period")
        for chart in (
            self.attainment.chart,
            self.reach.chart,
            self.frequency_chart,
            self.acceptance_chart,
            self.trend_chart,
        ):
            style_chart(chart)  # the theme may have changed since the charts were made
        self.attainment.set_share(plan.done, plan.planned, f"{plan.done} of {plan.planned} planned visits held")
        self.reach.set_share(
            reach.reached, reach.targets, f"{reach.reached} of {reach.targets} targets seen", "chart_2"
        )

        clear_chart(self.frequency_chart)
        actual, target = QBarSet("You"), QBarSet("Target")
        actual.append(round(freq.per_reached_target, 1))
        target.append(round(freq.target_per_hcp, 1))
        actual.setColor(t.color("accent"))
        target.setColor(t.color("border"))
        series = QBarSeries()
        series.append(actual)
        series.append(target)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        self.frequency_chart.addSeries(series)
        cats = QBarCategoryAxis()
        cats.append(["Visits per target HCP seen"])
        cats.setTruncateLabels(False)
        values = QValueAxis()
        values.setRange(0, max(freq.per_reached_target, freq.target_per_hcp, 1.0) * 1.25)
        values.setLabelFormat("%.1f")
        for axis, where in ((cats, Qt.AlignmentFlag.AlignBottom), (values, Qt.AlignmentFlag.AlignLeft)):
            style_axis(axis)
            self.frequency_chart.addAxis(axis, where)
            series.attachAxis(axis)
        self.frequency_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.frequency_chart.legend().setLabelColor(t.color("text"))  # after the series: their markers too

        clear_chart(self.acceptance_chart)
        kinds = [
            ("Accepted", sugg.accepted),
            ("Done", sugg.completed),  # marked done, or done by logging the visit that was suggested
            ("Snoozed", sugg.snoozed),
            ("Dismissed", sugg.dismissed),
        ]
        bar = QBarSet("Suggestions")
        for _, count in kinds:
            bar.append(count)
        bar.setColor(t.color("accent"))
        s2 = QBarSeries()
        s2.append(bar)
        s2.setLabelsVisible(True)
        self.acceptance_chart.addSeries(s2)
        self.acceptance_chart.legend().hide()
        cats2 = QBarCategoryAxis()
        cats2.append([k[0] for k in kinds])
        cats2.setTruncateLabels(False)
        top = max([k[1] for k in kinds] + [4])
        values2 = QValueAxis()
        values2.setRange(0, top * 1.2)
        values2.setLabelFormat("%d")
        for axis, where in ((cats2, Qt.AlignmentFlag.AlignBottom), (values2, Qt.AlignmentFlag.AlignLeft)):
            style_axis(axis)
            self.acceptance_chart.addAxis(axis, where)
            s2.attachAxis(axis)
        decided = sugg.accepted + sugg.completed + sugg.dismissed
        self.acceptance_caption.setText(
            f"{sugg.acceptance:.0%} of the suggestions you decided on were accepted or done."
            if decided
            else "Accept, dismiss, snooze or complete suggestions on an HCP's page; they show up here. "
            "Logging a visit that was suggested counts as done."
        )

        clear_chart(self.trend_chart)
        weeks = sorted(n.engagement_trend)
        top_y = 1
        x_axis = QBarCategoryAxis()
        x_axis.append([w.split("-")[-1] for w in weeks] or ["—"])
        x_axis.setTitleText("week of the year")
        x_axis.setTitleBrush(t.color("muted"))
        y_axis = QValueAxis()
        y_axis.setLabelFormat("%d")
        for axis, where in ((x_axis, Qt.AlignmentFlag.AlignBottom), (y_axis, Qt.AlignmentFlag.AlignLeft)):
            style_axis(axis)
            self.trend_chart.addAxis(axis, where)
        for name, types, color in TREND_SERIES:
            line = QLineSeries()
            line.setName(name)
            pen = QPen(t.color(color))
            pen.setWidthF(2.4)
            line.setPen(pen)
            for i, w in enumerate(weeks):
                v = sum(n.engagement_trend[w].get(k, 0) for k in types)
                top_y = max(top_y, v)
                line.append(QPointF(i, v))
            self.trend_chart.addSeries(line)
            line.attachAxis(x_axis)
            line.attachAxis(y_axis)
        y_axis.setRange(0, top_y * 1.15)
        self.trend_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.trend_chart.legend().setLabelColor(t.color("text"))
