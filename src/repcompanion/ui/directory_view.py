"""The territory directory: everyone — ranked, seen, snoozed, blocked — and every account, found by any word."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from repcompanion.ui import theme
from repcompanion.ui.dates import day_text
from repcompanion.ui.models import Column, RecordTableModel
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.widgets import ElidedLabel, button, label, setup_table
from repcompanion.workspace import Changes, DirectoryEntry, DirectoryListing, EntryKind, Standing, action_label

#: What the Kind filter offers.
KINDS = (("", "HCPs and accounts"), (EntryKind.HCP.value, "HCPs"), (EntryKind.ACCOUNT.value, "Accounts"))


def standing_text(e: DirectoryEntry) -> str:
    """Where the entry stands today, in words."""
    if e.kind is EntryKind.ACCOUNT:
        n = len(e.hcp_ids)
        return f"{n} HCP{'s' if n != 1 else ''} in your territory"
    if e.standing is Standing.RANKED:
        return f"#{e.rank} today · {action_label(e.action)}"
    if e.standing is Standing.SNOOZED:
        return f"Snoozed until {day_text(e.until)}"
    return {
        Standing.SEEN_TODAY: "Seen today",
        Standing.DO_NOT_CONTACT: "Do not contact",
        Standing.NOT_RANKED: "Not on today's list (every action blocked)",
    }.get(e.standing, "")


class DirectoryModel(RecordTableModel[DirectoryEntry]):
    """The entries a search found."""

    NAME, KIND, DETAIL, TOWN, NPI, STANDING = range(6)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = (
            Column("Name", lambda e: e.name),
            Column("", lambda e: "HCP" if e.kind is EntryKind.HCP else "Account"),
            Column("Specialty or kind", lambda e: e.detail),
            Column("Town", lambda e: e.town),
            Column("NPI", lambda e: e.npi),
            Column("Today", standing_text, tooltip=standing_text),
        )


class DirectoryView(QWidget):
    """Search the whole territory; Enter or a double-click opens the HCP (an account lists its HCPs)."""

    hcp_activated = Signal(str)
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Directory")
        self.listing: DirectoryListing | None = None
        self.stale = True
        self._generation = 0
        self._only: tuple[str, frozenset[str]] | None = None  # (account name, its HCPs) when narrowed to one
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 20, 24, 16)
        root.setSpacing(12)
        root.addWidget(label("Directory", "PageTitle"))
        self.subtitle = ElidedLabel("Everyone in your territory, on today's list or not.", "PageSubtitle")
        root.addWidget(self.subtitle)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, NPI, specialty, town or practice…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setAccessibleName("Search the territory")
        self.search.setMinimumWidth(160)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._search_changed())
        self.search.returnPressed.connect(self.open_first)
        bar.addWidget(self.search, 3)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Show")
        for key, text in KINDS:
            self.kind.addItem(text, key)
        self.kind.currentIndexChanged.connect(lambda _i: self._show())
        bar.addWidget(self.kind, 1)
        root.addLayout(bar)
        self.model = DirectoryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Territory directory")
        setup_table(self.table, stretch_column=DirectoryModel.STANDING)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DirectoryModel.STANDING, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 220), (1, 70), (2, 180), (3, 150), (4, 100)):
            self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._activated)
        root.addWidget(self.table, 1)
        foot = QHBoxLayout()
        self.count = ElidedLabel("", "Muted")
        foot.addWidget(self.count, 1)
        self.show_all = button("Show everyone", tip="Leave the account and show the whole search again")
        self.show_all.clicked.connect(self.clear_account)
        self.show_all.hide()
        foot.addWidget(self.show_all)
        root.addLayout(foot)

    # -- loading ------------------------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def ensure_current(self) -> Op | None:
        return self.reload() if self.stale or self.listing is None else None

    def apply(self, changes: Changes, *, visible: bool) -> Op | None:
        """Standings and master data change with the ranking and the directory: search again when shown."""
        if not (changes.ranking or changes.directory or changes.visits or changes.timeline):
            return None
        self.stale = True
        return self.reload() if visible else None

    def _search_changed(self) -> None:
        self._only = None
        self._timer.start()

    def reload(self) -> Op:
        self.stale = False
        text = self.search.text().strip()
        self._generation += 1
        generation = self._generation

        def found(listing: DirectoryListing) -> None:
            if generation == self._generation:
                self.set_listing(listing)

        def failed(error: BaseException) -> None:
            self.count.setText(error_text(error))
            self.loaded.emit()

        return Op(self, lambda ws: ws.directory.find(text)).success(found).failure(failed).run()

    def set_listing(self, listing: DirectoryListing) -> None:
        self.listing = listing
        self.subtitle.setText(
            f"{listing.hcps} HCPs and {listing.accounts} accounts in your territory, on today's list or not."
        )
        self._show()
        self.loaded.emit()

    def _show(self) -> None:
        if self.listing is None:
            return
        kind = self.kind.currentData() or ""
        entries = [e for e in self.listing.entries if not kind or e.kind.value == kind]
        if self._only is not None:
            members = self._only[1]
            entries = [e for e in self.listing.entries if e.kind is EntryKind.HCP and e.id in members]
        self.model.set_records(entries)
        self.show_all.setVisible(self._only is not None)
        if self._only is not None:
            text = f"{len(entries)} HCPs at {self._only[0]}"
        elif self.listing.text:
            text = f"{len(entries)} found for “{self.listing.text}”"
            if self.listing.truncated:
                text += " — the first ones only; type more to narrow the search"
        else:
            text = f"{len(entries)} in your territory"
        self.count.setText(text)

    # -- opening ------------------------------------------------------------------------------------------------
    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_entry(self.model.record(index.row()))

    def open_entry(self, entry: DirectoryEntry) -> None:
        """Open an HCP; for an account, list its HCPs (the search's other matches come back with Show everyone)."""
        if entry.kind is EntryKind.HCP:
            self.hcp_activated.emit(entry.id)
            return
        if self.listing is not None and entry.hcp_ids:
            missing = set(entry.hcp_ids) - {e.id for e in self.listing.entries}
            self._only = (entry.name, frozenset(entry.hcp_ids))
            if missing:  # the account's HCPs did not match the words: search the whole territory for them
                self.search.blockSignals(True)  # (a changed search would drop the account)
                self.search.clear()
                self.search.blockSignals(False)
                self.reload()
                return
            self._show()

    def clear_account(self) -> None:
        self._only = None
        self._show()

    def open_first(self) -> None:
        if self.model.rowCount():
            self.open_entry(self.model.record(0))


__all__ = ["DirectoryModel", "DirectoryView", "standing_text"]
