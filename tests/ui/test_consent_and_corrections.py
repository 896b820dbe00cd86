"""From an HCP's page: record the consent they give in person, and suggest a correction to their details."""

from __future__ import annotations

from typing import Any

from repcompanion.domain import Channel, ConsentState, MutationKind
from repcompanion.ui.hcp_dialogs import CORRECTION_FIELDS, ChangeRequestDialog, ConsentDialog
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from repcompanion.workspace.dcr import ALLOWED_FIELDS


def _open_hcp(window: MainWindow, qtbot: Any, row: int = 0) -> str:
    qtbot.waitUntil(lambda: window.today.data is not None, timeout=30_000)
    hcp_id = window.today.data.rows[row].hcp_id
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        window.show_hcp(hcp_id)
    return hcp_id


def _outbox(window: MainWindow, qtbot: Any, kind: MutationKind) -> list[Any]:
    op = Op(window, lambda ws: [m for m in ws.store.outbox.all() if m.kind is kind]).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    return list(op.result)


def test_an_opt_out_given_in_person_is_recorded_queued_and_shown(window: MainWindow, qtbot: Any) -> None:
    hcp_id = _open_hcp(window, qtbot)
    hcp = window.hcp.dossier.hcp
    dialog = window.hcp.record_consent(modal=False)
    assert isinstance(dialog, ConsentDialog) and dialog.isVisible()
    dialog.channel.setCurrentIndex(dialog.channel.findData(Channel.EMAIL.value))
    dialog.set_values(state=ConsentState.OPT_OUT, typed_name=f"{hcp.first_name} {hcp.last_name}")
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):  # the page reads the HCP afresh
        dialog.buttons.accepted.emit()
    assert dialog.result() == ConsentDialog.DialogCode.Accepted and dialog.recorded is not None
    assert window.hcp.dossier.consents[Channel.EMAIL] == dialog.recorded
    [queued] = _outbox(window, qtbot, MutationKind.CONSENT_CAPTURE)
    assert queued.entity_id == dialog.recorded.id and queued.payload["hcp_id"] == hcp_id
    assert queued.payload["proof"] == f"{hcp.first_name} {hcp.last_name}"
    assert queued.payload["source"].startswith("rep: in person")
    texts = [window.hcp.consent_grid.itemAt(i).widget().text() for i in range(window.hcp.consent_grid.count())]
    assert any("Opted out" in t for t in texts) and any("given to you in person" in t for t in texts)
    assert "opt-out recorded" in window.hcp.feedback_note.text()


def test_a_consent_without_the_hcps_own_name_is_refused_in_the_dialog(window: MainWindow, qtbot: Any) -> None:
    _open_hcp(window, qtbot, 1)
    dialog = window.hcp.record_consent(modal=False)
    assert dialog is not None
    dialog.buttons.accepted.emit()  # no decision yet
    assert (
        dialog.problem.isVisible() and "opt-in" in dialog.problem.text().lower()
    ) or "contact" in dialog.problem.text()
    dialog.set_values(state=ConsentState.OPT_IN, typed_name="Somebody Else")
    op = dialog.record()
    qtbot.waitUntil(lambda: op is not None and op.done, timeout=10_000)
    assert dialog.isVisible() and "does not contain" in dialog.problem.text()
    assert _outbox(window, qtbot, MutationKind.CONSENT_CAPTURE) == []
    dialog.reject()


def test_a_correction_proposes_only_what_changed_and_shows_as_waiting(window: MainWindow, qtbot: Any) -> None:
    hcp_id = _open_hcp(window, qtbot, 2)
    op = window.hcp.suggest_correction(modal=False)
    qtbot.waitUntil(lambda: op is not None and op.done and window.hcp.correction_dialog is not None, timeout=10_000)
    dialog = window.hcp.correction_dialog
    assert isinstance(dialog, ChangeRequestDialog)
    dialog.propose()
    assert dialog.problem.isVisible() and "at least one detail" in dialog.problem.text()
    dialog.set_value("phone", "617-555-0142")
    other = next(a for a in window.hcp.dossier.accounts if a.id != dialog.current["affiliation"])
    dialog.set_value("affiliation", other.id)
    assert dialog.changes() == {"phone": "617-555-0142", "affiliation": other.id}
    with qtbot.waitSignal(window.hcp.loaded, timeout=20_000):
        dialog.propose()
    assert dialog.proposed is not None and dialog.proposed.status == "proposed"
    [queued] = _outbox(window, qtbot, MutationKind.DATA_CHANGE_REQUEST)
    assert queued.payload["hcp_id"] == hcp_id and queued.payload["changes"] == {
        "phone": "617-555-0142",
        "affiliation": other.id,
    }
    profile = window.hcp.profile.text()
    assert "Correction" in profile and "waiting for your company" in profile and other.name in profile
    assert other.id not in profile  # the account by its name, never its id


def test_a_correction_the_workspace_refuses_keeps_the_dialog_open(window: MainWindow, qtbot: Any) -> None:
    _open_hcp(window, qtbot, 3)
    op = window.hcp.suggest_correction(modal=False)
    qtbot.waitUntil(lambda: op is not None and op.done and window.hcp.correction_dialog is not None, timeout=10_000)
    dialog = window.hcp.correction_dialog
    dialog.set_value("zip", "123")
    sent = dialog.propose()
    qtbot.waitUntil(lambda: sent is not None and sent.done, timeout=10_000)
    assert dialog.isVisible() and "not a US ZIP code" in dialog.problem.text()
    assert _outbox(window, qtbot, MutationKind.DATA_CHANGE_REQUEST) == []
    dialog.reject()


def test_the_form_names_every_field_a_correction_may_change() -> None:
    assert set(CORRECTION_FIELDS) == set(ALLOWED_FIELDS)
