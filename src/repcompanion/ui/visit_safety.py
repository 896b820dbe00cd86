"""The safety-screening step of a visit: flagged phrases, restricted words, and the rep's adverse-event decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QLineEdit, QRadioButton, QScrollArea, QTextBrowser, QVBoxLayout, QWidget

from repcompanion.domain import AdverseEventIntake, ScreeningDecision, ScreeningDecisionKind
from repcompanion.ui.safety_dialog import clock_text, highlighted_html
from repcompanion.ui.widgets import Card, button, label
from repcompanion.workspace import DecisionChoice, VisitSave

if TYPE_CHECKING:
    from repcompanion.workspace import RestrictedHit, ScreenResult

FLAGGED_TITLE = "Possible adverse event — your decision is needed"
REPORTED_TITLE = "Adverse event reported"


class SafetyCard(Card):
    """Hidden until a save screens the note; then shows what was flagged and asks: report it, or why not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(FLAGGED_TITLE, parent)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Flagged phrases")
        self.text.setMinimumHeight(48)
        self.text.setMaximumHeight(96)
        if self.title_label is not None:
            self.title_label.setWordWrap(True)
        self.body.addWidget(self.text)
        self.categories = label("", "Muted", wrap=True)
        self.body.addWidget(self.categories)
        self.decision = QButtonGroup(self)
        self.report_ae = QRadioButton("Report it (opens the adverse-event form)")
        self.not_ae = QRadioButton("Not an adverse event")
        self.report_ae.setAccessibleName("Report as adverse event")
        self.not_ae.setAccessibleName("Not an adverse event")
        self.decision.addButton(self.report_ae)
        self.decision.addButton(self.not_ae)
        self.body.addWidget(self.report_ae)
        self.body.addWidget(self.not_ae)
        self.not_ae_reason = QLineEdit()
        self.not_ae_reason.setPlaceholderText("Why not? (kept for audit) e.g. 'refers to the disease, not our product'")
        self.not_ae_reason.setAccessibleName("Reason it is not an adverse event")
        self.body.addWidget(self.not_ae_reason)
        self.not_ae.toggled.connect(lambda on: self.not_ae_reason.setEnabled(on))
        self.not_ae_reason.setEnabled(False)
        self.reported_note = label("", wrap=True)
        self.reported_note.setAccessibleName("Adverse-event report status")
        self.see_report = button("See the report", "report", tip="The adverse-event report as it was sent")
        self.body.addWidget(self.reported_note)
        self.body.addWidget(self.see_report, 0, Qt.AlignmentFlag.AlignLeft)
        self.reported_note.hide()
        self.see_report.hide()
        self.reported_intake: AdverseEventIntake | None = None
        self.hide()

    @property
    def reported(self) -> bool:
        """An adverse-event report was made from this visit (it cannot be withdrawn)."""
        return self.reported_intake is not None

    def reason(self) -> str:
        return self.not_ae_reason.text().strip()

    def chosen(self, intake: AdverseEventIntake | None) -> DecisionChoice | None:
        """The decision to record with the report, or None while there is none."""
        if self.report_ae.isChecked() and intake is not None:
            return (ScreeningDecisionKind.REPORT, "", intake)
        if self.not_ae.isChecked() and self.reason():
            return (ScreeningDecisionKind.NOT_AN_AE, self.reason(), None)
        return None

    def show_decision(self, decision: ScreeningDecision | None, intake: AdverseEventIntake | None) -> None:
        """Show the decision recorded for the visit (a reopened draft)."""
        if decision is None:
            return
        if decision.decision is ScreeningDecisionKind.REPORT and intake is not None:
            self.set_reported(intake)
        elif decision.decision is ScreeningDecisionKind.NOT_AN_AE:
            self.not_ae.setChecked(True)
            self.not_ae_reason.setText(decision.reason)

    def set_reported(self, intake: AdverseEventIntake) -> None:
        """The intake was reported and queued: the choice is closed and the card only says so."""
        self.reported_intake = intake
        self.report_ae.blockSignals(True)
        self.report_ae.setChecked(True)
        self.report_ae.blockSignals(False)
        for w in (self.report_ae, self.not_ae, self.not_ae_reason):
            w.setEnabled(False)
            w.hide()
        self.text.setVisible(bool(self.text.property("restricted")))
        self.categories.hide()
        due, _ = clock_text(intake)
        self.reported_note.setText(f"It is saved and goes first at the next sync, even if you close this visit. {due}")
        self.reported_note.show()
        self.see_report.show()
        if self.title_label is not None:
            self.title_label.setText(REPORTED_TITLE)
        self.show()

    def untick_report(self) -> None:
        """Clear 'Report it' (the intake was cancelled) without ticking the other choice."""
        self.decision.setExclusive(False)
        self.report_ae.setChecked(False)
        self.decision.setExclusive(True)

    def show_screen(self, result: ScreenResult, restricted: Sequence[RestrictedHit], notes: str) -> None:
        """Show the screening ``result`` and ``restricted`` words found in ``notes``; hide when there are none."""
        if not result.flag and not restricted and not self.reported:
            self.hide()
            return
        self.show()
        parts = []
        if result.flag:
            parts.append(highlighted_html(notes, list(result.spans), "warning"))
            cats = ", ".join(c.replace("_", " ") for c in result.categories)
            why = "\n".join(result.reasons())
            self.categories.setText(f"Flagged as: {cats} (score {result.score:.2f})" + (f"\n{why}" if why else ""))
        else:
            self.categories.setText("")
        if restricted:
            parts.append("<p><b>Restricted words</b> (not allowed in a submitted note):</p>")
            parts.append(highlighted_html(notes, restricted, "danger"))
        self.text.setHtml("".join(parts))
        self.text.setProperty("restricted", bool(restricted))
        if self.reported_intake is not None:
            self.set_reported(self.reported_intake)
            return
        self.text.show()
        self.categories.show()
        for w in (self.report_ae, self.not_ae, self.not_ae_reason):
            w.setVisible(bool(result.flag))
        if self.title_label is not None:
            self.title_label.setText(FLAGGED_TITLE if result.flag else "Restricted words")

    def set_locked(self, locked: bool) -> None:
        open_choice = not locked and not self.reported
        for w in (self.report_ae, self.not_ae):
            w.setEnabled(open_choice)
        self.not_ae_reason.setEnabled(open_choice and self.not_ae.isChecked())  # the reason goes with its choice


def draft_message(outcome: VisitSave, wanted_submit: bool) -> tuple[str, str]:
    """What to tell the rep (and how: info or warning) when a visit was saved as a draft, and why it was not
    submitted when that was asked."""
    if wanted_submit and outcome.restricted:
        return "Saved as a draft. Rephrase the highlighted restricted words before submitting.", "warning"
    if wanted_submit and outcome.screen.flag:
        return (
            "Saved as a draft. This note may describe an adverse event: choose 'Report it' or "
            "'Not an adverse event' (with a reason) to submit.",
            "warning",
        )
    return "Saved as a draft.", "info"


def side_panel(safety: SafetyCard, preview: QWidget) -> QScrollArea:
    """The safety decision above the follow-ups preview; on a small screen they scroll rather than being squashed."""
    panel = QWidget()
    side = QVBoxLayout(panel)
    side.setContentsMargins(0, 0, 0, 0)
    side.addWidget(safety, 3)
    side.addWidget(preview, 2)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(panel)
    return area
