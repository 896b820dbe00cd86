"""The HCP follow-ups tab and the passphrase prompt of an encrypted workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from repcompanion.domain import Channel, FollowUpJob, FollowUpStatus, WorkspaceKeyError
from repcompanion.ui.main_window import MainWindow
from repcompanion.ui.ops import Op
from repcompanion.workspace import PassphraseRequiredError, Workspace


def test_follow_ups_tab_shows_each_follow_up_with_its_status(window: Any, qtbot: Any, qtmodeltester: Any) -> None:
    now = datetime.now(UTC)

    def add(ws: Any) -> str:
        hcp_id = ws.directory.hcps()[0].id
        jobs = [
            FollowUpJob(
                "fu-1",
                hcp_id,
                "clinical-data",
                "send_email",
                FollowUpStatus.OPENED,
                now - timedelta(days=2),
                channel=Channel.EMAIL,
                content_id="C001",
                sent_at=now - timedelta(days=1),
            ),
            FollowUpJob(
                "fu-2",
                hcp_id,
                "msl-after-read",
                "send_email",
                FollowUpStatus.SUPPRESSED,
                now,
                channel=Channel.EMAIL,
                reason="No email consent on record",
            ),
        ]
        ws.store.follow_ups.upsert_many(jobs)
        return hcp_id

    op = Op(window, add).run()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert op.error is None, op.error
    window.show_hcp(op.result)
    hcp = window.hcp
    qtbot.waitUntil(lambda: hcp.digital.rowCount() == 2, timeout=20_000)
    statuses = {hcp.digital.index(r, 0).data() for r in range(2)}
    assert statuses == {"Opened", "Suppressed"}
    suppressed = next(r for r in range(2) if hcp.digital.index(r, 0).data() == "Suppressed")
    assert hcp.digital.index(suppressed, 7).data() == "No email consent on record"
    assert hcp.digital.index(suppressed, 0).data(hcp.digital.StatusColorRole) == "warning"
    assert "(2)" in hcp.tabs.tabText(hcp.tabs.indexOf(hcp.digital_table))
    hcp.digital_table.grab()  # the chip delegate paints
    qtmodeltester.check(hcp.digital)


def test_an_encrypted_workspace_asks_for_the_passphrase_until_it_is_right(
    qtbot: Any, demo_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = Workspace.open.__func__  # type: ignore[attr-defined]
    tried: list[str | None] = []

    def guarded_open(cls: type, folder: Path | None = None, *, passphrase: str | None = None) -> Workspace:
        tried.append(passphrase)
        if passphrase is None:
            raise PassphraseRequiredError(f"The workspace in {folder} is protected by a passphrase.")
        if passphrase != "open sesame!":
            raise WorkspaceKeyError(f"Wrong passphrase or key for the workspace in {folder}.")
        return real_open(cls, folder)

    monkeypatch.setattr(Workspace, "open", classmethod(guarded_open))
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    try:
        win.open_workspace(demo_folder)
        qtbot.waitUntil(lambda: win.passphrase_dialog is not None, timeout=20_000)
        dialog = win.passphrase_dialog
        assert dialog.passphrase.echoMode() == dialog.passphrase.EchoMode.Password
        assert not dialog.problem.isVisible()
        dialog.passphrase.setText("wrong guess")
        dialog.accept()
        qtbot.waitUntil(
            lambda: win.passphrase_dialog is not None and win.passphrase_dialog is not dialog, timeout=20_000
        )
        again = win.passphrase_dialog
        assert again.problem.isVisible() and "did not unlock" in again.problem.text()
        assert win.runner.has_workspace is False
        with qtbot.waitSignal(win.workspace_opened, timeout=20_000):
            again.passphrase.setText("open sesame!")
            again.accept()
        assert tried == [None, "wrong guess", "open sesame!"]
        assert win.runner.has_workspace
    finally:
        win.sync_bar.timer.stop()
        win.close()
        win.runner.shutdown()


def test_cancelling_the_passphrase_prompt_leaves_a_clear_message(
    qtbot: Any, demo_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked_open(cls: type, folder: Path | None = None, *, passphrase: str | None = None) -> Workspace:
        raise PassphraseRequiredError(f"The workspace in {folder} is protected by a passphrase.")

    monkeypatch.setattr(Workspace, "open", classmethod(locked_open))
    win = MainWindow(restore_state=False)
    qtbot.addWidget(win)
    win.show()
    try:
        win.open_workspace(demo_folder)
        qtbot.waitUntil(lambda: win.passphrase_dialog is not None, timeout=20_000)
        with qtbot.waitSignal(win.workspace_failed, timeout=10_000):
            win.passphrase_dialog.reject()
        assert win.banner.isVisible() and "encrypted" in win.banner.text.text()
        assert win.banner_action.isVisible()
    finally:
        win.close()
        win.runner.shutdown()


def test_the_visit_dialog_previews_follow_ups_and_a_deselected_one_is_recorded(window: Any, qtbot: Any) -> None:

    def find(ws: Any) -> tuple[str, str] | None:
        # approved content is only sent for a product discussed: the visit names one with efficacy e-mail content
        products = sorted({str(c.product_id) for c in ws.directory.content() if "efficacy" in c.topics})
        for h in ws.directory.hcps():
            for product in products:
                report = ws.visits.new(h.id).edited(topics=("efficacy",), products=(product,))
                if any(p.status is FollowUpStatus.SCHEDULED for p in ws.followups.preview(report)):
                    return str(h.id), product
        return None

    op = Op(window, find).run()
    qtbot.waitUntil(lambda: op.done, timeout=20_000)
    assert op.result is not None, "the seeded demo territory has HCPs with email consent for an efficacy follow-up"
    hcp_id, product = op.result
    dialog = window.log_visit(hcp_id, modal=False)
    qtbot.waitUntil(lambda: dialog.ready, timeout=20_000)
    preview = dialog.follow_up_preview
    dialog.check_items("products", [product])
    dialog.check_items("topics", ["efficacy"])
    qtbot.waitUntil(lambda: any(p.status is FollowUpStatus.SCHEDULED for p in preview.planned), timeout=20_000)
    row = next(i for i, p in enumerate(preview.planned) if p.status is FollowUpStatus.SCHEDULED)
    item = preview.list.item(row)
    assert "consent" in item.text()
    from PySide6.QtCore import Qt

    item.setCheckState(Qt.CheckState.Unchecked)
    journey = preview.planned[row].journey
    assert any(journey in r for r in dialog.current_report().follow_up_requests)
    refreshed = preview.refresh()
    qtbot.waitUntil(lambda: refreshed.done, timeout=20_000)
    again = next(i for i, p in enumerate(preview.planned) if p.journey == journey)
    assert preview.planned[again].status is FollowUpStatus.CANCELLED
    assert preview.list.item(again).checkState() == Qt.CheckState.Unchecked
