"""Hypothesis state machine: devices edit, sync and suffer faults; after quiescing nothing is lost or doubled."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from repcompanion.domain import (
    ActionType,
    CallReport,
    CallReportId,
    CallType,
    FeedbackKind,
    HcpId,
    SuggestionFeedback,
    uuid7,
)
from repcompanion.domain.ids import FeedbackId
from repcompanion.hub import HubSettings
from repcompanion.store import open_store
from repcompanion.sync import CredentialStore, SyncClient, SyncError
from tests.sync.conftest import (
    Device,
    Hub,
    MemoryKeyring,
    assert_invariants,
    drop_before_send,
    html_after_commit,
    html_page,
    lose_reply,
    quiesce,
    reset_connection,
    truncate_body,
)

FAULTS = {
    "drop": drop_before_send,
    "lost-reply": lose_reply,
    "reset": reset_connection,
    "truncated": truncate_body,
    "proxy-502": html_page(502),
    "proxy-after-commit": html_after_commit,
}


class SyncMachine(RuleBasedStateMachine):
    hub_file: Path

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sync-machine-"))
        shutil.copyfile(self.hub_file, self.folder / "hub.db")
        self.hub = Hub(f"sqlite:///{self.folder / 'hub.db'}", HubSettings())
        self.hcps = self.hub.hcps_of("T-001")
        self.devices: list[Device] = []
        self.drafts: dict[int, list[object]] = {}
        self.acknowledged: set[str] = set()

    @initialize(n=st.integers(2, 3))
    def devices_log_in_and_download(self, n: int) -> None:
        for i in range(n):
            store = open_store(self.folder / f"device{i}.db")
            transport = self.hub.transport()
            ring = MemoryKeyring()
            client = SyncClient(
                httpx.Client(transport=transport),
                store,
                CredentialStore(ring),
                page_limit=40,
                max_retries=2,
                sleep=lambda s: None,
            )
            device = Device(f"device{i}", store, transport, client, ring, [])
            device.login()
            device.client.sync()
            self.devices.append(device)
            self.drafts[i] = []

    def _device(self, i: int) -> Device:
        return self.devices[i % len(self.devices)]

    @rule(d=st.integers(0, 2), h=st.integers(0, 7), notes=st.text(min_size=0, max_size=30))
    def submit_a_report(self, d: int, h: int, notes: str) -> None:
        device = self._device(d)
        hcp = self.hcps[h % len(self.hcps)]
        if device.store.hcps.find(hcp) is not None:
            device.submit_report(hcp, notes=notes)

    @rule(d=st.integers(0, 2), h=st.integers(0, 7))
    def save_a_draft(self, d: int, h: int) -> None:
        device = self._device(d)
        hcp = self.hcps[h % len(self.hcps)]
        if device.store.hcps.find(hcp) is not None:
            device.store.save_draft(
                CallReport(CallReportId(uuid7()), HcpId(hcp), datetime(2026, 11, 22, tzinfo=UTC), CallType.PHONE)
            )

    @rule(
        d=st.integers(0, 2), h=st.integers(0, 7), kind=st.sampled_from([FeedbackKind.ACCEPTED, FeedbackKind.COMPLETED])
    )
    def give_feedback(self, d: int, h: int, kind: FeedbackKind) -> None:
        device = self._device(d)
        hcp = self.hcps[h % len(self.hcps)]
        if device.store.hcps.find(hcp) is not None:
            device.store.add_feedback(
                SuggestionFeedback(FeedbackId(uuid7()), HcpId(hcp), ActionType.EMAIL, kind, datetime.now(UTC))
            )

    @rule(h=st.integers(0, 7), tag=st.integers(0, 999))
    def the_hub_edits_an_hcp(self, h: int, tag: int) -> None:
        self.hub.touch_hcps([self.hcps[h % len(self.hcps)]], f"{tag:04d}")

    @rule(
        d=st.integers(0, 2),
        faults=st.lists(st.sampled_from(sorted(FAULTS)), max_size=4),
        path=st.sampled_from(["/v1/push", "/v1/pull"]),
    )
    def sync_through_faults(self, d: int, faults: list[str], path: str) -> None:
        device = self._device(d)
        device.transport.plan(path, *[FAULTS[f] for f in faults])
        with contextlib.suppress(SyncError):
            device.client.sync()
        device.transport.script.clear()

    @rule(d=st.integers(0, 2))
    def cancel_a_sync_after_the_first_page(self, d: int) -> None:
        device = self._device(d)
        calls = {"n": 0}

        def cancelled() -> bool:
            calls["n"] += 1
            return calls["n"] > 2

        with contextlib.suppress(SyncError):
            device.client.sync(cancelled=cancelled)

    @invariant()
    def acknowledged_changes_are_never_forgotten(self) -> None:
        for device in self.devices:
            for m in device.store.outbox.all():
                if m.status.value in ("applied", "duplicate"):
                    self.acknowledged.add(m.id)
                    assert len(self.hub.mutation_rows(m.id)) == 1
        for mid in self.acknowledged:
            assert any(m.id == mid and m.status.value != "pending" for d in self.devices for m in d.store.outbox.all())

    @precondition(lambda self: bool(self.devices))
    @rule()
    def quiesce_and_check(self) -> None:
        quiesce(*self.devices)
        assert_invariants(self.hub, *self.devices)

    def teardown(self) -> None:
        if self.devices:
            quiesce(*self.devices)
            assert_invariants(self.hub, *self.devices)
        for device in self.devices:
            device.client.http.close()
            device.store.close()
        self.hub.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.mark.slow
def test_devices_editing_and_syncing_through_faults_converge(hub_template: Path) -> None:
    SyncMachine.hub_file = hub_template
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
