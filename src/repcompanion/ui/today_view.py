"""Today: the ranked call priorities with search, filters, sorting and the day's progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from repcompanion.ui import theme
from repcompanion.ui.dates import weekday_text
from repcompanion.ui.models import PrioritiesModel, PrioritiesProxy
from repcompanion.ui.ops import Op, error_text, show_error
from repcompanion.ui.widgets import ElidedLabel, PriorityBarDelegate, SegmentDelegate, button, label, setup_table
from repcompanion.workspace import (
    ALL,
    Changes,
    TodayData,
    TodayFilter,
    TodayPatch,
    TodayRow,
    action_label,
    previous_today_data,
    today_data,
    today_patch,
)


class TodayView(QWidget):
    """The rep's day: who to see, what to do, why — one row per HCP, best first."""

    hcp_activated = Signal(str)
    directory_requested = Signal(str)  # the search, to run over the whole territory
    loaded = Signal()
    filtered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Today")
        self.daily_target = 8
        self.data: TodayData | None = None
        self.load_error = ""
        self._search_ids: frozenset[str] | None = None
        self._search_generation = 0

        self.model = PrioritiesModel(self)
        self.proxy = PrioritiesProxy(self)
        self.proxy.setSourceModel(self.model)

        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 16)
        root.setSpacing(14)

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = label("Today", "PageTitle")
        self.subtitle = ElidedLabel("Loading your priorities…", "PageSubtitle")
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        progress_box = QVBoxLayout()
        progress_box.setSpacing(4)
        self.progress_label = label("", "Muted")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.day_progress = QProgressBar()
        self.day_progress.setMinimumWidth(120)
        self.day_progress.setMaximumWidth(240)
        self.day_progress.setTextVisible(False)
        self.day_progress.setAccessibleName("Visits logged today")
        progress_box.addWidget(self.progress_label)
        progress_box.addWidget(self.day_progress)
        head.addLayout(progress_box)
        root.addLayout(head)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter today's list by name, specialty, town…")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setAccessibleName("Search HCPs")
        self.search.setMinimumWidth(160)
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._open_first)
        bar.addWidget(self.search, 2)
        self.segment = self._combo("All segments", "Filter by segment")
        self.specialty = self._combo("All specialties", "Filter by specialty")
        self.action = self._combo("All actions", "Filter by best action")
        self.town = self._combo("All towns", "Filter by town")
        for combo in (self.segment, self.specialty, self.action, self.town):
            bar.addWidget(combo, 1)
            combo.currentIndexChanged.connect(self._apply_filter)
        self.clear = QPushButton("Clear")
        self.clear.setAccessibleName("Clear search and filters")
        self.clear.clicked.connect(self.clear_filters)
        bar.addWidget(self.clear)
        root.addLayout(bar)

        self.table = QTableView()
        self.table.setAccessibleName("Call priorities")
        self.table.setModel(self.proxy)
        setup_table(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(PrioritiesModel.RANK, Qt.SortOrder.AscendingOrder)
        self.table.setItemDelegateForColumn(PrioritiesModel.SEGMENT, SegmentDelegate(self.table))
        self.table.setItemDelegateForColumn(
            PrioritiesModel.PRIORITY, PriorityBarDelegate(lambda: self.model.max_priority, self.table)
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(PrioritiesModel.REASON, QHeaderView.ResizeMode.Stretch)
        for col, width in (
            (PrioritiesModel.RANK, 44),  # narrow enough that the top reason still reads on a 1366-pixel screen
            (PrioritiesModel.HCP, 180),
            (PrioritiesModel.SPECIALTY, 130),
            (PrioritiesModel.SEGMENT, 72),
            (PrioritiesModel.ACTION, 120),
            (PrioritiesModel.PRIORITY, 120),
            (PrioritiesModel.LAST_CONTACT, 100),
            (PrioritiesModel.TOWN, 120),
        ):
            self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._activated)
        self.table.clicked.connect(self._activated)
        root.addWidget(self.table, 1)

        foot = QHBoxLayout()
        self.count = label("", "Muted")
        foot.addWidget(self.count)
        self.everyone = button("Search everyone", "search", tip="Look for this in the whole territory (Ctrl+F)")
        self.everyone.setFlat(True)
        self.everyone.clicked.connect(lambda: self.directory_requested.emit(self.search.text().strip()))
        self.everyone.hide()
        foot.addWidget(self.everyone)
        foot.addStretch(1)
        self.hint = ElidedLabel("Enter or click opens the HCP · Ctrl+N logs a visit · F5 syncs", "Muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        foot.addWidget(self.hint, 1)
        root.addLayout(foot)

        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)

    def _combo(self, all_text: str, accessible: str) -> QComboBox:
        combo = QComboBox()
        combo.addItem(all_text, "")
        combo.setAccessibleName(accessible)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        return combo

    # -- loading --------------------------------------------------------------------------------------------
    def reload(self) -> Op:
        if self.data is None:  # the first list of this window: the last ranking kept shows while today's is made
            Op(self, lambda ws: previous_today_data(ws)).success(self._show_previous).failure(lambda _e: None).run()
        return Op(self, lambda ws: today_data(ws)).success(self.set_data).failure(self._load_failed).run()

    def apply(self, changes: Changes) -> Op | None:
        """Refresh what ``changes`` touch: the rows of the changed HCPs (and every rank, when the ranking moved),
        or the whole list when every HCP changed; nothing at all when the list shows none of it."""
        if not (changes.ranking or changes.directory or changes.timeline):
            return None
        if self.data is None or self.data.ranked_on is not None or changes.hcps is ALL:
            return self.reload()
        hcps, ranking, day = changes.hcps, changes.ranking, self.data.day
        return (
            Op(self, lambda ws: today_patch(ws, hcps, ranking=ranking, day=day))
            .success(self.patch)
            .failure(self._load_failed)
            .run()
        )

    def patch(self, patch: TodayPatch) -> None:
        """Show ``patch``: only the rows it changes are updated, the rep's selection and sort stay."""
        if self.data is None or patch.day != self.data.day:
            return
        self.model.patch(patch.rows, patch.removed, patch.ranks)
        rows = [self.model.record(i) for i in range(self.model.rowCount())]
        self.data = replace(self.data, rows=rows, visits_logged=patch.visits_logged, seen=patch.seen)
        if patch.rows or patch.removed:
            self._fill_filters(rows)
        self.set_day_progress(patch.visits_logged)
        self._set_subtitle(patch.seen)
        self._update_count()
        self.loaded.emit()

    def _show_previous(self, data: TodayData | None) -> None:
        if data is not None and (self.data is None or self.data.ranked_on is not None):
            self.set_data(data)

    def _load_failed(self, error: BaseException) -> None:
        self.load_error = error_text(error)
        self.subtitle.setText("Your priorities could not be ranked; the rest of the app works.")
        show_error(self, error)
        self.loaded.emit()

    def set_data(self, data: TodayData) -> None:
        selected = self.current_hcp_id()
        self.data = data
        self.load_error = ""
        self.model.set_rows(data.rows, data.day)
        self._fill_filters(data.rows)
        self._set_subtitle(data.seen)
        self.set_day_progress(data.visits_logged)
        if selected:
            self.select_hcp(selected)
        self._update_count()
        self.loaded.emit()

    def _set_subtitle(self, seen: int) -> None:
        data = self.data
        if data is None:
            return
        where = f" · {data.territory}" if data.territory else ""
        if data.ranked_on is not None:
            self.subtitle.setText(
                f"{weekday_text(data.day)}{where} · showing the list ranked on {weekday_text(data.ranked_on)} "
                "while today's is prepared…"
            )
            return
        off = f" · {seen} seen today, off the list" if seen else ""
        self.subtitle.setText(f"{weekday_text(data.day)}{where} · {len(data.rows)} HCPs ranked{off}")

    def _fill_filters(self, rows: list[TodayRow]) -> None:
        self._fill_combo(self.segment, sorted({r.segment for r in rows}), lambda s: f"Segment {s}")
        self._fill_combo(self.specialty, sorted({r.specialty for r in rows}))
        self._fill_combo(self.action, sorted({r.action for r in rows}), action_label)
        self._fill_combo(self.town, sorted({r.town for r in rows}))

    def set_day_progress(self, logged: int) -> None:
        self.day_progress.setMaximum(max(self.daily_target, logged, 1))
        self.day_progress.setValue(logged)
        self.progress_label.setText(f"<b>{logged}</b> of {self.daily_target} visits logged today")

    def _fill_combo(self, combo: QComboBox, values: list[str], text: Callable[[str], str] = str) -> None:
        if [combo.itemData(i) for i in range(1, combo.count())] == values:
            return  # the same choices (the usual case after a sync or a re-rank): nothing to redo on the GUI thread
        current = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for v in values:
            combo.addItem(text(v), v)
        i = combo.findData(current)
        combo.setCurrentIndex(max(i, 0))
        combo.blockSignals(False)

    # -- search and filters ---------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _run_search(self) -> None:
        text = self.search.text().strip()
        self._search_generation += 1
        generation = self._search_generation
        if not text:
            self._search_ids = None
            self._apply_filter()
            return

        def found(ids: list[str]) -> None:
            if generation == self._search_generation:
                self._search_ids = frozenset(ids)
                self._apply_filter()

        Op(self, lambda ws: ws.directory.search(text)).success(found).run()

    def current_filter(self) -> TodayFilter:
        return TodayFilter(
            ids=self._search_ids,
            segment=self.segment.currentData() or "",
            specialty=self.specialty.currentData() or "",
            action=self.action.currentData() or "",
            town=self.town.currentData() or "",
        )

    def _apply_filter(self) -> None:
        self.proxy.set_filter(self.current_filter())
        self._update_count()
        self.filtered.emit()

    def clear_filters(self) -> None:
        for combo in (self.segment, self.specialty, self.action, self.town):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._search_ids = None
        self._apply_filter()

    def _update_count(self, *_args: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"Showing {shown} of {total} HCPs" if shown != total else f"{total} HCPs")
        self.everyone.setVisible(bool(self.search.text().strip()))

    # -- navigation -----------------------------------------------------------------------------------------
    def current_hcp_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.record(self.proxy.mapToSource(index).row()).hcp_id

    def select_hcp(self, hcp_id: str) -> bool:
        row = self.model.row_of(hcp_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.hcp_activated.emit(self.model.record(self.proxy.mapToSource(index).row()).hcp_id)

    def _open_first(self) -> None:
        if self.proxy.rowCount():
            self._activated(self.proxy.index(0, 0))

    def sizeHint(self) -> QSize:
        return QSize(1200, 800)

    @property
    def day(self) -> date | None:
        return self.data.day if self.data else None
