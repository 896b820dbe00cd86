"""Log a visit: what happened, what was shown and left, the note — screened on save, locked on submit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDateTime, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWidget

from repcompanion.domain import CallReport, ValidationError
from repcompanion.ui.follow_up_preview import FollowUpPreview
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.safety_dialog import IntakeDialog
from repcompanion.ui.visit_drafts import AUTOSAVE_MS, SaveOutcome, autosave_key, save_visit
from repcompanion.ui.visit_form import CALL_TYPES, DiscussedCard, VisitDetailsCard, tick
from repcompanion.ui.visit_safety import SafetyCard
from repcompanion.ui.visit_samples import SamplesCard
from repcompanion.ui.widgets import Card, Chip, button, label
from repcompanion.workspace.ui_support import VisitCatalogue, report_from_payload, report_to_payload, visit_catalogue

# Callers and tests import these from here; the parts of the dialog live in the visit_* modules.
__all__ = ["AUTOSAVE_MS", "CALL_TYPES", "SaveOutcome", "VisitDialog", "autosave_key"]


class VisitDialog(QDialog):
    """One visit's call report; ``submitted`` fires once it is locked and queued for the hub."""

    saved = Signal(object)
    submitted = Signal(object)

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
        self.details = VisitDetailsCard(self._changed)
        self.attendees = self.details.attendees
        grid.addWidget(self.details, 0, 0)
        self.discussed = DiscussedCard(self._changed)
        grid.addWidget(self.discussed, 0, 1)
        self.samples_card = SamplesCard(self._changed)
        grid.addWidget(self.samples_card, 0, 2)

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

        self.safety = SafetyCard()
        self.safety_text = self.safety.text
        self.report_ae = self.safety.report_ae
        self.not_ae = self.safety.not_ae
        self.not_ae_reason = self.safety.not_ae_reason
        self.report_ae.toggled.connect(lambda on: on and self._open_intake())
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
        self.details.fill(self.catalogue)
        self.discussed.fill(self.catalogue)
        self.samples_card.products = self.catalogue.products
        self.set_report(report)
        self.setEnabled(True)
        self.ready = True
        self._dirty = False
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
        self.details.show_report(r)
        self.discussed.show_report(r)
        self.samples_card.show_drops(r.samples)
        self.notes.blockSignals(True)
        self.notes.setPlainText(r.notes)
        self.notes.blockSignals(False)
        self.follow_up_preview.restore(r)
        self._loading = False
        self._lock(r.submitted)
        self.samples_card.check()

    def _lock(self, locked: bool) -> None:
        for card in (self.details, self.discussed, self.samples_card):
            card.set_locked(locked)
        for w in (self.save_button, self.submit_button):
            w.setEnabled(not locked)
        self.safety.set_locked(locked)
        self.follow_up_preview.list.setEnabled(not locked)
        self.notes.setReadOnly(locked)
        if locked:
            self.status_chip.setText("Submitted — locked")
            self.status_chip.set_color("success")
            self.hint.setText("This report was submitted and can no longer change. Log a new visit to add to it.")

    # -- editing --------------------------------------------------------------------------------------------
    def add_sample_row(self, product_id: str = "", lot: str = "", quantity: int = 1) -> None:
        self.samples_card.add_row(product_id, lot, quantity)

    def _changed(self, *_args: object) -> None:
        if getattr(self, "_loading", False) or not self.ready:
            return
        self._dirty = True
        self.samples_card.check()
        self._autosave_timer.start()
        if self.sender() is not self.notes:
            self.follow_up_preview.schedule(self.current_report)
        if self.last_screen is not None and self.sender() is self.notes:
            self.screen_done = False

    def current_report(self) -> CallReport:
        """The report as the form shows it now."""
        assert self.report is not None and self.catalogue is not None
        drops, _ = self.samples_card.drops()
        report = self.report.edited(
            **self.details.edits(),
            **self.discussed.edits(),
            samples=tuple(drops),
            notes=self.notes.toPlainText(),
        )
        return self.follow_up_preview.apply(report)

    def set_note(self, text: str) -> None:
        self.notes.setPlainText(text)

    def check_items(self, which: str, keys: list[str]) -> None:
        lists = {"products": self.details.products, "topics": self.discussed.topics, "content": self.discussed.content}
        tick(lists[which], keys)

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

    def save(self, *, submit: bool) -> Op | None:
        if not self.ready or self.report is None or self.report.submitted:
            return None
        problems = self.samples_card.check()
        if submit and problems:
            self.show_message("Fix the samples before submitting: " + " ".join(problems), "error")
            return None
        try:
            report = self.current_report()
        except ValidationError as exc:
            self.show_message(exc.user_message(), "error")
            return None
        decision = self.safety.chosen(self.intake)
        self.save_button.setEnabled(False)
        self.submit_button.setEnabled(False)
        return (
            Op(self, lambda ws: save_visit(ws, report, submit=submit, decision=decision))
            .success(lambda o: self._saved(o, submit))
            .failure(self._save_failed)
            .run()
        )

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
        self.safety.show_screen(outcome.screen, outcome.restricted, self.notes.toPlainText())
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

    def _open_intake(self) -> None:
        if self.report is None or self.catalogue is None:
            return
        report, screen = self.current_report(), self.last_screen

        def opened(intake: Any) -> None:
            dlg = IntakeDialog(intake, self.catalogue.products if self.catalogue else [], self)
            if dlg.exec() == QDialog.DialogCode.Accepted:
                self.intake = dlg.result_intake()
                self.show_message("The adverse-event report will be sent first at the next sync. Submit when ready.")
            else:
                self.intake = None
                self.safety.untick_report()

        Op(self, lambda ws: ws.draft_intake(report, screen)).success(opened).run()

    def reject(self) -> None:
        if self._dirty:
            self.autosave_now()
        super().reject()
