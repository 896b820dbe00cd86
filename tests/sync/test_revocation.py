"""Device revocation end to end: the laptop uploads its outbox once, is refused everywhere, and is wiped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from repcompanion.domain import CallReport, CallReportId, CallType, HcpId, uuid7
from repcompanion.hub.auth import revoke_device
from repcompanion.sync import CredentialStore
from repcompanion.sync.errors import DeviceRevoked
from repcompanion.workspace import Workspace
from tests.sync.conftest import HUB_URL, PASSWORD, Device, Hub, MemoryKeyring


def _reports_on_hub(hub: Hub, ids: list[str]) -> int:
    return sum(hub.count("call_reports", "id = :i", i=i) for i in ids)


def _revoke(hub: Hub, device: Device, reason: str = "reported lost") -> None:
    revoke_device(hub.db, device.store.sync_state.device_id(), reason, by="it-admin")


def test_a_revoked_laptop_uploads_its_outbox_then_is_refused_with_the_reason(
    hub: Hub, make_device: Callable[..., Device]
) -> None:
    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    hcps = hub.hcps_of("T-001")
    pending = [laptop.submit_report(h).id for h in hcps[:3]]
    _revoke(hub, laptop)

    with pytest.raises(DeviceRevoked) as caught:
        laptop.client.sync()
    assert caught.value.reason == "reported lost"
    assert caught.value.revoked_at[:4].isdigit()
    assert caught.value.flushed and caught.value.unsent == 0
    assert "reported lost" in caught.value.message
    assert laptop.store.outbox.pending_count() == 0
    assert _reports_on_hub(hub, pending) == 3

    # the flush happened once: a later report is refused and stays on the laptop
    late = laptop.submit_report(hcps[3]).id
    with pytest.raises(DeviceRevoked) as again:
        laptop.client.sync()
    assert again.value.unsent == 1 and not again.value.flushed
    assert _reports_on_hub(hub, [late]) == 0


def test_without_flush_a_revoked_laptop_uploads_nothing(
    make_hub: Callable[..., Hub], make_device: Callable[..., Device]
) -> None:
    hub = make_hub(revoked_may_flush=False)
    laptop = make_device(hub)
    laptop.login()
    laptop.client.sync()
    report = laptop.submit_report(hub.hcps_of("T-001")[0]).id
    _revoke(hub, laptop, "left the company")
    with pytest.raises(DeviceRevoked) as caught:
        laptop.client.sync()
    assert caught.value.unsent == 1 and not caught.value.flushed
    assert _reports_on_hub(hub, [report]) == 0


def test_a_revoked_laptop_cannot_log_in_again(hub: Hub, make_device: Callable[..., Device]) -> None:
    laptop = make_device(hub)
    laptop.login()
    _revoke(hub, laptop)
    with pytest.raises(DeviceRevoked):
        laptop.login()


def test_wipe_workspace_erases_the_files_and_the_key_and_says_why(
    hub: Hub, make_device: Callable[..., Device], tmp_path: Path
) -> None:
    import keyring

    folder = tmp_path / "ws"
    ws = Workspace.open(folder)
    ws.sync.use_http(httpx.Client(transport=hub.transport()), CredentialStore(MemoryKeyring()))
    ws.sync.login(HUB_URL, "rep01", PASSWORD)
    ws.sync.run()
    ws.store.submit_call_report(_report_for(hub.hcps_of("T-001")[0]))
    device_id = ws.store.sync_state.device_id()
    before = dict(keyring.get_keyring().entries)  # type: ignore[attr-defined]
    revoke_device(hub.db, device_id, "reported stolen", by="it-admin")

    with pytest.raises(DeviceRevoked) as caught:
        ws.sync.run()
    err = caught.value
    assert hub.count("mutations", "device_id = :d AND status = 'applied'", d=device_id) == 1
    message = err.message  # Workspace.sync wiped the laptop and says why

    assert "reported stolen" in message and err.revoked_at[:10] in message
    assert "Your unsent notes were uploaded first" in message
    assert not any(p.name.startswith("workspace.db") for p in folder.iterdir())
    after = dict(keyring.get_keyring().entries)  # type: ignore[attr-defined]
    assert len(after) < len(before), "the workspace key is gone from the keyring"
    with hub.db.read() as conn:
        assert conn.execute(text("SELECT revoked FROM devices WHERE device_id = :d"), {"d": device_id}).scalar() == 1


def _report_for(hcp_id: str) -> CallReport:
    return CallReport(
        CallReportId(uuid7()),
        HcpId(hcp_id),
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        CallType.IN_PERSON,
        topics=("efficacy",),
        notes="Discussed dosing.",
    )
