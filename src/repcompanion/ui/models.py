"""Qt item models: thin adapters over lists of records that the workspace returned."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from repcompanion.domain import CallReport, Content, EngagementEvent, EventType, HcpId, Mutation, Suggestion
from repcompanion.ui.dates import day_text, localized, moment_text
from repcompanion.workspace import DraftSafety, DraftVisit, TodayFilter, TodayRow, action_label

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

#: the role that returns the record behind a row
RecordRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    sort: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str] | None = None
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """A read-only table over a list of records, one row per record, columns described by ``Column``."""

    columns: Sequence[Column[Any]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[T] = []

    def set_records(self, records: Sequence[T]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> T:
        return self._records[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        record = self._records[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.AccessibleTextRole:
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(record)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == RecordRole:
            return record
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return self.columns[section].title
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._records):
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def _day(d: date | datetime | None) -> str:
    return day_text(d)


def days_ago(d: date | None, today: date) -> str:
    if d is None:
        return "never"
    n = (today - d).days
    if n <= 0:
        return "today"
    if n == 1:
        return "yesterday"
    if n < 60:
        return f"{n} days ago"
    return _day(d)


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter


class PrioritiesModel(RecordTableModel[TodayRow]):
    """Today's ranked call priorities."""

    RANK, HCP, SPECIALTY, SEGMENT, ACTION, PRIORITY, REASON, LAST_CONTACT, TOWN = range(9)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.today = date.today()
        self.max_priority = 1.0
        today = lambda: self.today  # noqa: E731
        self.columns = (
            Column("#", lambda r: str(r.rank), lambda r: r.rank, align=_RIGHT),
            Column("HCP", lambda r: r.name, lambda r: r.name.lower()),
            Column("Specialty", lambda r: r.specialty),
            Column(
                "Segment",
                lambda r: r.segment,
                tooltip=lambda r: f"Segment {r.segment} (A is highest value)",
                align=_CENTER,
            ),
            Column(
                "Best action",
                lambda r: action_label(r.action) + (" ✓ accepted" if r.accepted else ""),
                tooltip=lambda r: "You accepted this; it shows as done once you log it." if r.accepted else "",
            ),
            Column(
                "Priority",
                lambda r: f"{r.priority:.2f}",
                lambda r: r.priority,
                tooltip=lambda r: f"Priority {r.priority:.3f} · chance of a response {r.probability:.0%}",
            ),
            Column("Top reason", lambda r: localized(r.top_reason), tooltip=lambda r: localized(r.top_reason)),
            Column(
                "Last contact",
                lambda r: days_ago(r.last_contact, today()),
                lambda r: r.last_contact.toordinal() if r.last_contact else 0,
                tooltip=lambda r: _day(r.last_contact),
            ),
            Column("Town", lambda r: r.town),
        )

    def set_rows(self, rows: Sequence[TodayRow], today: date) -> None:
        self.today = today
        self.max_priority = max((r.priority for r in rows), default=1.0) or 1.0
        self.set_records(self._sorted(rows))

    # Sorting happens here, on the Python list (a few ms for 5,000 rows), not in the proxy: a proxy sort
    # calls data() twice per comparison and stalled the GUI thread for ~0.35 s on every reload.
    _sort_column: int = 0
    _sort_order: Qt.SortOrder = Qt.SortOrder.AscendingOrder

    def _sorted(self, rows: Sequence[TodayRow]) -> list[TodayRow]:
        column = self.columns[self._sort_column]
        key: Callable[[TodayRow], Any] = column.sort or (lambda r: column.text(r).lower())
        return sorted(rows, key=key, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._sort_column, self._sort_order = column, order
        self.layoutAboutToBeChanged.emit()
        old = self._records
        self._records = self._sorted(old)
        where = {id(r): i for i, r in enumerate(self._records)}
        persistent = self.persistentIndexList()
        moved_to = [self.index(where[id(old[i.row()])], i.column()) for i in persistent]
        self.changePersistentIndexList(persistent, moved_to)
        self.layoutChanged.emit()

    def row_of(self, hcp_id: str) -> int:
        for i, r in enumerate(self._records):
            if r.hcp_id == hcp_id:
                return i
        return -1

    def patch(
        self, rows: Sequence[TodayRow], removed: Collection[str] = (), ranks: Mapping[HcpId, int] | None = None
    ) -> None:
        """Bring the list up to date without a reset: replace the changed ``rows`` (adding new HCPs), take out
        ``removed`` HCPs, and give every other row its new rank from ``ranks``; then keep the rep's sort.

        Only rows whose record changed are announced (``dataChanged``), and a new order is a layout change, so
        the selection, the scroll position and the filters stay.
        """
        gone = [i for i, r in enumerate(self._records) if r.hcp_id in removed]
        for i in reversed(gone):
            self.beginRemoveRows(QModelIndex(), i, i)
            del self._records[i]
            self.endRemoveRows()
        fresh = {r.hcp_id: r for r in rows}
        changed: list[int] = []
        for i, old in enumerate(self._records):
            new = fresh.pop(old.hcp_id, None)
            if new is None and ranks is not None and ranks.get(old.hcp_id, old.rank) != old.rank:
                new = replace(old, rank=ranks[old.hcp_id])
            if new is not None and new != old:
                self._records[i] = new
                changed.append(i)
        if fresh:
            first = len(self._records)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._records.extend(fresh.values())
            self.endInsertRows()
        self.max_priority = max((r.priority for r in self._records), default=1.0) or 1.0
        last = len(self.columns) - 1
        for start, end in _runs(changed):
            self.dataChanged.emit(self.index(start, 0), self.index(end, last))
        if (changed or fresh) and self._sorted(self._records) != self._records:
            self.sort(self._sort_column, self._sort_order)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for r in sorted(rows):
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    return runs


class PrioritiesProxy(QSortFilterProxyModel):
    """The rep's filters (segment, specialty, action, town, search hits); sorting is the source model's."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._filter = TodayFilter()

    @property
    def current_filter(self) -> TodayFilter:
        return self._filter

    def set_filter(self, flt: TodayFilter) -> None:
        if flt == self._filter:
            return
        self.beginFilterChange()
        self._filter = flt
        self.endFilterChange()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source list (fast) and keep its order here; the proxy itself only filters."""
        model = self.sourceModel()
        if isinstance(model, PrioritiesModel):
            model.sort(column, order)
        else:
            super().sort(column, order)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, PrioritiesModel) or source_row >= model.rowCount():
            return True
        return self._filter.accepts(model.record(source_row))


EVENT_LABELS = {
    EventType.VISIT: "Visit",
    EventType.REMOTE_CALL: "Remote call",
    EventType.EMAIL_SENT: "Email sent",
    EventType.EMAIL_OPENED: "Email opened",
    EventType.EMAIL_CLICKED: "Email link clicked",
    EventType.EMAIL_BOUNCED: "Email bounced",
    EventType.WEB_VISIT: "Visited website",
    EventType.EVENT_INVITED: "Invited to event",
    EventType.EVENT_ATTENDED: "Attended event",
    EventType.SAMPLE_DROP: "Samples left",
    EventType.MSL_VISIT: "MSL visit",
}


class TimelineModel(RecordTableModel[EngagementEvent]):
    """An HCP's engagement history, newest first."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.content_titles: dict[str, str] = {}
        self.product_names: dict[str, str] = {}
        self.columns = (
            Column("When", lambda e: day_text(e.occurred_at), lambda e: e.occurred_at.timestamp()),
            Column("What", lambda e: EVENT_LABELS.get(e.type, str(e.type))),
            Column("Details", self._details, tooltip=self._details),
        )

    def _details(self, e: EngagementEvent) -> str:
        parts = []
        if e.content_id:
            parts.append(self.content_titles.get(e.content_id, e.content_id))
        if e.product_id:
            parts.append(self.product_names.get(e.product_id, e.product_id))
        if e.topics:
            parts.append(", ".join(t.replace("_", " ") for t in e.topics))
        if e.quantity:
            parts.append(f"{e.quantity} units")
        return " · ".join(parts)


class SuggestionsModel(RecordTableModel[Suggestion]):
    """The scored actions for one HCP, best first; blocked ones say so."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.accepted: set[str] = set()  # the actions the rep accepted and has not done yet
        self.columns = (
            Column("Action", lambda s: action_label(s.action)),
            Column("Chance", lambda s: f"{s.probability:.0%}", lambda s: s.probability, align=_RIGHT),
            Column("Priority", lambda s: f"{s.priority:.2f}", lambda s: s.priority, align=_RIGHT),
            Column("Status", self._status, tooltip=self._status),
        )

    def _status(self, s: Suggestion) -> str:
        if s.rule_reasons and s.priority <= 0:
            return "Blocked: " + localized(s.rule_reasons[0])
        if s.action in self.accepted:
            return "Accepted: waiting to be done"
        return "Best" if s.rank == 1 else ""


class ContentModel(RecordTableModel[Content]):
    """Approved content usable with this HCP today."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column("Title", lambda c: c.title, tooltip=lambda c: c.subject or c.title),
            Column("Channel", lambda c: str(c.channel).replace("_", " ")),
            Column("Topics", lambda c: ", ".join(t.replace("_", " ") for t in c.topics)),
            Column("MLR code", lambda c: c.mlr_code),
            Column("Valid to", lambda c: _day(c.valid_to), lambda c: c.valid_to.toordinal()),
        )


class ReportsModel(RecordTableModel[CallReport]):
    """Past visit notes for one HCP."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column("When", lambda r: moment_text(r.started_at), lambda r: r.started_at.timestamp()),
            Column("Status", lambda r: "Submitted" if r.submitted else "Draft"),
            Column("Topics", lambda r: ", ".join(t.replace("_", " ") for t in r.topics)),
            Column("Notes", lambda r: r.notes.replace("\n", " ")[:140], tooltip=lambda r: r.notes),
        )


SAFETY_LABELS = {
    DraftSafety.CLEAR: "",
    DraftSafety.UNDECIDED: "Possible adverse event: decide",
    DraftSafety.REPORTED: "Adverse event reported",
    DraftSafety.NOT_AN_AE: "Not an adverse event",
}


def draft_state(d: DraftVisit) -> str:
    if not d.saved:
        return "Not saved (kept when the app stopped)"
    return "Saved, with newer changes" if d.unsaved_changes else "Saved"


class DraftsModel(RecordTableModel[DraftVisit]):
    """Visits not submitted yet, with where their note's safety stands."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column(
                "When",
                lambda d: moment_text(d.report.started_at),
                lambda d: d.report.started_at.timestamp(),
            ),
            Column("HCP", lambda d: d.hcp_name),
            Column("Safety", lambda d: SAFETY_LABELS[d.safety.state]),
            Column("Draft", draft_state),
            Column("Notes", lambda d: d.report.notes.replace("\n", " ")[:140], tooltip=lambda d: d.report.notes),
        )


class RejectedModel(RecordTableModel[Mutation]):
    """Uploads the hub refused, with the reason and what to do."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column("Made", lambda m: moment_text(m.created_at), lambda m: m.created_at.timestamp()),
            Column("What", lambda m: str(m.kind).replace(".", " ").replace("_", " ")),
            Column("Why the hub refused it", lambda m: m.reason, tooltip=lambda m: m.reason),
            Column("What to do", lambda m: what_to_do(m), tooltip=lambda m: what_to_do(m)),
        )


def what_to_do(m: Mutation) -> str:
    reason = m.reason.lower()
    if "consent" in reason:
        return "Check the HCP's consent; capture new consent before trying again."
    if "not found" in reason or "territory" in reason or "removed" in reason:
        return "The HCP left your territory; tell your manager if you still visit them."
    if "submitted" in reason or "immutable" in reason or "locked" in reason:
        return "The visit was already submitted; log a correction note as a new visit."
    if "version" in reason or "conflict" in reason:
        return "Someone changed this record; sync again and redo your change."
    return "Nothing was lost. Correct the record and sync again, or contact support with the reason."
