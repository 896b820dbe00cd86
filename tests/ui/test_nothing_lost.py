"""Nothing reported is lost: a reported adverse event is queued at once, closing asks first, drafts reopen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QMessageBox

from repcompanion.domain import IntakeStatus, MutationKind, ReportStatus
from repcompanion.ui.drafts_dialog import DraftsDialog
from repcompanion.ui.ops import Op
from repcompanion.ui.visit_dialog import VisitDialog
from repcompanion.workspace import autosave_key, report_to_payload

FLAGGED = "Seizure after first dose of Nefrovia, the patient was taken to hospital."
PLAIN = "Discussed dosing and the new formulary listing. She will review the leaflet."


def _open(window: Any, qtbot: Any, **kw: Any) -> VisitDialog:
    hcp_id = kw.pop("hcp_id", None) or window.runner.workspace().directory.hcps()[0].id
    dialog = window.log_visit(hcp_id, modal=False, **kw)
    qtbot.waitUntil(lambda: dialog.ready, timeout=20_000)
    return dialog


def _run(window: Any, qtbot: Any, fn: Any) -> Any:
    """``fn(workspace)`` on the db thread, after every job queued before it."""
    op = Op(window, fn).run()
    qtbot.waitUntil(lambda: op.done, timeout=20_000)
    assert op.error is None, op.error
    return op.result


def _answer(dialog: VisitDialog, qtbot: Any, words: str) -> None:
    qtbot.waitUntil(lambda: dialog.prompt is not None and dialog.prompt.isVisible(), timeout=5_000)
    assert dialog.prompt is not None
    [chosen] = [b for b in dialog.prompt.buttons() if b.text() == words]
    chosen.click()


def _save_flagged_draft(dialog: VisitDialog, qtbot: Any) -> None:
    dialog.set_note(FLAGGED)
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save(submit=False)
    assert dialog.safety.isVisible()


def _report_ae(monkeypatch: Any, dialog: VisitDialog) -> None:
    """Tick 'Report it', fill the form and press Report (the form's exec is replaced: it would block)."""

    def fill_and_report(form: QDialog) -> int:
        form.seriousness.setCurrentIndex(form.seriousness.findData("serious"))
        form.patient.setText("adult, female")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr("repcompanion.ui.safety_dialog.IntakeDialog.exec", fill_and_report)
    dialog.report_ae.setChecked(True)


def test_a_reported_adverse_event_is_queued_even_if_the_visit_is_closed_at_once(
    window: Any, qtbot: Any, monkeypatch: Any
) -> None:
    dialog = _open(window, qtbot)
    _save_flagged_draft(dialog, qtbot)
    assert not dialog._decided  # the flagged note is still undecided
    _report_ae(monkeypatch, dialog)
    # Report was pressed (the form is filled once the draft intake is read): the save may not have finished, and
    # its "Saving…" message can be gone before a poll sees it, so wait for the decision itself
    qtbot.waitUntil(lambda: dialog._decided, timeout=20_000)
    report_id = dialog.report.id
    dialog.close_button.click()  # right after Report: no question, the report is on its way
    assert not dialog.isVisible() and dialog.prompt is None
    dialog.deleteLater()

    intakes, pending, report = _run(
        window, qtbot, lambda ws: (ws.visits.intakes(), ws.store.outbox.pending(), ws.visits.get(report_id))
    )
    assert len(intakes) == 1 and intakes[0].status is IntakeStatus.QUEUED
    assert intakes[0].patient_details == "adult, female" and intakes[0].call_report_id == report_id
    assert pending[0].kind is MutationKind.AE_INTAKE and pending[0].entity_id == intakes[0].id
    assert report.status is ReportStatus.DRAFT and report.notes == FLAGGED


def test_closing_with_changes_not_saved_asks_first_and_can_save_the_draft(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.set_note(PLAIN)
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    _answer(dialog, qtbot, "Keep editing")
    assert dialog.isVisible() and "not saved" in dialog.prompt.text()
    dialog.close_button.click()
    _answer(dialog, qtbot, "Save draft and close")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    [report] = _run(window, qtbot, lambda ws: ws.visits.for_hcp(dialog.hcp_id))
    assert report.status is ReportStatus.DRAFT and report.notes == PLAIN


def test_closing_without_saving_leaves_nothing_behind(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.set_note(PLAIN)
    op = dialog.autosave_now()
    qtbot.waitUntil(lambda: op is not None and op.done, timeout=10_000)
    dialog.close()
    _answer(dialog, qtbot, "Close without saving")
    assert not dialog.isVisible()
    reports, saved = _run(window, qtbot, lambda ws: (ws.visits.for_hcp(dialog.hcp_id), ws.visits.autosaved()))
    assert reports == [] and autosave_key(dialog.report.id) not in saved


def test_a_flagged_note_left_undecided_asks_before_closing_and_is_then_reminded(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.set_note(FLAGGED)
    dialog.close_button.click()
    _answer(dialog, qtbot, "Save draft and close")
    qtbot.waitUntil(lambda: dialog.safety.isVisible(), timeout=20_000)
    assert dialog.isVisible() and "adverse event" in dialog.message.text()  # saved, then stopped to show it
    dialog.close_button.click()
    assert "24 hours" in dialog.prompt.text()
    _answer(dialog, qtbot, "Close and decide later")
    assert not dialog.isVisible()

    qtbot.waitUntil(lambda: window.banner_action.text() == "Show drafts", timeout=20_000)
    assert "adverse event" in window.banner.text.text() and window.nav_drafts.text().strip() == "Drafts (1)"
    window.banner_action.click()
    drafts = window.drafts_dialog
    qtbot.waitUntil(lambda: drafts.model.rowCount() == 1, timeout=20_000)
    assert drafts.model.index(0, 2).data() == "Possible adverse event: decide"


def test_a_draft_reopens_from_past_notes_with_its_reported_intake(window: Any, qtbot: Any, monkeypatch: Any) -> None:
    dialog = _open(window, qtbot)
    _save_flagged_draft(dialog, qtbot)
    _report_ae(monkeypatch, dialog)
    qtbot.waitUntil(lambda: dialog.safety.reported, timeout=20_000)
    reported, report_id = dialog.intake, dialog.report.id
    dialog.close_button.click()
    assert not dialog.isVisible()

    op = window.show_hcp(dialog.hcp_id)
    qtbot.waitUntil(lambda: op.done and window.hcp.reports.rowCount() == 1, timeout=20_000)
    table = window.hcp.reports_table
    table.selectRow(0)
    QTest.keyClick(table, Qt.Key.Key_Return)  # what a double-click does: open the note
    reopened = window.visit_dialogs[-1]
    qtbot.waitUntil(lambda: reopened.ready, timeout=20_000)
    assert reopened is not dialog and reopened.report.id == report_id
    assert reopened.notes.toPlainText() == FLAGGED and not reopened.notes.isReadOnly()
    assert reopened.safety.isVisible() and reopened.report_ae.isChecked() and not reopened.report_ae.isEnabled()
    assert reopened.intake == reported and "goes first at the next sync" in reopened.safety.reported_note.text()
    reopened.safety.see_report.click()
    form = reopened.report_view
    assert form is not None and form.patient.isReadOnly() and form.patient.text() == "adult, female"
    form.close()
    with qtbot.waitSignal(reopened.submitted, timeout=20_000):
        reopened.save(submit=True)
    pending = _run(window, qtbot, lambda ws: [m.kind for m in ws.store.outbox.pending()])
    assert pending.count(MutationKind.AE_INTAKE) == 1 and MutationKind.CALL_REPORT_SUBMIT in pending


def test_the_drafts_list_holds_every_draft_and_reopens_one_with_its_decision(
    window: Any, qtbot: Any, qtmodeltester: Any
) -> None:
    hcps = _run(window, qtbot, lambda ws: ws.directory.hcps()[:4])
    dialog = _open(window, qtbot, hcp_id=hcps[0].id)
    _save_flagged_draft(dialog, qtbot)
    dialog.not_ae.setChecked(True)
    dialog.not_ae_reason.setText("The seizure was before the first dose; the doctor confirmed it.")
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save(submit=False)
    dialog.close()
    assert not dialog.isVisible()

    def crash_three(ws: Any) -> None:  # notes being written when the app stopped, never saved
        for hcp in hcps[1:]:
            report = ws.visits.new(hcp.id).edited(notes=f"Half-written note for {hcp.last_name}")
            ws.visits.autosave(autosave_key(report.id), report_to_payload(report), hcp.id)

    _run(window, qtbot, crash_three)
    check = window.check_drafts()
    qtbot.waitUntil(lambda: check.done, timeout=20_000)
    assert "(and 2 more)" in window.banner.text.text() and window.banner_action.text() == "Show drafts"
    window.banner_action.click()
    drafts: DraftsDialog = window.drafts_dialog
    qtbot.waitUntil(lambda: drafts.model.rowCount() == 4, timeout=20_000)
    qtmodeltester.check(drafts.model)
    rows = {drafts.model.record(r).report.hcp_id: r for r in range(4)}
    not_ae_row = rows[hcps[0].id]
    assert drafts.model.index(not_ae_row, 2).data() == "Not an adverse event"
    assert drafts.model.index(rows[hcps[1].id], 3).data().startswith("Not saved")

    drafts.table.selectRow(not_ae_row)
    drafts.open_button.click()
    reopened = window.visit_dialogs[-1]
    qtbot.waitUntil(lambda: reopened.ready, timeout=20_000)
    assert reopened.report.id == dialog.report.id and reopened.not_ae.isChecked()
    assert reopened.not_ae_reason.text().startswith("The seizure was before") and reopened.safety.isVisible()
    drafts.table.selectRow(rows[hcps[2].id])
    drafts.open_button.click()
    crashed = window.visit_dialogs[-1]
    qtbot.waitUntil(lambda: crashed.ready, timeout=20_000)
    assert crashed.notes.toPlainText() == f"Half-written note for {hcps[2].last_name}"
    crashed.close()
    _answer(crashed, qtbot, "Keep editing")  # kept only as an autosave: closing it asks
    assert crashed.isVisible()


def test_an_empty_visit_is_not_submitted_without_a_confirmation(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    QTest.keyClick(dialog.notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    _answer(dialog, qtbot, "Keep editing")
    assert "no product, topic or note" in dialog.prompt.text()
    assert dialog.prompt.icon() is QMessageBox.Icon.Warning
    assert _run(window, qtbot, lambda ws: ws.visits.for_hcp(dialog.hcp_id)) == []
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    QTest.keyClick(dialog.notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(dialog.submitted, timeout=20_000):
        _answer(dialog, qtbot, "Submit anyway")
    [report] = _run(window, qtbot, lambda ws: ws.visits.for_hcp(dialog.hcp_id))
    assert report.status is ReportStatus.SUBMITTED and report.notes == "" and report.topics == ()
