"""Plan my day: the ordered visits (drag to reorder, lock), the territory map, replace a cancellation, .ics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import PlanError
from repcompanion.ui import theme
from repcompanion.ui.dates import localized, time_format, time_text, weekday_text
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.plan_map import PlanMap
from repcompanion.ui.plan_model import PlanVisitModel, clock
from repcompanion.ui.widgets import Card, ElidedLabel, button, label
from repcompanion.workspace import Changes, DaySettings, PlannedDay, Workspace

if TYPE_CHECKING:
    from repcompanion.workspace import DayPlan

T = TypeVar("T")


def _qtime(t: time) -> QTime:
    return QTime(t.hour, t.minute)


def _time(q: QTime) -> time:
    return time(q.hour(), q.minute())


def clock_time(t: time) -> str:
    return time_text(t)


#: The start choice that is no saved place.
MIDDLE = "The middle of my territory"


class PlanView(QWidget):
    """The day's route: plan, edit by hand with the times recomputed, and export to a calendar."""

    hcp_activated = Signal(str)
    places_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Plan my day")
        self.day: PlannedDay | None = None
        self.time_limit_s = 1.0
        self.busy = False
        self.last_error = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(10)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(label("Plan my day", "PageTitle"))
        self.subtitle = ElidedLabel("Open the Plan view to route today's most valuable visits.", "PageSubtitle")
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        self.plan_button = button("Plan my day", "plan", primary=True, tip="Route the best visits into your hours")
        self.plan_button.clicked.connect(self.plan_day)
        head.addWidget(self.plan_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)
        outer.addWidget(self._build_settings())
        self.notice = label("", "Muted", wrap=True)
        self.notice.setAccessibleName("Plan message")
        self.notice.hide()
        outer.addWidget(self.notice)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        left = Card("Visits in order")
        self.model = PlanVisitModel(self)
        self.model.order_requested.connect(self.reorder)
        self.model.lock_requested.connect(self.set_locked)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Planned visits")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setDragEnabled(True)
        self.table.setAcceptDrops(True)
        self.table.setDropIndicatorShown(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.table.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.table.setDragDropOverwriteMode(False)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        left.body.addWidget(self.table, 1)
        left.body.addWidget(
            label("Drag a row to change the order; tick Lock to keep a visit at its time.", "Muted", wrap=True)
        )
        actions = QHBoxLayout()
        self.replace_button = button(
            "Replace cancelled visit", "sync", tip="Fill the selected visit's slot with the best nearby HCP"
        )
        self.replace_button.clicked.connect(lambda: self.replace_cancelled())
        self.export_button = button("Export to calendar (.ics)…", "today", tip="Save the day for Outlook or Google")
        self.export_button.clicked.connect(lambda: self.export_ics())
        actions.addWidget(self.replace_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        left.body.addLayout(actions)
        split.addWidget(left)

        right = Card("Territory")
        self.map = PlanMap()
        self.map.stop_clicked.connect(self.select_visit)
        right.body.addWidget(self.map, 1)
        hint = "Scroll to zoom, drag to move; double-click empty space for the whole territory or the route."
        right.body.addWidget(label(hint, "Muted", wrap=True))
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([720, 480])
        outer.addWidget(split, 1)
        self._update_buttons()

    def _build_settings(self) -> QWidget:
        box = Card()
        row = QHBoxLayout()
        row.setSpacing(8)
        self.hours_from = QTimeEdit(QTime(8, 30))
        self.hours_to = QTimeEdit(QTime(17, 30))
        for edit, name in ((self.hours_from, "Working hours from"), (self.hours_to, "Working hours until")):
            edit.setDisplayFormat(time_format())
            edit.setAccessibleName(name)
        row.addWidget(label("Hours"))
        row.addWidget(self.hours_from)
        row.addWidget(label("–"))
        row.addWidget(self.hours_to)
        row.addSpacing(12)
        row.addWidget(label("Start from"))
        self.start = QComboBox()
        self.start.setAccessibleName("Start the day from")
        self.start.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.start.setMinimumContentsLength(12)
        self.start.addItem(MIDDLE, "")
        row.addWidget(self.start, 1)
        self.places_button = button("Home and office…", "settings", tip="Save your home and office addresses")
        self.places_button.clicked.connect(self.places_requested)
        row.addWidget(self.places_button)
        box.body.addLayout(row)
        return box

    def set_day_settings(self, day: DaySettings) -> None:
        """Offer the saved places to start from, the rep's own start place chosen; the rep's hours."""
        chosen = self.start.currentData() if self.start.count() > 1 else day.start
        self.start.blockSignals(True)
        self.start.clear()
        self.start.addItem(MIDDLE, "")
        for place in day.places:
            self.start.addItem(f"{place.name} — {place.address}", place.name)
            self.start.setItemData(self.start.count() - 1, f"Placed at {place.found}", Qt.ItemDataRole.ToolTipRole)
        self.start.setCurrentIndex(max(self.start.findData(chosen if chosen is not None else day.start), 0))
        self.start.blockSignals(False)
        if self.day is None:
            self.hours_from.setTime(_qtime(day.hours[0]))
            self.hours_to.setTime(_qtime(day.hours[1]))

    def load_day_settings(self) -> Op:
        return Op(self, lambda ws: ws.day.settings()).success(self.set_day_settings).failure(lambda _e: None).run()

    # -- data -------------------------------------------------------------------------------------------------
    @property
    def plan(self) -> DayPlan | None:
        """The day plan shown (None before the first one)."""
        return self.day.plan if self.day is not None else None

    def ensure_loaded(self) -> Op | None:
        if self.day is None and not self.busy:
            self.load_day_settings()
            return self.plan_day()
        return None

    def apply(self, changes: Changes) -> None:
        """What a plan is made from changed (places, the territory, a visit logged): say so; the shown plan stays."""
        if self.day is None or not (changes.plan or (changes.visits and changes.ranking)):
            return  # nothing planned yet: the next plan reads everything afresh
        if changes.plan:
            self.load_day_settings()
        if not self.busy:
            text = "Your day changed since this plan was made (a visit, a place or the territory): plan it again."
            self.show_notice(text, error=False)

    def plan_day(self) -> Op:
        """Route the day from scratch (booked visits stay) from now, with the hours and start place chosen here;
        before the first plan, the rep's own settings."""
        hours = (_time(self.hours_from.time()), _time(self.hours_to.time())) if self.day is not None else None
        start = str(self.start.currentData() or "") if self.day is not None else None
        locked, limit = (self.day.locked if self.day else ()), self.time_limit_s
        self._set_busy(True, "Planning your day…")
        return self._run(
            lambda ws: ws.plans.plan(start=start, hours=hours, locked=locked, time_limit_s=limit),
            lambda day: self._show(day, refit=True),
        )

    def reorder(self, order: list[str]) -> Op | None:
        """Keep the dragged order and recompute the times; a day that cannot fit keeps the old plan."""
        if self.day is None:
            return None
        day = self.day
        self._set_busy(True, "Recomputing times…")
        return self._run(lambda ws: ws.plans.replan(day, list(order)), self._show)

    def set_locked(self, hcp_id: str, on: bool) -> Op | None:
        """Lock a visit at its current start time (a booking) or release it, then recompute the times."""
        if self.day is None:
            return None
        day = self.day
        self._set_busy(True, "Recomputing times…")
        return self._run(lambda ws: ws.plans.set_locked(day, hcp_id, on), self._show)

    def replace_cancelled(self, hcp_id: str | None = None) -> Op | None:
        """Fill the selected (cancelled) visit's slot with the best nearby candidate."""
        hcp_id = hcp_id or self.selected_hcp_id()
        if self.day is None or not hcp_id:
            self.show_notice("Select the cancelled visit in the list first.", error=False)
            return None
        day, cancelled = self.day, hcp_id
        name = next((v.name for v in day.visits if v.hcp_id == cancelled), cancelled)
        self._set_busy(True, f"Finding a replacement for {name}…")

        def done(new: PlannedDay) -> None:
            self._show(new)
            added = [v.name for v in new.visits if v.hcp_id not in set(day.order)]
            text = f"{name} cancelled: {added[0]} takes the slot." if added else f"{name} cancelled; nothing else fits."
            self.show_notice(text, error=False)

        return self._run(lambda ws: ws.plans.replace_cancelled(day, cancelled), done)

    def export_ics(self, path: Path | None = None) -> Op | None:
        """Write the day to an .ics file (asks where when no ``path`` is given)."""
        if self.day is None:
            self.show_notice("Plan the day first, then export it.", error=False)
            return None
        if path is None:
            default = str(Path.home() / f"visits-{self.day.settings.day.isoformat()}.ics")  # a file name: ISO sorts
            chosen, _ = QFileDialog.getSaveFileName(self, "Export the day to a calendar", default, "Calendar (*.ics)")
            if not chosen:
                return None
            path = Path(chosen) if chosen.endswith(".ics") else Path(chosen + ".ics")
        day, target = self.day, path

        def saved(p: Path) -> None:
            self.show_notice(f"Saved {len(day.visits)} visits to {p}. Import it in your calendar.", error=False)

        return self._run(lambda ws: ws.plans.export_ics(day, target), saved)

    def _run(self, fn: Callable[[Workspace], T], on_success: Callable[[T], None], *, busy: bool = True) -> Op:
        def failed(error: BaseException) -> None:
            self._set_busy(False)
            self.show_notice(self.describe(error), error=True)
            self.model.set_visits(self.day.visits if self.day is not None else ())
            window = self.window()
            if hasattr(window, "show_error"):
                window.show_error(self.describe(error))

        def ok(result: T) -> None:
            self._set_busy(False)
            on_success(result)

        return Op(self, fn).success(ok).failure(failed).run()

    def describe(self, error: BaseException) -> str:
        """The error for the rep, naming the visit a hand-made order cannot fit."""
        text = error_text(error)
        hcp_id = getattr(error, "hcp_id", None)
        if hcp_id and self.day is not None:
            name = next((v.name for v in self.day.visits if v.hcp_id == hcp_id), hcp_id)
            if name not in text:
                text = f"The visit with {name} does not fit there. {text}"
            if isinstance(error, PlanError):
                text += " The previous order was kept."
        return text

    def _show(self, day: PlannedDay, *, refit: bool = False) -> None:
        selected = self.selected_hcp_id()
        self.day = day
        plan, settings = day.plan, day.settings
        self.model.set_visits(plan.visits)
        self.hours_from.setTime(_qtime(day.working_hours[0]))
        self.hours_to.setTime(_qtime(day.working_hours[1]))
        self.start.setCurrentIndex(max(self.start.findData(day.start_place), 0))
        self.map.show_plan(plan, day.candidates, settings, refit=refit)
        n = len(plan.visits)
        end = clock(plan.end_at) if plan.end_at else ""
        later = f" · from {clock_time(settings.hours[0])}" if settings.hours[0] != day.working_hours[0] else ""
        self.subtitle.setText(
            f"{weekday_text(settings.day)}{later} · {n} visit{'s' if n != 1 else ''} · priority "
            f"{plan.total_priority:.1f} · {plan.travel_km:.0f} km driving · back by {end}"
        )
        if selected:
            self.select_visit(selected)
        self.notice.hide()
        if day.notice:
            self.show_notice(day.notice, error=False)
        self.last_error = ""
        self._update_buttons()

    # -- selection and state -------------------------------------------------------------------------------
    def selected_hcp_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.visit(rows[0].row()).hcp_id if rows else None

    def select_visit(self, hcp_id: str) -> None:
        order = self.model.order()
        if hcp_id in order:
            idx = self.model.index(order.index(hcp_id), 0)
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().select(idx, flags)
            self.table.scrollTo(idx)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid() and index.column() != PlanVisitModel.COL_LOCK:
            self.hcp_activated.emit(self.model.visit(index.row()).hcp_id)

    def show_notice(self, text: str, *, error: bool) -> None:
        text = localized(text)
        self.notice.setText(text)
        self.notice.setObjectName("ErrorText" if error else "Muted")
        self.notice.setStyleSheet(f"color: {theme.current()['danger']};" if error else "")
        self.notice.show()
        if error:
            self.last_error = text

    def _set_busy(self, on: bool, text: str = "") -> None:
        self.busy = on
        if on and text:
            self.subtitle.setText(text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_plan = self.day is not None and not self.busy
        self.plan_button.setEnabled(not self.busy)
        self.replace_button.setEnabled(has_plan and self.selected_hcp_id() is not None)
        self.export_button.setEnabled(has_plan and bool(self.day and self.day.visits))
        self.places_button.setEnabled(not self.busy)
        self.table.setEnabled(not self.busy)
