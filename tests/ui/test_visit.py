"""Log a visit: save, submit and lock; a flagged note needs a decision; a half-written note survives a crash."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog

from repcompanion.domain import ReportStatus
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.visit_dialog import VisitDialog
from repcompanion.workspace import autosave_key

FLAGGED = "Dr Lee said a patient on the product developed a severe rash and was admitted to hospital."
PLAIN = "Discussed dosing and the new formulary listing. She will review the leaflet."


def _open(window: Any, qtbot: Any, **kw: Any) -> VisitDialog:
    hcp_id = kw.pop("hcp_id", None) or window.runner.workspace().directory.hcps()[0].id
    dialog = window.log_visit(hcp_id, modal=False, **kw)
    qtbot.waitUntil(lambda: dialog.ready, timeout=20_000)
    return dialog


def _reports(window: Any, hcp_id: str) -> list[Any]:
    return window.runner.workspace().visits.for_hcp(hcp_id)


def test_log_and_submit_a_visit_locks_it_and_queues_it(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.check_items("topics", dialog.catalogue.topics[:1])
    dialog.set_note(PLAIN)
    with qtbot.waitSignal(dialog.submitted, timeout=20_000):
        dialog.save(submit=True)
    report = _reports(window, dialog.hcp_id)[0]
    assert report.status is ReportStatus.SUBMITTED and report.notes == PLAIN
    assert report.topics == tuple(dialog.catalogue.topics[:1])
    assert dialog.notes.isReadOnly() and not dialog.submit_button.isEnabled()
    assert "locked" in dialog.status_chip.text().lower()
    qtbot.waitUntil(lambda: window.sync_bar.status is not None and window.sync_bar.status.pending >= 1)


def test_a_flagged_note_cannot_be_submitted_without_a_decision(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.set_note(FLAGGED)
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save(submit=True)
    assert dialog.safety.isVisible()
    assert "rash" in dialog.safety_text.toHtml()
    assert _reports(window, dialog.hcp_id)[0].status is ReportStatus.DRAFT
    dialog.not_ae.setChecked(True)
    dialog.not_ae_reason.setText("The rash was caused by a different medicine, confirmed by the doctor.")
    with qtbot.waitSignal(dialog.submitted, timeout=20_000):
        dialog.save(submit=True)
    assert _reports(window, dialog.hcp_id)[0].status is ReportStatus.SUBMITTED


def test_reporting_an_adverse_event_opens_the_intake_with_a_clock(window: Any, qtbot: Any, monkeypatch: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.check_items("products", [dialog.catalogue.products[0].id])
    dialog.set_note(FLAGGED)
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.save(submit=True)
    seen: dict[str, Any] = {}

    def fake_exec(self: QDialog) -> int:
        seen["clock"] = self.clock.text()
        seen["description"] = self.description.toPlainText()
        self.seriousness.setCurrentIndex(self.seriousness.findData("serious"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr("repcompanion.ui.safety_dialog.IntakeDialog.exec", fake_exec)
    dialog.report_ae.setChecked(True)
    qtbot.waitUntil(lambda: dialog.intake is not None, timeout=20_000)
    assert "h" in seen["clock"] and "left" in seen["clock"]
    assert "rash" in seen["description"]
    with qtbot.waitSignal(dialog.submitted, timeout=20_000):
        dialog.save(submit=True)
    intakes = window.runner.workspace().visits.intakes()
    assert len(intakes) == 1 and intakes[0].seriousness.value == "serious"


def test_typing_only_the_attendees_is_autosaved(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    assert not dialog._dirty
    dialog.details.attendees.setText("Dr Lee, Nurse Patel")
    assert dialog._dirty and dialog._autosave_timer.isActive()
    op = dialog.autosave_now()
    assert op is not None
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    saved = window.runner.workspace().visits.autosaved()[autosave_key(dialog.report.id)]
    assert "Nurse Patel" in str(saved)
    dialog._dirty = False


def test_samples_over_the_products_limit_block_submit(window: Any, qtbot: Any) -> None:
    dialog = _open(window, qtbot)
    product = max(dialog.catalogue.products, key=lambda p: p.sample_limit_per_visit)
    dialog.add_sample_row(product.id, "LOT-1", product.sample_limit_per_visit + 1)
    dialog.set_note(PLAIN)
    assert dialog.save(submit=True) is None
    assert "per visit" in dialog.message.text()
    assert _reports(window, dialog.hcp_id) == []


def test_a_half_written_note_survives_a_crash(window: Any, qtbot: Any, demo_folder: Any) -> None:
    dialog = _open(window, qtbot)
    dialog.set_note("Half-written: Dr asked about renal dosing and")
    op = dialog.autosave_now()
    assert op is not None
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    key = autosave_key(dialog.report.id)
    assert key in window.runner.workspace().visits.autosaved()
    # the process dies: no close, no save; a new window opens the same workspace
    dialog._dirty = False
    second = MainWindow(restore_state=False)
    qtbot.addWidget(second)
    second.show()
    try:
        with qtbot.waitSignal(second.workspace_opened, timeout=20_000):
            second.open_workspace(demo_folder)
        qtbot.waitUntil(lambda: second.banner_action.isVisible() and "Restore" in second.banner_action.text(),
                        timeout=20_000)  # fmt: skip
        second.banner_action.click()
        restored = second.visit_dialogs[-1]
        qtbot.waitUntil(lambda: restored.ready, timeout=20_000)
        assert restored.notes.toPlainText() == "Half-written: Dr asked about renal dosing and"
        assert restored.report.id == dialog.report.id
    finally:
        for d in list(second.visit_dialogs):
            d._closing = True
            d.close()
        second.close()
        second.runner.shutdown()
