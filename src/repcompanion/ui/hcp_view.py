"""The HCP pre-call view: who they are, what they allow, what happened, what to do next and why."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QProgressBar,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from repcompanion.domain import Channel, ConsentState, DismissReason, FeedbackKind, Suggestion
from repcompanion.ui import theme
from repcompanion.ui.dates import day_of, day_text
from repcompanion.ui.hcp_dialogs import (
    ChangeRequestDialog,
    ConsentDialog,
    DismissDialog,
    SnoozeDialog,
    request_text,
)
from repcompanion.ui.models import ContentModel, ReportsModel, SuggestionsModel, TimelineModel
from repcompanion.ui.ops import Op, show_error
from repcompanion.ui.plan_model import FollowUpModel
from repcompanion.ui.why_panel import WhyPanel, reasons_html
from repcompanion.ui.widgets import Card, Chip, ChipDelegate, ElidedLabel, button, label, segment_chip, setup_table
from repcompanion.workspace import CHANNEL_LABELS, Changes, FollowUpLine, HcpDossier, action_label, hcp_dossier

#: The Accept button and the rest of the feedback, and what each says once done.
FEEDBACK_WORDS = {
    FeedbackKind.ACCEPTED: "Accepted",
    FeedbackKind.DISMISSED: "Dismissed",
    FeedbackKind.SNOOZED: "Snoozed",
    FeedbackKind.COMPLETED: "Marked done",
}


def clear_layout(layout: QLayout) -> None:
    """Take every item out of ``layout``, deleting its widgets."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


class HcpView(QWidget):
    """Everything to read before walking in, and the buttons to act on the suggestions."""

    back_requested = Signal()
    log_visit_requested = Signal(str)
    open_report_requested = Signal(object)
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("HCP")
        self.dossier: HcpDossier | None = None
        self.hcp_id: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        page = QWidget()
        scroll.setWidget(page)
        root = QVBoxLayout(page)
        root.setContentsMargins(24, 18, 24, 18)
        root.setSpacing(14)

        head = QHBoxLayout()
        self.back = button("Today", "back", tip="Back to Today (Alt+Left)", accessible="Back to Today")
        self.back.setShortcut("Alt+Left")
        self.back.clicked.connect(self.back_requested)
        head.addWidget(self.back, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(4)
        self.name = label("", "PageTitle", selectable=True)
        chips = QHBoxLayout()
        chips.setSpacing(6)
        self.segment_box = QHBoxLayout()
        chips.addLayout(self.segment_box)
        self.dnc = Chip("Do not contact", "danger")
        self.dnc.hide()
        chips.addWidget(self.dnc)
        self.seen_chip = Chip("Seen today", "success")
        self.seen_chip.setToolTip("You logged a visit today: the HCP is off today's list and plan.")
        self.seen_chip.hide()
        chips.addWidget(self.seen_chip)
        self.facts = ElidedLabel("", "PageSubtitle")
        chips.addWidget(self.facts, 1)
        names.addWidget(self.name)
        names.addLayout(chips)
        head.addLayout(names, 1)
        self.consent_button = button("Consent…", "accept", tip="Record an opt-in or opt-out the HCP gives you")
        self.consent_button.clicked.connect(lambda: self.record_consent())
        self.correct_button = button("Correct details…", "report", tip="Suggest a correction to the HCP's details")
        self.correct_button.clicked.connect(lambda: self.suggest_correction())
        self.log_visit = button("Log a visit", "visit", primary=True, tip="Log a visit with this HCP (Ctrl+N)")
        self.log_visit.clicked.connect(lambda: self.hcp_id and self.log_visit_requested.emit(self.hcp_id))
        for b in (self.consent_button, self.correct_button, self.log_visit):
            head.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(head)

        cards = QHBoxLayout()
        cards.setSpacing(14)
        self.consent_card = Card("Consent")
        self.consent_grid = QGridLayout()
        self.consent_grid.setHorizontalSpacing(10)
        self.consent_grid.setVerticalSpacing(6)
        self.consent_card.body.addLayout(self.consent_grid)
        self.consent_card.body.addStretch(1)
        cards.addWidget(self.consent_card, 3)
        self.plan_card = Card("Call plan this period")
        self.plan_text = label("", "Big")
        self.plan_bar = QProgressBar()
        self.plan_bar.setAccessibleName("Call plan progress")
        self.plan_bar.setTextVisible(False)
        self.plan_note = label("", "Muted", wrap=True)
        for w in (self.plan_text, self.plan_bar, self.plan_note):
            self.plan_card.body.addWidget(w)
        self.plan_card.body.addStretch(1)
        cards.addWidget(self.plan_card, 2)
        self.profile_card = Card("Profile and affiliations")
        self.profile = label("", wrap=True, selectable=True)
        self.profile.setTextFormat(Qt.TextFormat.RichText)
        self.profile_card.body.addWidget(self.profile)
        self.profile_card.body.addStretch(1)
        cards.addWidget(self.profile_card, 4)
        root.addLayout(cards)

        mid = QHBoxLayout()
        mid.setSpacing(14)
        self.suggestions_card = Card("Suggestions")
        self.suggestions = SuggestionsModel(self)
        self.suggestion_table = QTableView()
        self.suggestion_table.setAccessibleName("Suggestions for this HCP")
        self.suggestion_table.setModel(self.suggestions)
        setup_table(self.suggestion_table, stretch_column=3)
        self.suggestion_table.setColumnWidth(0, 150)
        self.suggestion_table.setMinimumHeight(110)
        self.suggestion_table.setMaximumHeight(190)
        self.suggestion_table.selectionModel().selectionChanged.connect(self._suggestion_selected)
        self.suggestions_card.body.addWidget(self.suggestion_table, 1)
        actions = QHBoxLayout()
        self.accept_button = button("Accept", "accept", primary=True, tip="I will do this (A)")
        self.dismiss_button = button("Dismiss…", "dismiss", tip="Not right — say why (D)")
        self.snooze_button = button("Snooze…", "snooze", tip="Not now — remind me later (S)")
        self.complete_button = button("Complete", "complete", tip="Already done (C)")
        for key, b in zip(
            "ADSC", (self.accept_button, self.dismiss_button, self.snooze_button, self.complete_button), strict=True
        ):
            b.setShortcut(f"Alt+{key}")
            actions.addWidget(b)
        actions.addStretch(1)
        self.accept_button.clicked.connect(lambda: self._feedback(FeedbackKind.ACCEPTED))
        self.complete_button.clicked.connect(lambda: self._feedback(FeedbackKind.COMPLETED))
        self.dismiss_button.clicked.connect(self._dismiss)
        self.snooze_button.clicked.connect(self._snooze)
        self.suggestions_card.body.addLayout(actions)
        self.feedback_note = label("", "Muted", wrap=True)
        self.suggestions_card.body.addWidget(self.feedback_note)
        self.blocked_label = label("", wrap=True, selectable=True)
        self.blocked_label.setTextFormat(Qt.TextFormat.RichText)
        self.blocked_label.setAccessibleName("Blocked actions")
        self.suggestions_card.body.addWidget(self.blocked_label)
        self.suggestions_card.body.addStretch(1)
        mid.addWidget(self.suggestions_card, 5)
        self.why = WhyPanel()
        mid.addWidget(self.why, 6)
        root.addLayout(mid)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("HCP details")
        self.timeline = TimelineModel(self)
        self.content = ContentModel(self)
        self.reports = ReportsModel(self)
        self.timeline_table = self._table(self.timeline, 2, "Engagement timeline")
        self.content_table = self._table(self.content, 0, "Approved content")
        self.reports_table = self._table(self.reports, 3, "Past notes")
        self.reports_table.activated.connect(lambda i: self.open_report_requested.emit(self.reports.record(i.row())))
        notes_tab = QWidget()
        notes_box = QVBoxLayout(notes_tab)
        notes_box.setContentsMargins(0, 0, 0, 6)
        notes_box.addWidget(self.reports_table, 1)
        notes_hint = label("Double-click a note to open it: a draft to finish and submit, a submitted one to read.")
        notes_hint.setObjectName("Muted")
        notes_hint.setContentsMargins(8, 0, 0, 0)
        notes_box.addWidget(notes_hint)
        self.follow_ups = label("", wrap=True, selectable=True)
        self.follow_ups.setAccessibleName("Open follow-ups")
        self.follow_ups.setTextFormat(Qt.TextFormat.RichText)
        self.follow_ups.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.follow_ups.setContentsMargins(12, 12, 12, 12)
        self.tabs.addTab(self.timeline_table, theme.icon("today"), "Timeline")
        self.tabs.addTab(self.content_table, theme.icon("content"), "Approved content")
        self.tabs.addTab(self.follow_ups, theme.icon("followup"), "Open follow-ups")
        self.tabs.addTab(notes_tab, theme.icon("visit"), "Past notes")
        self.digital = FollowUpModel(self)
        self.digital_table = self._table(self.digital, 7, "Digital follow-ups")
        self.digital_table.setItemDelegateForColumn(0, ChipDelegate(FollowUpModel.StatusColorRole, self))
        self.tabs.insertTab(3, self.digital_table, theme.icon("followup"), "Digital follow-ups")
        self.tabs.setMinimumHeight(300)
        root.addWidget(self.tabs, 1)
        self._set_actions_enabled(False)

    def _table(self, model: QAbstractItemModel, stretch: int, name: str) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setAccessibleName(name)
        setup_table(view, stretch_column=stretch)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        view.setSortingEnabled(False)
        return view

    # -- loading --------------------------------------------------------------------------------------------
    def open_hcp(self, hcp_id: str) -> Op:
        self.hcp_id = hcp_id
        self.load_follow_ups(hcp_id)
        return Op(self, lambda ws: hcp_dossier(ws, hcp_id)).success(self.set_dossier).run()

    def load_follow_ups(self, hcp_id: str) -> Op:
        """The digital follow-ups journeys planned for the HCP, with their delivery status."""

        def show(lines: list[FollowUpLine]) -> None:
            if hcp_id == self.hcp_id:
                self.digital.set_lines(lines)
                n = len(lines)
                self.tabs.setTabText(self.tabs.indexOf(self.digital_table), f"Digital follow-ups ({n})")

        return Op(self, lambda ws: ws.followups.lines_for_hcp(hcp_id)).success(show).run()

    def reload(self) -> Op | None:
        return self.open_hcp(self.hcp_id) if self.hcp_id else None

    def apply(self, changes: Changes) -> Op | None:
        """Reload what ``changes`` touch of the HCP shown: the dossier, or only its digital follow-ups."""
        if self.hcp_id is None or not changes.touches(self.hcp_id):
            return None
        if changes.directory or changes.timeline or changes.ranking or changes.visits:
            return self.reload()
        return self.load_follow_ups(self.hcp_id) if changes.followups else None

    def set_dossier(self, d: HcpDossier) -> None:
        if d.hcp.id != self.hcp_id:
            return
        selected = self.selected_suggestion()
        self.dossier = d
        h = d.hcp
        self.name.setText(h.display_name)
        clear_layout(self.segment_box)
        self.segment_box.addWidget(segment_chip(str(h.segment)))
        self.dnc.setVisible(h.do_not_contact)
        self.seen_chip.setVisible(d.seen_today)
        self.facts.setText(f"{h.specialty_label} · decile {h.decile} · {h.address.town}")
        self._fill_consent(d)
        done, planned = d.plan_done, d.plan_planned
        self.plan_text.setText(f"{done} of {planned} visits" if planned else f"{done} visits")
        self.plan_bar.setMaximum(max(planned, done, 1))
        self.plan_bar.setValue(done)
        left = max(planned - done, 0)
        self.plan_note.setText(
            f"{left} more visit{'s' if left != 1 else ''} planned this period." if left else "Plan met for this period."
        )
        self.profile.setText(profile_html(d))
        self.suggestions.accepted = set(d.accepted)
        self.suggestions.set_records(d.suggestions)
        self.timeline.content_titles = {c.id: c.title for c in d.content}
        self.why.titles = dict(self.timeline.content_titles)
        self.timeline.product_names = {pid: p.name for pid, p in d.products.items()}
        self.timeline.set_records(d.timeline)
        self.content.set_records(d.content)
        self.reports.set_records(d.reports)
        self.follow_ups.setText(follow_ups_html(d))
        row = 0
        if selected is not None:
            row = next((i for i, s in enumerate(d.suggestions) if s.action == selected.action), 0)
        if d.suggestions:
            self.suggestion_table.selectRow(row)
        else:
            self.why.show_suggestion(None)
            if d.blocked:
                self.why.headline.setText("Every action is blocked for this HCP today.")
            self.blocked_label.setText(reasons_html(None, d.blocked, self.why.titles) if d.blocked else "")
            self._set_actions_enabled(False)
        self.loaded.emit()

    def _fill_consent(self, d: HcpDossier) -> None:
        clear_layout(self.consent_grid)
        t = theme.current()
        for row, channel in enumerate(Channel):
            c = d.consents.get(channel)
            now_ok = (
                c is not None
                and c.state is ConsentState.OPT_IN
                and (c.expires_at is None or c.expires_at.date() >= d.day)
            )
            mark = QLabel()
            mark.setPixmap(
                theme.icon("accept" if now_ok else "dismiss", "success" if now_ok else "danger").pixmap(18, 18)
                if c is not None
                else theme.icon("why", "muted").pixmap(18, 18)
            )
            name = label(CHANNEL_LABELS.get(channel, str(channel)))
            if c is None:
                state, detail = "No consent on file", ""
            elif c.state is ConsentState.OPT_OUT:
                state, detail = "Opted out", f"since {day_text(c.captured_at)}"
            elif not now_ok:
                state, detail = "Expired", f"on {day_text(c.expires_at)}" if c.expires_at else ""
            else:
                state = "Opted in"
                until = f", until {day_text(c.expires_at)}" if c.expires_at else ""
                detail = f"since {day_text(c.captured_at)}{until}"
            if c is not None and c.source.startswith("rep: "):
                detail += " · given to you in person"
            color = t["success"] if now_ok else (t["muted"] if c is None else t["danger"])
            status = label(f"<span style='color:{color}; font-weight:600'>{state}</span>")
            info = label(detail, "Muted")
            mark.setAccessibleName(f"{name.text()}: {state} {detail}")
            self.consent_grid.addWidget(mark, row, 0)
            self.consent_grid.addWidget(name, row, 1)
            self.consent_grid.addWidget(status, row, 2)
            self.consent_grid.addWidget(info, row, 3)
        self.consent_grid.setColumnStretch(3, 1)

    # -- suggestions and feedback ---------------------------------------------------------------------------
    def selected_suggestion(self) -> Suggestion | None:
        rows = self.suggestion_table.selectionModel().selectedRows() if self.suggestion_table.selectionModel() else []
        if not rows:
            return None
        return self.suggestions.record(rows[0].row())

    def _suggestion_selected(self, *_args: QItemSelection) -> None:
        s = self.selected_suggestion()
        blocked = dict(self.dossier.blocked) if self.dossier else {}
        if s is not None:
            blocked.update(s.blocked)
        accepted = s is not None and s.action in self.suggestions.accepted
        self.why.show_suggestion(s, {}, accepted=accepted)
        self.blocked_label.setText(reasons_html(None, blocked, self.why.titles) if blocked else "")
        self._set_actions_enabled(s is not None and not (s.rule_reasons and s.priority <= 0))

    def _set_actions_enabled(self, on: bool) -> None:
        for b in (self.accept_button, self.dismiss_button, self.snooze_button, self.complete_button):
            b.setEnabled(on)

    def _feedback(self, kind: FeedbackKind, **extra: object) -> Op | None:
        s = self.selected_suggestion()
        if s is None or self.hcp_id is None:
            return None
        hcp_id, action = self.hcp_id, s.action
        self._set_actions_enabled(False)
        words = FEEDBACK_WORDS[kind]

        def done(_result: object) -> None:
            self.feedback_note.setText(f"{words}: {action_label(action)}. Your list has been updated.")

        def failed(error: BaseException) -> None:
            self._set_actions_enabled(True)
            show_error(self, error)

        return (
            Op(self, lambda ws: ws.ranking.feedback(hcp_id, action, kind, **extra)).success(done).failure(failed).run()
        )

    correction_dialog: ChangeRequestDialog | None = None

    def _dismiss(self) -> None:
        s = self.selected_suggestion()
        if s is None:
            return
        dlg = DismissDialog(s.action, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.dismiss_selected(DismissReason(dlg.reason.currentData()), dlg.note.text())

    def dismiss_selected(self, reason: DismissReason, note: str = "") -> Op | None:
        return self._feedback(FeedbackKind.DISMISSED, reason=reason, note=note)

    def _snooze(self) -> None:
        if self.dossier is None:
            return
        dlg = SnoozeDialog(self.dossier.day, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.snooze_selected(day_of(dlg.until))

    def snooze_selected(self, until: date) -> Op | None:
        return self._feedback(FeedbackKind.SNOOZED, snooze_until=until)

    def accept_selected(self) -> Op | None:
        return self._feedback(FeedbackKind.ACCEPTED)

    # -- consent and corrections ---------------------------------------------------------------------------
    def record_consent(self, *, modal: bool = True) -> ConsentDialog | None:
        """Open Record consent for the HCP shown (the dialog keeps it; the page reloads through the change)."""
        d = self.dossier
        if d is None:
            return None
        dialog = ConsentDialog(d.hcp, d.consents, d.day, self)
        dialog.accepted.connect(lambda: self.feedback_note.setText(consent_note(dialog)))
        self._open(dialog, modal)
        return dialog

    def suggest_correction(self, *, modal: bool = True) -> Op | None:
        """Open Suggest a correction for the HCP shown, with the territory's specialties to choose from."""
        d = self.dossier
        if d is None:
            return None

        def show(specialties: dict[str, str]) -> None:
            if self.dossier is not d:
                return
            self.correction_dialog = ChangeRequestDialog(d.hcp, d.accounts, d.change_requests, specialties, self)
            self.correction_dialog.accepted.connect(
                lambda: self.feedback_note.setText("Correction sent with your next sync; it shows here until decided.")
            )
            self._open(self.correction_dialog, modal)

        return Op(self, lambda ws: ws.directory.specialties()).success(show).run()

    def _open(self, dialog: QDialog, modal: bool) -> None:
        dialog.setModal(modal)
        dialog.show()

    def sizeHint(self) -> QSize:
        return QSize(1300, 900)


def profile_html(d: HcpDossier) -> str:
    h = d.hcp
    t = theme.current()
    lines = []
    addr = h.address
    lines.append(escape(f"{addr.line1}{', ' + addr.line2 if addr.line2 else ''}, {addr.city}, {addr.state} {addr.zip}"))
    contact = " · ".join(x for x in (h.phone, h.email) if x)
    if contact:
        lines.append(escape(contact))
    ids = [f"NPI {h.npi}" if h.npi else "", f"prefers {CHANNEL_LABELS.get(h.preferred_channel, h.preferred_channel)}"]
    lines.append(escape(" · ".join(x for x in ids if x)))
    if d.affiliations:
        affs = []
        for account, aff in d.affiliations:
            star = " <b>(primary)</b>" if aff.primary else ""
            kind = str(account.kind).replace("_", " ")
            muted = f"<span style='color:{t['muted']}'>· {kind} · {escape(aff.role)}</span>"
            affs.append(f"{escape(account.name)} {muted}{star}")
        lines.append("<br>".join(affs))
    else:
        lines.append(f"<span style='color:{t['muted']}'>No affiliations on file.</span>")
    names = {str(a.id): a.name for a in d.accounts}
    for r in d.change_requests[:3]:
        color = t["muted"] if r.status in ("accepted", "rejected") else t["warning"]
        lines.append(f"<span style='color:{color}'>Correction: {escape(request_text(r, names))}</span>")
    return "<br>".join(lines)


def follow_ups_html(d: HcpDossier) -> str:
    t = theme.current()
    items = d.open_follow_ups
    if not items:
        return f"<span style='color:{t['muted']}'>No open follow-ups for this HCP.</span>"
    rows = "".join(
        f"<li style='margin-bottom:4px'>{escape(text)} <span style='color:{t['muted']}'>"
        f"(visit of {day_text(r.started_at)})</span></li>"
        for r, text in items
    )
    return f"<ul>{rows}</ul>"


def consent_note(dialog: ConsentDialog) -> str:
    c = dialog.recorded
    if c is None:
        return ""
    state = "opt-in" if c.state is ConsentState.OPT_IN else "opt-out"
    channel = CHANNEL_LABELS.get(c.channel, str(c.channel))
    return f"{channel} {state} recorded; it applies now and goes to your company with your next sync."
