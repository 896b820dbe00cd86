"""Log a visit: what happened, what was shown and left, the note — screened on save, locked on submit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QSize, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import AdverseEventIntake, CallReport, NotFoundError, ValidationError
from repcompanion.ui.follow_up_preview import FollowUpPreview
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.safety_dialog import IntakeDialog
from repcompanion.ui.visit_form import CALL_TYPES, DiscussedCard, VisitDetailsCard, tick
from repcompanion.ui.visit_safety import SafetyCard, draft_message, side_panel
from repcompanion.ui.visit_samples import SamplesCard
from repcompanion.ui.widgets import Card, Chip, ask, button, fit_to_screen, label, scrolled
from repcompanion.workspace import (
    ReportedIntake,
    VisitCatalogue,
    VisitSafety,
    VisitSave,
    Workspace,
    autosave_key,
    is_empty_visit,
    report_from_payload,
    report_to_payload,
    visit_catalogue,
)

if TYPE_CHECKING:
    from repcompanion.workspace import ScreenResult

Loaded = tuple[VisitCatalogue, CallReport, VisitSafety | None, bool]
#: How long typing settles before the note is autosaved (a crash loses at most this much).
AUTOSAVE_MS = 3000
#: The form's size when there is room, and the least before it scrolls (a 1024×768 screen at 125%).
FORM_SIZE, FORM_MINIMUM = QSize(1180, 860), QSize(760, 600)

# The parts of the dialog live in the visit_* modules.
__all__ = ["AUTOSAVE_MS", "CALL_TYPES", "VisitDialog"]


class VisitDialog(QDialog):
    """One visit's call report; ``submitted`` fires once it is locked and queued for the hub.

    Closing with changes not saved, or with a flagged note not decided, asks first (``prompt``).
    """

    saved = Signal(object)
    submitted = Signal(object)

    def __init__(
        self,
        hcp_id: str,
        parent: QWidget | None = None,
        *,
        report: CallReport | None = None,
        restore: dict[str, object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log a visit")
        self.setAccessibleName("Log a visit")
        self.hcp_id = hcp_id
        self.report: CallReport | None = report or (report_from_payload(restore) if restore else None)
        self.catalogue: VisitCatalogue | None = None
        self.ready = False
        self.screen_done = False
        self.last_screen: ScreenResult | None = None
        self.intake: AdverseEventIntake | None = None
        self.prompt: QMessageBox | None = None
        self.report_view: IntakeDialog | None = None
        self._dirty = False  # changes not autosaved yet
        self._unsaved = False  # changes not saved to the draft yet
        self._decided = False  # a decision on the flagged note is recorded
        self._close_after_save = False
        self._closing = False
        self._loading = False  # the form is being filled from a report (not the rep typing)
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._build()
        fit_to_screen(self, self.sizeHint())
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
        grid.setContentsMargins(0, 0, 0, 0)
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
        self.report_ae.toggled.connect(self._report_toggled)
        self.not_ae.toggled.connect(self._choice_changed)
        self.not_ae_reason.textChanged.connect(self._choice_changed)
        self.safety.see_report.clicked.connect(self.show_reported)
        self.follow_up_preview = FollowUpPreview()
        self.side_scroll = side_panel(self.safety, self.follow_up_preview)
        grid.addWidget(self.side_scroll, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 3)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 2)
        root.addWidget(scrolled(grid, FORM_MINIMUM), 1)

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
        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(lambda: self.save(submit=False))
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(lambda: self.save(submit=True))
        self.setEnabled(False)

    def _report_toggled(self, on: bool) -> None:
        if on:
            self._open_intake()

    def sizeHint(self) -> QSize:
        return FORM_SIZE

    # -- loading --------------------------------------------------------------------------------------------
    def _load(self) -> None:
        hcp_id, existing = self.hcp_id, self.report

        def job(ws: Workspace) -> Loaded:
            catalogue = visit_catalogue(ws, hcp_id)
            if existing is None:
                return catalogue, ws.visits.new(hcp_id), None, False
            try:
                found = ws.visits.reopen(existing.id)
            except NotFoundError:  # a restored copy whose autosave was discarded meanwhile
                return catalogue, existing, ws.visits.safety(existing), True
            return catalogue, found.report, found.safety, found.unsaved_changes

        Op(self, job).success(self._loaded).failure(self._failed).run()

    def _loaded(self, result: Loaded) -> None:
        self.catalogue, report, safety, unsaved = result
        self.report = report
        self.title.setText(f"Visit with {self.catalogue.hcp.display_name}")
        self.details.fill(self.catalogue)
        self.discussed.fill(self.catalogue)
        self.samples_card.products = self.catalogue.products
        self.follow_up_preview.titles = {str(c.id): c.title for c in self.catalogue.content}
        self.set_report(report)
        if safety is not None:
            self._show_safety(safety, report)
        self.setEnabled(True)
        self.ready = True
        self._dirty = False
        self._unsaved = unsaved and not report.submitted
        if self._unsaved:
            self.show_message("This draft has changes that were not saved before the app stopped. Save to keep them.")
        self.follow_up_preview.schedule(self.current_report)
        self.notes.setFocus()

    def _show_safety(self, safety: VisitSafety, report: CallReport) -> None:
        """A reopened visit: its note screened again, and the decision (and report) recorded for it."""
        self.intake = safety.intake
        self._decided = safety.decision is not None
        self.safety.show_decision(safety.decision, safety.intake)
        if safety.screen is not None and (safety.screen.flag or safety.restricted or self.safety.reported):
            self.last_screen = safety.screen
            self.screen_done = True
            self.safety.show_screen(safety.screen, safety.restricted, report.notes)
        self.safety.set_locked(report.submitted)

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
        if self._loading or not self.ready:
            return
        self._dirty = True
        self._unsaved = True
        self.samples_card.check()
        self._autosave_timer.start()
        if self.sender() is not self.notes:
            self.follow_up_preview.schedule(self.current_report)
        if self.last_screen is not None and self.sender() is self.notes:
            self.screen_done = False

    def _choice_changed(self, *_args: object) -> None:
        if self.ready and not self._loading:
            self._unsaved = True

    def _undecided(self) -> bool:
        """The note was flagged and no decision on it is recorded."""
        flagged = self.last_screen is not None and self.last_screen.flag
        return flagged and not self._decided and not self.safety.reported

    def current_report(self) -> CallReport:
        """The report as the form shows it now."""
        assert self.report is not None and self.catalogue is not None
        if self.report.submitted:  # locked: the form can only show what was submitted (a late preview asks too)
            return self.report
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
            Op(self, lambda ws: ws.visits.autosave(key, payload, hcp_id))
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

    def save(self, *, submit: bool, confirm_empty: bool = False) -> Op | None:
        """Save the draft (and screen the note); with ``submit``, lock and queue it too when nothing stands in
        the way. An empty visit is submitted only once the rep confirms it (``confirm_empty``)."""
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
        if submit and not confirm_empty and is_empty_visit(report):
            self.prompt = ask(
                self,
                "Submit an empty visit?",
                "This visit has no product, topic or note. Add what you discussed, or submit it as a visit "
                "where nothing was discussed.",
                [("Submit anyway", lambda: self.save(submit=True, confirm_empty=True))],
                default="Keep editing",
            )
            return None
        decision = self.safety.chosen(self.intake)
        self.save_button.setEnabled(False)
        self.submit_button.setEnabled(False)
        return (
            Op(self, lambda ws: ws.visits.save(report, submit=submit, decision=decision, confirm_empty=confirm_empty))
            .success(lambda o: self._saved(o, submit))
            .failure(self._save_failed)
            .run()
        )

    def _save_failed(self, error: BaseException) -> None:
        self._close_after_save = False
        self.save_button.setEnabled(True)
        self.submit_button.setEnabled(True)
        self.show_message(error_text(error), "error")

    def _saved(self, outcome: VisitSave, wanted_submit: bool) -> None:
        self.report = outcome.report
        self._dirty = False
        self._unsaved = False
        self._decided = self._decided or outcome.decided
        self.last_screen = outcome.screen
        self.screen_done = True
        self.save_button.setEnabled(True)
        self.submit_button.setEnabled(True)
        self.safety.show_screen(outcome.screen, outcome.restricted, self.notes.toPlainText())
        if self._close_after_save:
            self._close_after_save = False
            self.saved.emit(outcome.report)
            if not self._undecided():
                self._close_now()
                return
            self.show_message(
                "Saved as a draft. This note may describe an adverse event: choose 'Report it' or 'Not an adverse "
                "event' before you close, or close again to decide later.",
                "warning",
            )
            return
        if outcome.submitted:
            self._lock(True)
            self.show_message("Submitted. The report is locked and will be uploaded at the next sync.", "info")
            self.submitted.emit(outcome.report)
            return
        self.saved.emit(outcome.report)
        self.show_message(*draft_message(outcome, wanted_submit))

    # -- reporting an adverse event -------------------------------------------------------------------------
    def _open_intake(self) -> None:
        if self.report is None or self.catalogue is None or self.safety.reported:
            return
        report, screen = self.current_report(), self.last_screen

        def opened(intake: AdverseEventIntake) -> None:
            dlg = IntakeDialog(intake, self.catalogue.products if self.catalogue else [], self)
            if dlg.exec() == QDialog.DialogCode.Accepted:
                self._report(dlg.result_intake())
            else:
                self.intake = None
                self.safety.untick_report()

        Op(self, lambda ws: ws.visits.draft_intake(report, screen)).success(opened).run()

    def _report(self, intake: AdverseEventIntake) -> Op:
        """Queue the intake now, with the visit kept as a draft: it is sent whatever becomes of this dialog."""
        report = self.current_report()
        self._decided = True  # from now on the report is written whatever the rep does with this dialog
        self.show_message("Saving the adverse-event report…")
        return (
            Op(self, lambda ws: ws.visits.report_intake(report, intake))
            .success(self._reported)
            .failure(self._report_failed)
            .run()
        )

    def _reported(self, result: ReportedIntake) -> None:
        self.intake, self.report = result.intake, result.report
        self._decided = True
        self._dirty = self._unsaved = False
        self.safety.set_reported(self.intake)
        self.show_message(
            "Reported. The adverse-event report is saved and goes first at the next sync, even if you close this "
            "visit now. Submit the visit when you are ready."
        )
        self.saved.emit(self.report)

    def _report_failed(self, error: BaseException) -> None:
        self.intake = None
        self._decided = False
        self.safety.untick_report()
        self.show_message("The adverse-event report was not saved: " + error_text(error), "error")

    def show_reported(self) -> None:
        """The adverse-event report made from this visit, read-only."""
        if self.safety.reported_intake is None:
            return
        products = self.catalogue.products if self.catalogue else []
        self.report_view = IntakeDialog(self.safety.reported_intake, products, self, read_only=True)
        self.report_view.open()

    # -- closing --------------------------------------------------------------------------------------------
    def reject(self) -> None:
        """Close; with changes not saved or a flagged note not decided, ask first."""
        if not self._closing and self.ready and self.report is not None and not self.report.submitted:
            unsaved, undecided = self._unsaved, self._undecided()
            if unsaved or undecided:
                self._ask_before_close(unsaved, undecided)
                return
        self._autosave_timer.stop()
        super().reject()

    def _ask_before_close(self, unsaved: bool, undecided: bool) -> None:
        lines = []
        if unsaved:
            lines.append("This visit has changes that are not saved.")
        if undecided:
            lines.append(
                "The note may describe an adverse event and you have not decided whether to report it. "
                "Pharmacovigilance must have a report within 24 hours of when you heard it."
            )
        if unsaved:
            actions = [("Save draft and close", self._save_and_close), ("Close without saving", self._discard)]
        else:
            actions = [("Close and decide later", self._close_now)]
        self.prompt = ask(self, "Close this visit?", "\n\n".join(lines), actions, default="Keep editing")

    def _save_and_close(self) -> None:
        self._close_after_save = True
        if self.save(submit=False) is None:
            self._close_after_save = False

    def _discard(self) -> None:
        if self.report is not None:
            key = autosave_key(self.report.id)
            Op(self, lambda ws: ws.visits.discard_autosave(key)).run()
        self._close_now()

    def _close_now(self) -> None:
        self._closing = True
        self.reject()
