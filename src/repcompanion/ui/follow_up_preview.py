"""The follow-ups a visit will trigger, previewed while it is written; the rep can deselect one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from repcompanion.domain import CallReport, FollowUpStatus
from repcompanion.ui import theme
from repcompanion.ui.dates import moment_text
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.plan_model import ACTION_TEXT
from repcompanion.ui.widgets import Card, label
from repcompanion.workspace import CHANNEL_LABELS, FollowUpManager, journey_title

if TYPE_CHECKING:
    from repcompanion.workspace import PlannedFollowUp

JourneyRole = Qt.ItemDataRole.UserRole + 3


class FollowUpPreview(Card):
    """A checklist of the journeys' verdicts for the report being written: scheduled ones can be unticked
    (the hub then cancels them), suppressed ones say why, each with the HCP's consent state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Follow-ups this visit will trigger", parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Follow-ups this visit will trigger")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setMinimumHeight(64)
        self.list.itemChanged.connect(self._toggled)
        self.body.addWidget(self.list, 1)
        self.note = label("Untick a follow-up to stop it being sent.", "Muted", wrap=True)
        self.body.addWidget(self.note)
        self.planned: list[PlannedFollowUp] = []
        self.titles: dict[str, str] = {}  # content id → title, of the content approved for the HCP
        self.deselected: set[str] = set()
        self._source: Callable[[], CallReport] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.refresh)

    def schedule(self, source: Callable[[], CallReport]) -> None:
        """Preview again shortly (typing and ticking settle first); ``source()`` gives the current report."""
        self._source = source
        self._timer.start()

    def refresh(self) -> Op | None:
        if self._source is None:
            return None
        report = self._source()
        return Op(self, lambda ws: ws.followups.preview(report)).success(self.show_planned).failure(self._failed).run()

    def restore(self, report: CallReport) -> None:
        """Take the deselections a saved draft already records."""
        self.deselected = FollowUpManager.deselected(report)

    def apply(self, report: CallReport) -> CallReport:
        """``report`` with the rep's deselections recorded (the hub skips those journeys)."""
        for journey in {p.journey for p in self.planned} | self.deselected:
            report = FollowUpManager.deselect(report, journey, selected=journey not in self.deselected)
        return report

    def show_planned(self, planned: list[PlannedFollowUp]) -> None:
        t = theme.current()
        self.planned = list(planned)
        self.list.blockSignals(True)
        self.list.clear()
        for p in self.planned:
            what = ACTION_TEXT.get(p.action, p.action.replace("_", " "))
            if p.content_id:
                what += f" “{self.titles.get(p.content_id, 'approved content')}”"
            channel = CHANNEL_LABELS.get(p.channel, p.channel.value.replace("_", " ")).lower()
            consent = f" · consent: {p.consent}" if p.consent else ""
            journey = journey_title(p.journey)
            if p.status is FollowUpStatus.SUPPRESSED:
                why = p.reason.split("not sent: ", 1)[-1]
                text = f"{what} ({journey}) will not be sent: {why}"
            else:
                text = f"{what} by {channel}, due {moment_text(p.due_at)}{consent} ({journey})"
            item = QListWidgetItem(text)
            item.setData(JourneyRole, p.journey)
            item.setToolTip(p.reason or text)
            if p.status is FollowUpStatus.SUPPRESSED:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                item.setForeground(QColor(t["warning"]))
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                off = p.journey in self.deselected or p.status is FollowUpStatus.CANCELLED
                item.setCheckState(Qt.CheckState.Unchecked if off else Qt.CheckState.Checked)
            self.list.addItem(item)
        if not self.planned:
            item = QListWidgetItem("No follow-ups: no journey applies to what this visit covers.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
        self.list.blockSignals(False)

    def _toggled(self, item: QListWidgetItem) -> None:
        journey = item.data(JourneyRole)
        if not journey:
            return
        if item.checkState() == Qt.CheckState.Checked:
            self.deselected.discard(journey)
        else:
            self.deselected.add(journey)

    def _failed(self, error: BaseException) -> None:
        self.list.clear()
        self.list.addItem(QListWidgetItem(f"The follow-up preview is not available: {error_text(error)}"))
