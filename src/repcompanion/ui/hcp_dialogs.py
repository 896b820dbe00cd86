"""Dialogs opened from an HCP's page: dismiss or snooze a suggestion, record consent, suggest a correction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import Account, Channel, Consent, ConsentState, DataChangeRequest, DismissReason, Hcp
from repcompanion.ui import theme
from repcompanion.ui.dates import date_format, day_of, day_text, qdate
from repcompanion.ui.ops import Op, error_text
from repcompanion.ui.widgets import fit_to_screen, label
from repcompanion.workspace import CHANNEL_LABELS, CONSENT_WAYS, action_label

DISMISS_LABELS = {
    DismissReason.NOT_RELEVANT: "Not relevant for this HCP",
    DismissReason.ALREADY_DONE: "Already done",
    DismissReason.HCP_UNAVAILABLE: "HCP unavailable",
    DismissReason.WRONG_TIMING: "Wrong timing",
    DismissReason.WRONG_CONTENT: "Wrong content",
    DismissReason.OTHER: "Other reason",
}
#: The details a rep may propose to correct, as the form names them (the keys are the workspace's fields).
CORRECTION_FIELDS = {
    "line1": "Street",
    "line2": "Suite, floor",
    "city": "City",
    "state": "State",
    "zip": "ZIP code",
    "phone": "Phone",
    "email": "E-mail",
    "specialty_code": "Specialty",
    "specialty_label": "Specialty (as written)",
    "affiliation": "Main practice",
}
#: The fields the form offers (the specialty's name follows its code on the hub).
FORM_FIELDS = ("line1", "line2", "city", "state", "zip", "phone", "email", "specialty_code", "affiliation")


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setProperty("primary", True)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _problem_label() -> Any:
    problem = label("", wrap=True)
    problem.setStyleSheet(f"color: {theme.current()['danger']};")
    problem.setAccessibleName("Problem")
    problem.hide()
    return problem


class DismissDialog(QDialog):
    """Asks why a suggestion is dismissed (the reason teaches the model)."""

    def __init__(self, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Dismiss suggestion")
        self.setAccessibleName("Dismiss suggestion")
        form = QFormLayout(self)
        form.addRow(label(f"Why is <b>{action_label(action)}</b> not right?", wrap=True))
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason")
        for r, text in DISMISS_LABELS.items():
            self.reason.addItem(text, r.value)
        form.addRow("Reason", self.reason)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Optional note")
        form.addRow("Note", self.note)
        buttons = _buttons(self, "Dismiss")
        buttons.accepted.connect(self.accept)
        form.addRow(buttons)


class SnoozeDialog(QDialog):
    """Asks until when a suggestion should be out of the way."""

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Snooze suggestion")
        self.setAccessibleName("Snooze suggestion")
        form = QFormLayout(self)
        self.until = QDateEdit(qdate(today + timedelta(days=7)))
        self.until.setDisplayFormat(date_format())
        self.until.setCalendarPopup(True)
        self.until.setMinimumDate(qdate(today + timedelta(days=1)))
        self.until.setAccessibleName("Snooze until")
        form.addRow("Until", self.until)
        buttons = _buttons(self, "Snooze")
        buttons.accepted.connect(self.accept)
        form.addRow(buttons)


class ConsentDialog(QDialog):
    """Record an opt-in or opt-out the HCP gives in person: channel, date, how, and their name typed by them.

    It is added to the HCP's record (nothing earlier is changed), applies on this laptop at once and goes to the
    hub with the next sync. ``recorded`` holds the consent once it is kept."""

    def __init__(
        self,
        hcp: Hcp,
        consents: dict[Channel, Consent | None],
        today: date,
        parent: QWidget | None = None,
        *,
        channel: Channel = Channel.EMAIL,
    ) -> None:
        super().__init__(parent)
        self.hcp, self.consents = hcp, consents
        self.recorded: Consent | None = None
        self.setWindowTitle("Record consent")
        self.setAccessibleName("Record consent")
        root = QVBoxLayout(self)
        root.addWidget(
            label(
                f"Record the consent <b>{hcp.display_name}</b> gives you. It is added to their record (earlier ones "
                "are kept), applies at once, and goes to your company with your next sync.",
                wrap=True,
            )
        )
        form = QFormLayout()
        form.setSpacing(8)
        self.channel = QComboBox()
        self.channel.setAccessibleName("Channel")
        for ch in Channel:
            self.channel.addItem(CHANNEL_LABELS.get(ch, str(ch)), ch.value)
        self.channel.setCurrentIndex(max(self.channel.findData(channel.value), 0))
        form.addRow("Channel", self.channel)
        self.now_label = label("", "Muted", wrap=True)
        form.addRow("On record", self.now_label)
        choice = QHBoxLayout()
        self.opt_in = QRadioButton("Agrees to be contacted (opt-in)")
        self.opt_out = QRadioButton("No more contact (opt-out)")
        self.decision = QButtonGroup(self)
        for b in (self.opt_in, self.opt_out):
            self.decision.addButton(b)
            choice.addWidget(b)
        choice.addStretch(1)
        form.addRow("Decision", choice)
        self.given_on = QDateEdit(qdate(today))
        self.given_on.setDisplayFormat(date_format())
        self.given_on.setCalendarPopup(True)
        self.given_on.setMaximumDate(qdate(today))
        self.given_on.setAccessibleName("Given on")
        form.addRow("Given on", self.given_on)
        self.how = QComboBox()
        self.how.setEditable(True)
        self.how.setAccessibleName("How it was given")
        self.how.addItems(list(CONSENT_WAYS))
        form.addRow("How", self.how)
        self.typed_name = QLineEdit()
        self.typed_name.setAccessibleName("The HCP's typed name")
        self.typed_name.setPlaceholderText(f"{hcp.first_name} {hcp.last_name} types their name here")
        form.addRow("HCP's name", self.typed_name)
        root.addLayout(form)
        self.problem = _problem_label()
        root.addWidget(self.problem)
        self.buttons = _buttons(self, "Record consent")
        self.buttons.accepted.connect(self.record)
        root.addWidget(self.buttons)
        self.channel.currentIndexChanged.connect(lambda _i: self._show_current())
        self._show_current()

    def selected_channel(self) -> Channel:
        return Channel(self.channel.currentData())

    def _show_current(self) -> None:
        c = self.consents.get(self.selected_channel())
        if c is None:
            self.now_label.setText("No consent on file for this channel.")
            return
        state = "Opted in" if c.state is ConsentState.OPT_IN else "Opted out"
        self.now_label.setText(f"{state} since {day_text(c.captured_at)} ({c.source or 'source not given'}).")

    def set_values(self, *, state: ConsentState, typed_name: str, how: str = "", given_on: date | None = None) -> None:
        """Fill the form (the rep's choices, in tests and when the form is reopened)."""
        (self.opt_in if state is ConsentState.OPT_IN else self.opt_out).setChecked(True)
        self.typed_name.setText(typed_name)
        if how:
            self.how.setCurrentText(how)
        if given_on is not None:
            self.given_on.setDate(qdate(given_on))

    def record(self) -> Op | None:
        """Keep the consent (on the database thread); a problem is shown here and nothing is kept."""
        if not (self.opt_in.isChecked() or self.opt_out.isChecked()):
            self._problem("Choose whether the HCP agrees to be contacted or wants no more contact.")
            return None
        hcp_id, channel = self.hcp.id, self.selected_channel()
        state = ConsentState.OPT_IN if self.opt_in.isChecked() else ConsentState.OPT_OUT
        given_on = day_of(self.given_on)
        how, typed = self.how.currentText(), self.typed_name.text()
        self.buttons.setEnabled(False)

        def kept(outcome: Any) -> None:
            self.recorded = outcome.value
            self.accept()

        def failed(error: BaseException) -> None:
            self.buttons.setEnabled(True)
            self._problem(error_text(error))

        return (
            Op(
                self,
                lambda ws: ws.directory.capture_consent(
                    hcp_id, channel, state, given_on=given_on, how=how, typed_name=typed
                ),
            )
            .success(kept)
            .failure(failed)
            .run()
        )

    def _problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()


def _current_values(hcp: Hcp) -> dict[str, str]:
    a = hcp.address
    return {
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "state": a.state,
        "zip": a.zip,
        "phone": hcp.phone,
        "email": hcp.email,
        "specialty_code": hcp.specialty_code,
        "affiliation": next((f.account_id for f in hcp.affiliations if f.primary), ""),
    }


def request_text(r: DataChangeRequest, accounts: Mapping[str, str]) -> str:
    """A request in words: what it changes, and where it stands."""
    changes = "; ".join(
        f"{CORRECTION_FIELDS.get(k, k)} → {accounts.get(v, v) if k == 'affiliation' else v}"
        for k, v in r.changes.items()
        if k in CORRECTION_FIELDS
    )
    if r.status == "accepted":
        status = f"accepted {day_text(r.decided_at)}" if r.decided_at else "accepted"
    elif r.status == "rejected":
        status = f"not accepted: {r.reason}" if r.reason else "not accepted"
    else:
        status = f"waiting for your company's decision (sent {day_text(r.created_at)})"
    return f"{changes} — {status}"


class ChangeRequestDialog(QDialog):
    """Suggest a correction to an HCP's details; your company decides, and the corrected details come back.

    Only what the rep changed is proposed. ``proposed`` holds the request once it is queued."""

    def __init__(
        self,
        hcp: Hcp,
        accounts: list[Account],
        requests: list[DataChangeRequest],
        specialties: dict[str, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hcp = hcp
        self.proposed: DataChangeRequest | None = None
        self.current = _current_values(hcp)
        self.setWindowTitle("Suggest a correction")
        self.setAccessibleName("Suggest a correction")
        root = QVBoxLayout(self)
        root.addWidget(
            label(
                f"Correct what is wrong in <b>{hcp.display_name}</b>'s details. Your company checks the change; "
                "until it decides, it shows here as waiting, and the corrected details arrive with a sync.",
                wrap=True,
            )
        )
        body = QWidget()
        form = QFormLayout(body)
        form.setSpacing(8)
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        for name in FORM_FIELDS:
            widget: QLineEdit | QComboBox
            if name == "specialty_code":
                widget = specialty = QComboBox()
                for code, text in sorted(specialties.items(), key=lambda kv: kv[1]):
                    specialty.addItem(f"{text} ({code})", code)
                if specialty.findData(hcp.specialty_code) < 0:
                    specialty.addItem(f"{hcp.specialty_label} ({hcp.specialty_code})", hcp.specialty_code)
                specialty.setCurrentIndex(specialty.findData(hcp.specialty_code))
            elif name == "affiliation":
                widget = practice = QComboBox()
                practice.addItem("(none on file)", "")
                for a in sorted(accounts, key=lambda a: a.name):
                    practice.addItem(f"{a.name} — {a.address.town}", a.id)
                practice.setCurrentIndex(max(practice.findData(self.current["affiliation"]), 0))
            else:
                widget = QLineEdit(self.current[name])
            widget.setAccessibleName(CORRECTION_FIELDS[name])
            self.fields[name] = widget
            form.addRow(CORRECTION_FIELDS[name], widget)
        self.note = QLineEdit()
        self.note.setAccessibleName("Why")
        self.note.setPlaceholderText("What you learned, and from whom (optional)")
        form.addRow("Why", self.note)
        names = {str(a.id): a.name for a in accounts}
        history = "<br>".join(request_text(r, names) for r in requests) or "No corrections suggested yet."
        self.history = label(history, "Muted", wrap=True)
        self.history.setTextFormat(Qt.TextFormat.RichText)
        form.addRow("Earlier", self.history)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        root.addWidget(scroll, 1)
        self.problem = _problem_label()
        root.addWidget(self.problem)
        self.buttons = _buttons(self, "Send the correction")
        self.buttons.accepted.connect(self.propose)
        root.addWidget(self.buttons)
        fit_to_screen(self, self.sizeHint())

    def sizeHint(self) -> QSize:
        return QSize(600, 640)

    def value(self, name: str) -> str:
        widget = self.fields[name]
        return str(widget.currentData() or "") if isinstance(widget, QComboBox) else widget.text().strip()

    def set_value(self, name: str, value: str) -> None:
        widget = self.fields[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(widget.findData(value))
        else:
            widget.setText(value)

    def changes(self) -> dict[str, str]:
        """The details the rep changed (only those are proposed)."""
        return {k: self.value(k) for k in FORM_FIELDS if self.value(k) != (self.current[k] or "")}

    def propose(self) -> Op | None:
        changes = self.changes()
        if not changes:
            self._problem("Change at least one detail, then send the correction.")
            return None
        hcp_id, note = self.hcp.id, self.note.text()
        self.buttons.setEnabled(False)

        def queued(outcome: Any) -> None:
            self.proposed = outcome.value
            self.accept()

        def failed(error: BaseException) -> None:
            self.buttons.setEnabled(True)
            self._problem(error_text(error))

        return (
            Op(self, lambda ws: ws.directory.propose_change(hcp_id, changes, note))
            .success(queued)
            .failure(failed)
            .run()
        )

    def _problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()


__all__ = [
    "CORRECTION_FIELDS",
    "DISMISS_LABELS",
    "ChangeRequestDialog",
    "ConsentDialog",
    "DismissDialog",
    "SnoozeDialog",
    "request_text",
]
