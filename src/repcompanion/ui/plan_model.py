"""Qt item models of the day plan: the ordered visits (drag to reorder, lock) and an HCP's follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal

from repcompanion.domain import FollowUpJob, FollowUpStatus
from repcompanion.ui.dates import moment_text, time_text
from repcompanion.workspace import FollowUpLine, whole_minute

if TYPE_CHECKING:
    from repcompanion.workspace import PlannedVisit

Index = QModelIndex | QPersistentModelIndex
VISIT_ROWS_MIME = "application/x-repcompanion-visit-rows"


def clock(value: datetime | None) -> str:
    """A plan time as the rep reads it: on the plan's clock, in whole minutes (rounded up, as the calendar)."""
    return time_text(whole_minute(value)) if value is not None else ""


class PlanVisitModel(QAbstractTableModel):
    """The day's visits in order; a drop or a lock click asks the view to replan (the model never guesses times).

    ``order_requested(list[str])`` carries the order the rep dragged to; ``lock_requested(hcp_id, locked)``
    the lock toggle. The view answers with ``set_visits`` (the recomputed plan) or leaves the old one, which
    is how a drop that cannot fit reverts.
    """

    order_requested = Signal(list)
    lock_requested = Signal(str, bool)

    HEADERS = ("#", "HCP", "Arrive", "Start", "End", "Drive", "Priority", "Lock")
    COL_LOCK = 7
    HcpIdRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._visits: list[PlannedVisit] = []

    def set_visits(self, visits: Sequence[PlannedVisit]) -> None:
        self.beginResetModel()
        self._visits = list(visits)
        self.endResetModel()

    def visit(self, row: int) -> PlannedVisit:
        return self._visits[row]

    def order(self) -> list[str]:
        return [v.hcp_id for v in self._visits]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._visits)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return {5: "Driving minutes from the previous stop", 7: "Lock the visit at its start time"}.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visits):
            return None
        v = self._visits[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(v.order),
                v.name,
                clock(v.arrive),
                clock(v.start),
                clock(v.end),
                f"{v.travel_min:.0f} min",
                f"{v.priority:.2f}",
                "Booked" if v.locked else "",
            )[col]
        if role == Qt.ItemDataRole.CheckStateRole and col == self.COL_LOCK:
            return Qt.CheckState.Checked if v.locked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            waited = (v.start - v.arrive).total_seconds() / 60
            wait = f", waits {waited:.0f} min" if waited >= 1 else ""
            return f"{v.name}: arrive {clock(v.arrive)}{wait}, visit {clock(v.start)}–{clock(v.end)}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2, 3, 4, 5, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.COL_LOCK:
            return f"{v.name} {'locked' if v.locked else 'not locked'}"
        if role == self.HcpIdRole:
            return v.hcp_id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        f = base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        if index.column() == self.COL_LOCK:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.COL_LOCK or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        self.lock_requested.emit(self._visits[index.row()].hcp_id, bool(checked))
        return True

    # -- drag and drop: the view's internal move becomes an order request --------------------------------
    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [VISIT_ROWS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(VISIT_ROWS_MIME, QByteArray(",".join(map(str, rows)).encode()))
        return mime

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        return data.hasFormat(VISIT_ROWS_MIME) and action == Qt.DropAction.MoveAction

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        text = bytes(data.data(VISIT_ROWS_MIME).data()).decode()
        rows = [int(r) for r in text.split(",") if r.strip().isdigit() and int(r) < len(self._visits)]
        if not rows:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._visits)
        new_order = moved(self.order(), rows, row)
        if new_order != self.order():
            self.order_requested.emit(new_order)
        # False: the rows are not removed by the view; the replanned visits replace the whole list instead.
        return False


def moved(order: Sequence[str], rows: Sequence[int], before: int) -> list[str]:
    """``order`` with the items at ``rows`` moved, in their order, to just before position ``before``."""
    picked = [order[r] for r in sorted(rows)]
    insert_at = before - sum(1 for r in rows if r < before)
    rest = [h for i, h in enumerate(order) if i not in set(rows)]
    return rest[:insert_at] + picked + rest[insert_at:]


STATUS_COLORS = {
    FollowUpStatus.SCHEDULED: "info",
    FollowUpStatus.SENT: "accent",
    FollowUpStatus.OPENED: "success",
    FollowUpStatus.CLICKED: "success",
    FollowUpStatus.BOUNCED: "warning",
    FollowUpStatus.FAILED: "danger",
    FollowUpStatus.SUPPRESSED: "warning",
    FollowUpStatus.CANCELLED: "muted",
}
ACTION_TEXT = {
    "send_email": "Email",
    "suggest_msl_referral": "MSL referral",
    "suggest_remote_follow_up": "Remote follow-up",
    "invite_to_event": "Event invitation",
}


class FollowUpModel(QAbstractTableModel):
    """One HCP's digital follow-ups: status (drawn as a chip), what, by which channel, with which content, when,
    and why it was stopped — in words, never ids."""

    HEADERS = ("Status", "Follow-up", "Channel", "Content", "Due", "Sent", "Journey", "Reason")
    StatusColorRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[FollowUpLine] = []

    def set_lines(self, lines: Sequence[FollowUpLine]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def job(self, row: int) -> FollowUpJob:
        return self._lines[row].job

    def line(self, row: int) -> FollowUpLine:
        return self._lines[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        j = line.job
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(j.status.value).capitalize(),
                ACTION_TEXT.get(j.action, j.action.replace("_", " ")),
                line.channel,
                line.content,
                moment_text(j.due_at) if j.due_at else "",
                moment_text(j.sent_at) if j.sent_at else "",
                line.journey,
                j.reason,
            )[index.column()]
        if role == self.StatusColorRole and index.column() == 0:
            return STATUS_COLORS.get(j.status, "muted")
        if role == Qt.ItemDataRole.ToolTipRole:
            return j.reason or f"{ACTION_TEXT.get(j.action, j.action)}: {j.status.value}"
        return None
