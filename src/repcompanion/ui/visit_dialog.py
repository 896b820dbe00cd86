"""Log a visit: what happened, what was shown and left, the note — screened on save, locked on submit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import (
    CallReport,
    CallType,
    ProductId,
    SampleDrop,
    ScreeningDecisionKind,
    ValidationError,
)
from repcompanion.ui import theme
from repcompanion.ui.follow_up_preview import FollowUpPreview
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.safety_dialog import IntakeDialog, highlighted_html
from repcompanion.ui.widgets import Card, Chip, button, label
from repcompanion.workspace.ui_support import (
    VisitCatalogue,
    report_from_payload,
    report_to_payload,
    sample_problems,
    visit_catalogue,
)

CALL_TYPES = {
    CallType.IN_PERSON: "In person",
    CallType.REMOTE: "Remote meeting",
    CallType.PHONE: "Phone",
    CallType.GROUP: "Group / lunch & learn",
}
AUTOSAVE_MS = 3000


@dataclass
class SaveOutcome:
    report: CallReport
    screen: Any
    restricted: list[Any]
    submitted: bool


def autosave_key(report_id: str) -> str:
    return f"visit:{report_id}"


class VisitDialog(QDialog):
    """One visit's call report; ``submitted`` fires once it is locked and queued for the hub."""

    saved = Signal(object)
    submitted = Signal(object)
    screened = Signal(object)
    ready_changed = Signal()

    def __init__(
        self,
        hcp_id: str,
        parent: QWidget | None = None,
        *,
        report: CallReport | None = None,
        restore: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log a visit")
        self.setAccessibleName("Log a visit")
        self.setMinimumSize(980, 720)
        self.hcp_id = hcp_id
        self.report: CallReport | None = report or (report_from_payload(restore) if restore else None)
        self.catalogue: VisitCatalogue | None = None
        self.ready = False
        self.screen_done = False
        self.last_screen: Any = None
        self.intake: Any = None
        self._dirty = False
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._build()
        self._load()

    # -- building -------------------------------------------------------------------------------------------
    def _checklist(self, name: str) -> QListWidget:
        lst = QListWidget()
        lst.setAccessibleName(name)
        lst.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        lst.itemChanged.connect(self._changed)
        return lst

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(20, 16, 20, 16)
        root.setSpacing(12)
        head = QHBoxLayout()
        self.title = label("Log a visit", "PageTitle")
        head.addWidget(self.title, 1)
        self.status_chip = Chip("Draft", "info")
        head.addWidget(self.status_chip)
        root.addLayout(head)
        self.message = label("", wrap=True)
        self.message.setObjectName("Banner")
        self.message.hide()
        root.addWidget(self.message)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(12)
        left = Card("The visit")
        form = QFormLayout()
        form.setSpacing(8)
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd dd MMM yyyy  HH:mm")
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
        form.addRow("When", self.when)
        form.addRow("Duration", self.duration)
        form.addRow("Type", self.call_type)
        form.addRow("Attendees", self.attendees)
        left.body.addLayout(form)
        self.products = self._checklist("Products discussed")
        self.products.setMaximumHeight(90)
        left.body.addWidget(label("Products discussed", "Muted"))
        left.body.addWidget(self.products)
        grid.addWidget(left, 0, 0)

        mid = Card("Discussed and shown")
        mid.body.addWidget(label("Topics (approved catalogue)", "Muted"))
        self.topics = self._checklist("Topics discussed")
        mid.body.addWidget(self.topics, 1)
        mid.body.addWidget(label("Approved content shown", "Muted"))
        self.content = self._checklist("Content shown")
        mid.body.addWidget(self.content, 1)
        grid.addWidget(mid, 0, 1)

        samples = Card("Samples left")
        self.samples = QTableWidget(0, 3)
        self.samples.setHorizontalHeaderLabels(["Product", "Lot", "Quantity"])
        self.samples.setAccessibleName("Samples")
        self.samples.verticalHeader().hide()
        self.samples.horizontalHeader().setStretchLastSection(True)
        self.samples.setColumnWidth(0, 150)
        self.samples.setColumnWidth(1, 120)
        self.samples.itemChanged.connect(self._changed)
        samples.body.addWidget(self.samples, 1)
        row = QHBoxLayout()
        self.add_sample = QPushButton("Add sample")
        self.add_sample.setAccessibleName("Add sample")
        self.add_sample.clicked.connect(lambda: self.add_sample_row())
        self.remove_sample = QPushButton("Remove")
        self.remove_sample.setAccessibleName("Remove sample")
        self.remove_sample.clicked.connect(self._remove_sample)
        row.addWidget(self.add_sample)
        row.addWidget(self.remove_sample)
        row.addStretch(1)
        samples.body.addLayout(row)
        self.sample_check = label("", wrap=True)
        samples.body.addWidget(self.sample_check)
        grid.addWidget(samples, 0, 2)

        notes = Card("Notes")
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Visit notes")
        self.notes.setPlaceholderText(
            "What was discussed, questions asked, what to follow up. Mentions of side effects or product "
            "problems are screened when you save."
        )
        self.notes.textChanged.connect(self._changed)
        notes.body.addWidget(self.notes, 1)
        self.autosave_label = label("", "Muted")
        notes.body.addWidget(self.autosave_label)
        grid.addWidget(notes, 1, 0, 1, 2)

        self.safety = Card("Possible adverse event — your decision is needed")
        self.safety_text = QTextBrowser()
        self.safety_text.setAccessibleName("Flagged phrases")
        self.safety_text.setMaximumHeight(130)
        self.safety.body.addWidget(self.safety_text)
        self.safety_categories = label("", "Muted", wrap=True)
        self.safety.body.addWidget(self.safety_categories)
        self.decision = QButtonGroup(self)
        self.report_ae = QRadioButton("Report it (opens the adverse-event form)")
        self.not_ae = QRadioButton("Not an adverse event")
        self.report_ae.setAccessibleName("Report as adverse event")
        self.not_ae.setAccessibleName("Not an adverse event")
        self.decision.addButton(self.report_ae)
        self.decision.addButton(self.not_ae)
        self.safety.body.addWidget(self.report_ae)
        self.safety.body.addWidget(self.not_ae)
        self.not_ae_reason = QLineEdit()
        self.not_ae_reason.setPlaceholderText("Why not? (kept for audit) e.g. 'refers to the disease, not our product'")
        self.not_ae_reason.setAccessibleName("Reason it is not an adverse event")
        self.safety.body.addWidget(self.not_ae_reason)
        self.report_ae.toggled.connect(lambda on: on and self._open_intake())
        self.not_ae.toggled.connect(lambda on: self.not_ae_reason.setEnabled(on))
        self.not_ae_reason.setEnabled(False)
        self.safety.hide()
        side = QVBoxLayout()
        side.addWidget(self.safety, 3)
        self.follow_up_preview = FollowUpPreview()
        side.addWidget(self.follow_up_preview, 2)
        grid.addLayout(side, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 3)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        root.addLayout(grid, 1)

        buttons = QHBoxLayout()
        self.hint = label("Ctrl+S saves a draft · Ctrl+Enter submits · notes are autosaved", "Muted")
        buttons.addWidget(self.hint, 1)
        self.close_button = button("Close")
        self.close_button.clicked.connect(self.reject)
        self.save_button = button("Save draft", "draft", tip="Save and screen the note (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save(submit=False))
        self.submit_button = button("Submit", "lock", primary=True, tip="Lock the report and queue it (Ctrl+Enter)")
        self.submit_button.clicked.connect(lambda: self.save(submit=True))
        for b in (self.close_button, self.save_button, self.submit_button):
            buttons.addWidget(b)
        root.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=lambda: self.save(submit=False))
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=lambda: self.save(submit=True))
        self.setEnabled(False)

    # -- loading --------------------------------------------------------------------------------------------
    def _load(self) -> None:
        hcp_id, existing = self.hcp_id, self.report

        def job(ws: Any) -> tuple[VisitCatalogue, CallReport]:
            return visit_catalogue(ws, hcp_id), existing or ws.new_visit(hcp_id)

        Op(self, job).success(self._loaded).failure(self._failed).run()

    def _loaded(self, result: tuple[VisitCatalogue, CallReport]) -> None:
        self.catalogue, report = result
        self.report = report
        self.title.setText(f"Visit with {self.catalogue.hcp.display_name}")
        for lst, items in (
            (self.products, [(p.id, p.name) for p in self.catalogue.products]),
            (self.topics, [(t, t.replace("_", " ").capitalize()) for t in self.catalogue.topics]),
            (self.content, [(c.id, f"{c.title}  ·  {c.mlr_code}") for c in self.catalogue.content]),
        ):
            lst.blockSignals(True)
            for key, text in items:
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, key)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                lst.addItem(item)
            lst.blockSignals(False)
        self.set_report(report)
        self.setEnabled(True)
        self.ready = True
        self._dirty = False
        self.ready_changed.emit()
        self.follow_up_preview.schedule(self.current_report)
        self.notes.setFocus()

    def _failed(self, error: BaseException) -> None:
        self.setEnabled(True)
        self.show_message(error_text(error), "error")
        for w in (self.save_button, self.submit_button):
            w.setEnabled(False)

    def set_report(self, r: CallReport) -> None:
        """Show ``r`` in the form (locked when it was submitted)."""
        self._loading = True
        self.when.setDateTime(QDateTime(r.started_at.astimezone()))
        self.duration.setValue(r.duration_min)
        self.call_type.setCurrentIndex(max(self.call_type.findData(r.call_type.value), 0))
        self.attendees.setText(", ".join(r.attendees))
        for lst, chosen in ((self.products, r.products), (self.topics, r.topics), (self.content, r.content_shown)):
            lst.blockSignals(True)
            for i in range(lst.count()):
                item = lst.item(i)
                on = item.data(Qt.ItemDataRole.UserRole) in chosen
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            lst.blockSignals(False)
        self.samples.setRowCount(0)
        for s in r.samples:
            self.add_sample_row(s.product_id, s.lot, s.quantity)
        self.notes.blockSignals(True)
        self.notes.setPlainText(r.notes)
        self.notes.blockSignals(False)
        self.follow_up_preview.restore(r)
        self._loading = False
        self._lock(r.submitted)
        self._check_samples()

    def _lock(self, locked: bool) -> None:
        for w in (
            self.when,
            self.duration,
            self.call_type,
            self.attendees,
            self.products,
            self.topics,
            self.content,
            self.samples,
            self.add_sample,
            self.remove_sample,
            self.save_button,
            self.submit_button,
            self.report_ae,
            self.not_ae,
            self.not_ae_reason,
            self.follow_up_preview.list,
        ):
            w.setEnabled(not locked)
        self.notes.setReadOnly(locked)
        if locked:
            self.status_chip.setText("Submitted — locked")
            self.status_chip.set_color("success")
            self.hint.setText("This report was submitted and can no longer change. Log a new visit to add to it.")

    # -- editing --------------------------------------------------------------------------------------------
    def add_sample_row(self, product_id: str = "", lot: str = "", quantity: int = 1) -> None:
        row = self.samples.rowCount()
        self.samples.insertRow(row)
        combo = QComboBox()
        combo.setAccessibleName("Sample product")
        for p in self.catalogue.products if self.catalogue else []:
            limit = f" (max {p.sample_limit_per_visit})" if p.sample_limit_per_visit else " (no samples)"
            combo.addItem(p.name + limit, p.id)
        combo.setCurrentIndex(max(combo.findData(product_id), 0))
        combo.currentIndexChanged.connect(self._changed)
        self.samples.setCellWidget(row, 0, combo)
        lot_edit = QLineEdit(lot)
        lot_edit.setPlaceholderText("Lot number")
        lot_edit.setAccessibleName("Lot number")
        lot_edit.textChanged.connect(self._changed)
        self.samples.setCellWidget(row, 1, lot_edit)
        qty = QSpinBox()
        qty.setRange(1, 999)
        qty.setValue(quantity)
        qty.setAccessibleName("Quantity")
        qty.valueChanged.connect(self._changed)
        self.samples.setCellWidget(row, 2, qty)
        self._changed()

    def _remove_sample(self) -> None:
        row = self.samples.currentRow()
        if row < 0:
            row = self.samples.rowCount() - 1
        if row >= 0:
            self.samples.removeRow(row)
            self._changed()

    def _samples(self) -> tuple[list[SampleDrop], list[str]]:
        drops, problems = [], []
        for row in range(self.samples.rowCount()):
            combo, lot, qty = (self.samples.cellWidget(row, c) for c in range(3))
            try:
                drops.append(SampleDrop(ProductId(combo.currentData()), lot.text().strip(), qty.value()))
            except ValidationError as exc:
                problems.append(f"Sample line {row + 1}: {exc.message}")
        return drops, problems

    def _check_samples(self) -> list[str]:
        drops, problems = self._samples()
        products = {p.id: p for p in self.catalogue.products} if self.catalogue else {}
        problems += sample_problems(drops, products)
        t = theme.current()
        if problems:
            self.sample_check.setText(f"<span style='color:{t['danger']}'>" + "<br>".join(problems) + "</span>")
        elif drops:
            self.sample_check.setText(f"<span style='color:{t['success']}'>✓ Within the per-visit limits.</span>")
        else:
            self.sample_check.setText("")
        return problems

    def _changed(self, *_args: object) -> None:
        if getattr(self, "_loading", False) or not self.ready:
            return
        self._dirty = True
        self._check_samples()
        self._autosave_timer.start()
        if self.sender() is not self.notes:
            self.follow_up_preview.schedule(self.current_report)
        if self.last_screen is not None and self.sender() is self.notes:
            self.screen_done = False

    def current_report(self) -> CallReport:
        """The report as the form shows it now."""
        assert self.report is not None and self.catalogue is not None

        def checked(lst: QListWidget) -> tuple[str, ...]:
            return tuple(
                lst.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(lst.count())
                if lst.item(i).checkState() == Qt.CheckState.Checked
            )

        drops, _ = self._samples()
        started = self.when.dateTime().toPython()
        if started.tzinfo is None:
            started = started.astimezone()
        report = self.report.edited(
            started_at=started,
            duration_min=self.duration.value(),
            call_type=CallType(self.call_type.currentData()),
            attendees=tuple(a.strip() for a in self.attendees.text().split(",") if a.strip()),
            products=checked(self.products),
            topics=checked(self.topics),
            content_shown=checked(self.content),
            samples=tuple(drops),
            notes=self.notes.toPlainText(),
        )
        return self.follow_up_preview.apply(report)

    def set_note(self, text: str) -> None:
        self.notes.setPlainText(text)

    def check_items(self, which: str, keys: list[str]) -> None:
        lst = {"products": self.products, "topics": self.topics, "content": self.content}[which]
        for i in range(lst.count()):
            if lst.item(i).data(Qt.ItemDataRole.UserRole) in keys:
                lst.item(i).setCheckState(Qt.CheckState.Checked)

    # -- autosave -------------------------------------------------------------------------------------------
    def autosave_now(self) -> Op | None:
        if not self.ready or self.report is None or self.report.submitted or not self._dirty:
            return None
        try:
            payload = report_to_payload(self.current_report())
        except ValidationError:
            return None
        key, hcp_id = autosave_key(self.report.id), self.hcp_id
        self._dirty = False
        return (
            Op(self, lambda ws: ws.autosave(key, payload, hcp_id))
            .success(
                lambda _r: self.autosave_label.setText(
                    f"Autosaved at {QDateTime.currentDateTime().toString('HH:mm:ss')}"
                )
            )
            .failure(lambda e: self.autosave_label.setText("Autosave failed: " + error_text(e).split("\n")[0]))
            .run()
        )

    # -- saving, screening, submitting -----------------------------------------------------------------------
    def show_message(self, text: str, kind: str = "info") -> None:
        self.message.setProperty("kind", kind)
        self.message.setText(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    def decision_made(self) -> bool:
        if self.report_ae.isChecked():
            return self.intake is not None
        return self.not_ae.isChecked() and bool(self.not_ae_reason.text().strip())

    def save(self, *, submit: bool) -> Op | None:
        if not self.ready or self.report is None or self.report.submitted:
            return None
        problems = self._check_samples()
        if submit and problems:
            self.show_message("Fix the samples before submitting: " + " ".join(problems), "error")
            return None
        try:
            report = self.current_report()
        except ValidationError as exc:
            self.show_message(exc.user_message(), "error")
            return None
        decision = None
        if self.report_ae.isChecked() and self.intake is not None:
            decision = (ScreeningDecisionKind.REPORT, "", self.intake)
        elif self.not_ae.isChecked() and self.not_ae_reason.text().strip():
            decision = (ScreeningDecisionKind.NOT_AN_AE, self.not_ae_reason.text().strip(), None)
        key = autosave_key(report.id)

        def job(ws: Any) -> SaveOutcome:
            saved = ws.save_draft(report)
            result = ws.screen_note(report.notes)
            restricted = list(ws.check_restricted(report.notes))
            if submit and not restricted and (not result.flag or decision is not None):
                if result.flag and decision is not None:
                    kind, reason, intake = decision
                    ws.record_screening(saved, kind, reason=reason, intake=intake)
                saved = ws.submit_visit(saved)
            ws.discard_autosave(key)
            return SaveOutcome(saved, result, restricted, saved.submitted)

        self.save_button.setEnabled(False)
        self.submit_button.setEnabled(False)
        return Op(self, job).success(lambda o: self._saved(o, submit)).failure(self._save_failed).run()

    def _save_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.submit_button.setEnabled(True)
        self.show_message(error_text(error), "error")

    def _saved(self, outcome: SaveOutcome, wanted_submit: bool) -> None:
        self.report = outcome.report
        self._dirty = False
        self.last_screen = outcome.screen
        self.screen_done = True
        self.save_button.setEnabled(True)
        self.submit_button.setEnabled(True)
        self._show_screen(outcome.screen, outcome.restricted)
        self.screened.emit(outcome.screen)
        if outcome.submitted:
            self._lock(True)
            self.show_message("Submitted. The report is locked and will be uploaded at the next sync.", "info")
            self.submitted.emit(outcome.report)
            return
        self.saved.emit(outcome.report)
        if wanted_submit and outcome.restricted:
            self.show_message(
                "Saved as a draft. Rephrase the highlighted restricted words before submitting.", "warning"
            )
        elif wanted_submit and outcome.screen.flag:
            self.show_message(
                "Saved as a draft. This note may describe an adverse event: choose 'Report it' or "
                "'Not an adverse event' (with a reason) to submit.",
                "warning",
            )
        else:
            self.show_message("Saved as a draft.", "info")

    def _show_screen(self, result: Any, restricted: list[Any]) -> None:
        notes = self.notes.toPlainText()
        if not result.flag and not restricted:
            self.safety.hide()
            return
        self.safety.show()
        parts = []
        if result.flag:
            parts.append(highlighted_html(notes, list(result.spans), "warning"))
            cats = ", ".join(c.replace("_", " ") for c in result.categories)
            self.safety_categories.setText(f"Flagged as: {cats} (score {result.score:.2f})")
        else:
            self.safety_categories.setText("")
        if restricted:
            spans = [r for r in restricted if hasattr(r, "start")]
            parts.append("<p><b>Restricted words</b> (not allowed in a submitted note):</p>")
            parts.append(highlighted_html(notes, spans, "danger") if spans else ", ".join(map(str, restricted)))
        self.safety_text.setHtml("".join(parts))
        for w in (self.report_ae, self.not_ae, self.not_ae_reason):
            w.setVisible(bool(result.flag))
        if self.safety.title_label is not None:
            self.safety.title_label.setText(
                "Possible adverse event — your decision is needed" if result.flag else "Restricted words"
            )

    def _open_intake(self) -> None:
        if self.report is None or self.catalogue is None:
            return
        report, screen = self.current_report(), self.last_screen

        def opened(intake: Any) -> None:
            dlg = IntakeDialog(intake, self.catalogue.products if self.catalogue else [], self)
            self.intake_dialog = dlg
            if dlg.exec() == QDialog.DialogCode.Accepted:
                self.intake = dlg.result_intake()
                self.show_message("The adverse-event report will be sent first at the next sync. Submit when ready.")
            else:
                self.intake = None
                self.decision.setExclusive(False)
                self.report_ae.setChecked(False)
                self.decision.setExclusive(True)

        Op(self, lambda ws: ws.draft_intake(report, screen)).success(opened).run()

    def reject(self) -> None:
        if self._dirty:
            self.autosave_now()
        super().reject()
