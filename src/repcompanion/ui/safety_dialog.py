"""Possible adverse events in a visit note: the highlighted phrases, the rep's decision, the intake form."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import AdverseEventIntake, Product, Seriousness
from repcompanion.ui import theme
from repcompanion.ui.dates import date_format, moment_text, time_format
from repcompanion.ui.widgets import label

if TYPE_CHECKING:
    from repcompanion.workspace import RestrictedHit, Span

SERIOUSNESS_LABELS = {
    Seriousness.UNKNOWN: "Not known yet",
    Seriousness.NON_SERIOUS: "Not serious",
    Seriousness.SERIOUS: "Serious (death, hospital, disability, life-threatening, birth defect)",
}


def _esc(text: str) -> str:
    return escape(text, quote=False).replace("\n", "<br>")


def highlighted_html(text: str, spans: Iterable[Span | RestrictedHit], color: str = "warning") -> str:
    """The note as HTML with each span marked (overlapping spans merged)."""
    t = theme.current()
    marks = sorted((int(s.start), int(s.end)) for s in spans)
    merged: list[list[int]] = []
    for start, end in marks:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(_esc(text[pos:start]))
        out.append(
            f"<span style='background:{t[color + '_soft']}; color:{t[color]}; font-weight:600'>"
            f"{_esc(text[start:end])}</span>"
        )
        pos = end
    out.append(_esc(text[pos:]))
    return "".join(out)


def clock_text(intake: AdverseEventIntake, now: datetime | None = None) -> tuple[str, bool]:
    """'Due to pharmacovigilance by …, 23 h 12 min left' and whether it is overdue."""
    now = now or datetime.now(UTC)
    left = intake.time_left(now)
    due = intake.due_at.astimezone()
    if left.total_seconds() <= 0:
        return f"Overdue since {moment_text(due)} — send it at the next sync, it goes first.", True
    hours, rem = divmod(int(left.total_seconds()), 3600)
    return f"Due to pharmacovigilance by {moment_text(due)} — {hours} h {rem // 60:02d} min left.", False


class IntakeDialog(QDialog):
    """The adverse-event intake: product, description, reporter, patient details, seriousness, aware date."""

    def __init__(
        self,
        intake: AdverseEventIntake,
        products: list[Product],
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Adverse-event report (sent)" if read_only else "Report a possible adverse event")
        self.setMinimumWidth(560)
        self.intake = intake
        root = QVBoxLayout(self)
        root.setSpacing(10)
        self.clock = label("", wrap=True)
        self.clock.setObjectName("Banner")
        self.clock.setProperty("kind", "warning")
        self.clock.setAccessibleName("Reporting clock")
        root.addWidget(self.clock)
        form = QFormLayout()
        form.setSpacing(8)
        self.product = QComboBox()
        self.product.setAccessibleName("Product")
        self.product.addItem("Not product-specific / not known", "")
        for p in products:
            self.product.addItem(f"{p.name} ({p.generic_name})", p.id)
        self.product.setCurrentIndex(max(self.product.findData(intake.product_id or ""), 0))
        form.addRow("Product", self.product)
        self.description = QPlainTextEdit(intake.description)
        self.description.setAccessibleName("Event description")
        self.description.setMinimumHeight(90)
        form.addRow("What happened", self.description)
        self.reporter = QLineEdit(intake.reporter)
        self.reporter.setAccessibleName("Reporter")
        form.addRow("Reported by", self.reporter)
        self.patient = QLineEdit(intake.patient_details)
        self.patient.setAccessibleName("Patient details")
        self.patient.setPlaceholderText("Optional: age, sex, initials — never the full name")
        form.addRow("Patient", self.patient)
        self.seriousness = QComboBox()
        self.seriousness.setAccessibleName("Seriousness")
        for s, text in SERIOUSNESS_LABELS.items():
            self.seriousness.addItem(text, s.value)
        self.seriousness.setCurrentIndex(self.seriousness.findData(intake.seriousness.value))
        form.addRow("Seriousness", self.seriousness)
        self.aware = QDateTimeEdit(QDateTime(intake.aware_at.astimezone()))
        self.aware.setCalendarPopup(True)
        self.aware.setDisplayFormat(f"{date_format()} {time_format()}")
        self.aware.setAccessibleName("Date you became aware")
        self.aware.dateTimeChanged.connect(self._tick)
        form.addRow("You heard it", self.aware)
        root.addLayout(form)
        self.problem = label("", wrap=True)
        self.problem.setObjectName("Banner")
        self.problem.setProperty("kind", "error")
        self.problem.hide()
        root.addWidget(self.problem)
        if read_only:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
            for box in (self.product, self.seriousness, self.aware):
                box.setEnabled(False)
            for edit in (self.description, self.reporter, self.patient):
                edit.setReadOnly(True)
        else:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
            ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
            ok.setText("Report")
            ok.setProperty("primary", True)
            buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._timer = QTimer(self, interval=30_000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def accept(self) -> None:
        if not self.description.toPlainText().strip():
            self.problem.setText("Describe what happened before reporting it.")
            self.problem.show()
            self.description.setFocus()
            return
        super().accept()

    def result_intake(self) -> AdverseEventIntake:
        from dataclasses import replace

        aware = self.aware.dateTime().toPython()
        assert isinstance(aware, datetime)
        aware = aware.astimezone(UTC) if aware.tzinfo else aware.replace(tzinfo=datetime.now().astimezone().tzinfo)
        return replace(
            self.intake,
            product_id=self.product.currentData() or None,
            description=self.description.toPlainText().strip(),
            reporter=self.reporter.text().strip(),
            patient_details=self.patient.text().strip(),
            seriousness=Seriousness(self.seriousness.currentData()),
            aware_at=aware.astimezone(UTC),
        )

    def _tick(self, *_args: object) -> None:
        text, overdue = clock_text(self.result_intake())
        self.clock.setText(("⚠ " if overdue else "⏱ ") + text)
        self.clock.setProperty("kind", "error" if overdue else "warning")
        self.clock.style().unpolish(self.clock)
        self.clock.style().polish(self.clock)
