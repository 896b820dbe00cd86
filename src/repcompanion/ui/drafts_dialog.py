"""Visits not submitted yet — saved drafts and notes kept when the app stopped — to open and finish."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QHeaderView, QTableView, QVBoxLayout, QWidget

from repcompanion.ui.models import DraftsModel
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.widgets import button, fit_to_screen, label, setup_table
from repcompanion.workspace import DraftSafety, DraftVisit


class DraftsDialog(QDialog):
    """Every draft visit, newest first; ``open_requested`` carries the one to open (a ``DraftVisit``)."""

    open_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Drafts")
        self.setAccessibleName("Drafts")
        fit_to_screen(self, self.sizeHint())
        root = QVBoxLayout(self)
        root.setContentsMargins(20, 16, 20, 16)
        root.setSpacing(10)
        root.addWidget(label("Drafts", "PageTitle"))
        self.summary = label("Looking for drafts…", "Muted", wrap=True)
        root.addWidget(self.summary)
        self.model = DraftsModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Draft visits")
        self.table.setModel(self.model)
        setup_table(self.table, stretch_column=4)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(self._activated)
        root.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.close_button = button("Close")
        self.close_button.clicked.connect(self.reject)
        self.open_button = button("Open", "visit", primary=True, tip="Open the selected draft to finish it")
        self.open_button.clicked.connect(self.open_selected)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.open_button)
        root.addLayout(buttons)
        self.drafts: list[DraftVisit] = []

    def sizeHint(self) -> QSize:
        return QSize(900, 420)

    def reload(self) -> Op:
        return Op(self, lambda ws: ws.visits.drafts()).success(self.set_drafts).failure(self._failed).run()

    def _failed(self, error: BaseException) -> None:
        self.summary.setText(error_text(error))

    def set_drafts(self, drafts: list[DraftVisit]) -> None:
        self.drafts = drafts
        self.model.set_records(drafts)
        undecided = sum(1 for d in drafts if d.safety.state is DraftSafety.UNDECIDED)
        if not drafts:
            text = "No drafts: every visit you logged was submitted."
        else:
            text = f"{len(drafts)} visit{'s' if len(drafts) != 1 else ''} not submitted yet. Open one to finish it."
        if undecided:
            text += (
                f" {undecided} may describe an adverse event and need{'s' if undecided == 1 else ''} your decision: "
                "pharmacovigilance must have a report within 24 hours."
            )
        self.summary.setText(text)
        self.open_button.setEnabled(bool(drafts))
        if drafts:
            self.table.selectRow(0)

    def _activated(self, index: QModelIndex) -> None:
        self.open_requested.emit(self.model.record(index.row()))

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_requested.emit(self.model.record(rows[0].row()))


def reminder(drafts: list[DraftVisit], *, announce_unsaved: bool) -> tuple[str, DraftVisit | None] | None:
    """What to tell the rep about ``drafts``, and the one draft to restore when there is exactly one (else the
    list is the way in): flagged notes without a decision first; then, with ``announce_unsaved``, notes kept
    when the app stopped. None when there is nothing to say."""
    undecided = [d for d in drafts if d.safety.state is DraftSafety.UNDECIDED]
    if undecided:
        n = len(undecided)
        return (
            f"{n} visit note{'s' if n != 1 else ''} may describe an adverse event and "
            f"{'have' if n != 1 else 'has'} no decision yet. Pharmacovigilance must have a report within 24 hours: "
            "open the draft and choose 'Report it' or 'Not an adverse event'.",
            None,
        )
    kept = [d for d in drafts if d.unsaved_changes]
    if not announce_unsaved or not kept:
        return None
    more = f" (and {len(kept) - 1} more)" if len(kept) > 1 else ""
    return (
        f"A visit note you were writing was not saved when the app closed{more}. Nothing was lost.",
        kept[0] if len(kept) == 1 else None,
    )
