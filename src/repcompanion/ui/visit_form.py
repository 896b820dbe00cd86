"""The fields of a visit: when, how long, what kind, who came, and the products, topics and content covered."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from repcompanion.domain import CallReport, CallType
from repcompanion.ui.dates import date_format, time_format
from repcompanion.ui.widgets import Card, label
from repcompanion.workspace import VisitCatalogue

CALL_TYPES = {
    CallType.IN_PERSON: "In person",
    CallType.REMOTE: "Remote meeting",
    CallType.PHONE: "Phone",
    CallType.GROUP: "Group / lunch & learn",
}


def checklist(name: str, on_change: Callable[..., object]) -> QListWidget:
    """A list of tickable items; ``on_change`` is called when one is ticked or unticked."""
    lst = QListWidget()
    lst.setAccessibleName(name)
    lst.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    lst.itemChanged.connect(on_change)
    return lst


def fill_checklist(lst: QListWidget, items: Iterable[tuple[str, str]]) -> None:
    """Add an unticked item per (key, text), quietly."""
    lst.blockSignals(True)
    for key, text in items:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        lst.addItem(item)
    lst.blockSignals(False)


def show_ticked(lst: QListWidget, chosen: Container[str]) -> None:
    """Tick exactly the items whose key is in ``chosen``, quietly."""
    lst.blockSignals(True)
    for i in range(lst.count()):
        item = lst.item(i)
        on = item.data(Qt.ItemDataRole.UserRole) in chosen
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
    lst.blockSignals(False)


def tick(lst: QListWidget, keys: Container[str]) -> None:
    """Tick the items whose key is in ``keys`` (as the rep would, so ``on_change`` hears each)."""
    for i in range(lst.count()):
        if lst.item(i).data(Qt.ItemDataRole.UserRole) in keys:
            lst.item(i).setCheckState(Qt.CheckState.Checked)


def ticked(lst: QListWidget) -> tuple[str, ...]:
    """The keys of the ticked items, in list order."""
    return tuple(
        lst.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(lst.count())
        if lst.item(i).checkState() == Qt.CheckState.Checked
    )


class VisitDetailsCard(Card):
    """The visit itself: time, duration, type, attendees and the products discussed."""

    def __init__(self, on_change: Callable[..., object], parent: QWidget | None = None) -> None:
        super().__init__("The visit", parent)
        form = QFormLayout()
        form.setSpacing(8)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat(f"ddd {date_format()}  {time_format()}")
        self.when.setAccessibleName("Visit time")
        self.duration = QSpinBox()
        self.duration.setRange(5, 480)
        self.duration.setSuffix(" min")
        self.duration.setAccessibleName("Duration")
        self.call_type = QComboBox()
        self.call_type.setAccessibleName("Visit type")
        for ct, text in CALL_TYPES.items():
            self.call_type.addItem(text, ct.value)
        self.attendees = QLineEdit()
        self.attendees.setPlaceholderText("Names, separated by commas")
        self.attendees.setAccessibleName("Attendees")
        self.when.dateTimeChanged.connect(on_change)
        self.duration.valueChanged.connect(on_change)
        self.call_type.currentIndexChanged.connect(on_change)
        self.attendees.textChanged.connect(on_change)
        form.addRow("When", self.when)
        form.addRow("Duration", self.duration)
        form.addRow("Type", self.call_type)
        form.addRow("Attendees", self.attendees)
        self.body.addLayout(form)
        self.products = checklist("Products discussed", on_change)
        self.products.setMaximumHeight(90)
        self.body.addWidget(label("Products discussed", "Muted"))
        self.body.addWidget(self.products)

    def fill(self, catalogue: VisitCatalogue) -> None:
        fill_checklist(self.products, [(p.id, p.name) for p in catalogue.products])

    def show_report(self, r: CallReport) -> None:
        self.when.setDateTime(QDateTime(r.started_at.astimezone()))
        self.duration.setValue(r.duration_min)
        self.call_type.setCurrentIndex(max(self.call_type.findData(r.call_type.value), 0))
        self.attendees.setText(", ".join(r.attendees))
        show_ticked(self.products, r.products)

    def edits(self) -> dict[str, Any]:
        """The fields as ``CallReport.edited`` keywords."""
        started = self.when.dateTime().toPython()
        assert isinstance(started, datetime)
        if started.tzinfo is None:
            started = started.astimezone()
        return {
            "started_at": started,
            "duration_min": self.duration.value(),
            "call_type": CallType(self.call_type.currentData()),
            "attendees": tuple(a.strip() for a in self.attendees.text().split(",") if a.strip()),
            "products": ticked(self.products),
        }

    def set_locked(self, locked: bool) -> None:
        for w in (self.when, self.duration, self.call_type, self.attendees, self.products):
            w.setEnabled(not locked)


class DiscussedCard(Card):
    """What was discussed and shown: topics from the approved catalogue and approved content."""

    def __init__(self, on_change: Callable[..., object], parent: QWidget | None = None) -> None:
        super().__init__("Discussed and shown", parent)
        self.body.addWidget(label("Topics (approved catalogue)", "Muted"))
        self.topics = checklist("Topics discussed", on_change)
        self.body.addWidget(self.topics, 1)
        self.body.addWidget(label("Approved content shown", "Muted"))
        self.content = checklist("Content shown", on_change)
        self.body.addWidget(self.content, 1)

    def fill(self, catalogue: VisitCatalogue) -> None:
        fill_checklist(self.topics, [(t, t.replace("_", " ").capitalize()) for t in catalogue.topics])
        fill_checklist(self.content, [(c.id, f"{c.title}  ·  {c.mlr_code}") for c in catalogue.content])

    def show_report(self, r: CallReport) -> None:
        show_ticked(self.topics, r.topics)
        show_ticked(self.content, r.content_shown)

    def edits(self) -> dict[str, Any]:
        """The ticks as ``CallReport.edited`` keywords."""
        return {"topics": ticked(self.topics), "content_shown": ticked(self.content)}

    def set_locked(self, locked: bool) -> None:
        for w in (self.topics, self.content):
            w.setEnabled(not locked)
