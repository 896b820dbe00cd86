"""The samples left at a visit: product, lot and quantity per line, checked against the per-visit limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QTableWidget, QWidget

from repcompanion.domain import Product, ProductId, SampleDrop, ValidationError
from repcompanion.ui import theme
from repcompanion.ui.widgets import Card, label
from repcompanion.workspace import sample_problems


class SamplesCard(Card):
    """A table of sample lines with Add/Remove; ``on_change`` is called whenever a line changes."""

    def __init__(self, on_change: Callable[..., object], parent: QWidget | None = None) -> None:
        super().__init__("Samples left", parent)
        self.on_change = on_change
        self.products: list[Product] = []
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Product", "Lot", "Quantity"])
        self.table.setAccessibleName("Samples")
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 150)
        self.table.setColumnWidth(1, 120)
        self.table.itemChanged.connect(on_change)
        self.body.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add sample")
        self.add_button.setAccessibleName("Add sample")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button = QPushButton("Remove")
        self.remove_button.setAccessibleName("Remove sample")
        self.remove_button.clicked.connect(self.remove_row)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.check_label = label("", wrap=True)
        self.body.addWidget(self.check_label)

    def add_row(self, product_id: str = "", lot: str = "", quantity: int = 1) -> None:
        """Append a sample line offering ``products`` (each with its per-visit limit)."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        combo = QComboBox()
        combo.setAccessibleName("Sample product")
        for p in self.products:
            limit = f" (max {p.sample_limit_per_visit})" if p.sample_limit_per_visit else " (no samples)"
            combo.addItem(p.name + limit, p.id)
        combo.setCurrentIndex(max(combo.findData(product_id), 0))
        combo.currentIndexChanged.connect(self.on_change)
        self.table.setCellWidget(row, 0, combo)
        lot_edit = QLineEdit(lot)
        lot_edit.setPlaceholderText("Lot number")
        lot_edit.setAccessibleName("Lot number")
        lot_edit.textChanged.connect(self.on_change)
        self.table.setCellWidget(row, 1, lot_edit)
        qty = QSpinBox()
        qty.setRange(1, 999)
        qty.setValue(quantity)
        qty.setAccessibleName("Quantity")
        qty.valueChanged.connect(self.on_change)
        self.table.setCellWidget(row, 2, qty)
        self.on_change()

    def remove_row(self) -> None:
        """Remove the current line, or the last one when none is current."""
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            self.on_change()

    def show_drops(self, samples: Iterable[SampleDrop]) -> None:
        """Replace the lines with ``samples``."""
        self.table.setRowCount(0)
        for s in samples:
            self.add_row(s.product_id, s.lot, s.quantity)

    def drops(self) -> tuple[list[SampleDrop], list[str]]:
        """The lines as sample drops, and what is wrong with the lines that are not valid drops."""
        drops, problems = [], []
        for row in range(self.table.rowCount()):
            combo, lot, qty = (
                self.table.cellWidget(row, 0),
                self.table.cellWidget(row, 1),
                self.table.cellWidget(row, 2),
            )
            assert isinstance(combo, QComboBox) and isinstance(lot, QLineEdit) and isinstance(qty, QSpinBox)
            try:
                drops.append(SampleDrop(ProductId(combo.currentData()), lot.text().strip(), qty.value()))
            except ValidationError as exc:
                problems.append(f"Sample line {row + 1}: {exc.message}")
        return drops, problems

    def check(self) -> list[str]:
        """Show whether the lines are valid and within the per-visit limits; return the problems."""
        drops, problems = self.drops()
        problems += sample_problems(drops, {p.id: p for p in self.products})
        t = theme.current()
        if problems:
            self.check_label.setText(f"<span style='color:{t['danger']}'>" + "<br>".join(problems) + "</span>")
        elif drops:
            self.check_label.setText(f"<span style='color:{t['success']}'>✓ Within the per-visit limits.</span>")
        else:
            self.check_label.setText("")
        return problems

    def set_locked(self, locked: bool) -> None:
        for w in (self.table, self.add_button, self.remove_button):
            w.setEnabled(not locked)
