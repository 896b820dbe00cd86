"""Token refresh and expiry mid-sync, a cursor older than the tombstone window, and a laptop clock off by days."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

import repcompanion.hub.auth.sessions as hub_sessions
import repcompanion.store.outbox as outbox_module
import repcompanion.store.store as store_module
import repcompanion.sync.client as client_module
from repcompanion.domain import CallReport, CallReportId, CallType, HcpId, uuid7
from repcompanion.hub.sync import compact
from repcompanion.sync import LoginRequired
from tests.sync.conftest import Device, Hub, assert_invariants, quiesce


def _synced(hub: Hub, make_device: Callable[..., Device], name: str = "laptop") -> Device:
    device = make_device(hub, name)
    device.login()
    device.client.sync()
    return device


class _DayLater:
    """The ``time`` module, a day on."""

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)

    def time(self) -> float:
        return time.time() + 86400


def _expire_access_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hub's clock moves a day on: every access token it signed has expired."""
    monkeypatch.setattr(hub_sessions, "time", _DayLater())


def test_an_expired_access_token_is_refreshed_once_and_the_sync_carries_on(
    hub: Hub, make_device: Callable[..., Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _synced(hub, make_device)
    rep.submit_report(hub.hcps_of("T-001")[0])
    _expire_access_tokens(monkeypatch)
    rep.transport.sent.clear()
    result = rep.client.sync()
    assert result.applied == 1
    assert rep.transport.count("/v1/auth/refresh") == 1
    assert rep.transport.sent[:3] == ["/v1/push", "/v1/auth/refresh", "/v1/push"]
    monkeypatch.undo()
    assert_invariants(hub, rep)


def test_token_expiry_mid_sync_with_a_failing_refresh_stops_at_once_and_keeps_everything(
    hub: Hub, make_device: Callable[..., Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = _synced(hub, make_device)
    hcps = hub.hcps_of("T-001")
    for i in range(12):
        hub.touch_hcps(hcps, f"t{i}")  # two pages to pull
    report = rep.submit_report(hcps[1])
    mark: list[int] = []

    def expire_after_the_first_page() -> bool:
        if not mark and rep.store.sync_state.get().cursor > 0 and rep.transport.count("/v1/pull") == 1:
            _expire_access_tokens(monkeypatch)
            with hub.db.write() as conn:
                conn.execute(text("UPDATE refresh_tokens SET expires_at = '2000-01-01T00:00:00+00:00'"))
            mark.append(len(rep.transport.sent))
        return False

    rep.transport.sent.clear()
    with pytest.raises(LoginRequired) as raised:
        rep.client.sync(cancelled=expire_after_the_first_page)
    assert "expired" in raised.value.message and "repcompanion login" in raised.value.hint
    assert rep.transport.sent[mark[0] :] == ["/v1/pull", "/v1/auth/refresh"]  # one try, one refresh, stop
    assert rep.sleeps == []  # no backoff loop either
    rep.transport.sent.clear()
    with pytest.raises(LoginRequired):
        rep.client.sync()
    assert rep.transport.sent == []  # the dead login is not tried again
    assert [m.entity_id for m in rep.store.outbox.all()] == [report.id]
    monkeypatch.undo()
    rep.login()
    rep.client.sync()
    assert_invariants(hub, rep)


def test_a_cursor_older_than_the_tombstone_window_resets_the_replica_and_keeps_local_work(
    hub: Hub, make_device: Callable[..., Device]
) -> None:
    # one page per pass: the hub resets every cursor below its floor, even mid-way through a fresh pass
    # (see test_a_full_download_after_a_hub_compaction_can_take_several_pages)
    rep = make_device(hub, page_limit=5000)
    rep.login()
    rep.client.sync()
    hcps = hub.hcps_of("T-001")
    draft_hcp = hcps[2]
    rep.store.save_draft(_draft(draft_hcp))
    rep.store.autosave("report:unsaved", {"notes": "half a sentence"}, hcp_id=draft_hcp)
    hub.realign([hcps[0]], "T-001", "T-002")
    with hub.db.write() as conn:
        compact(conn, tombstone_days=-1)  # the tombstone is gone: our cursor can no longer be served
    written = []

    def rep_writes_during_the_reset() -> bool:
        if not written:
            written.append(rep.submit_report(hcps[1], notes="written while the territory was re-downloaded"))
        return False

    result = rep.client.sync(cancelled=rep_writes_during_the_reset)
    assert result.reset and result.full and result.verified
    (pending,) = rep.store.outbox.pending()
    assert pending.entity_id == written[0].id  # the outbox survived the reset
    assert rep.store.call_report(written[0].id).notes.startswith("written while")
    assert [r.hcp_id for r in rep.store.call_reports() if not r.submitted] == [draft_hcp]
    assert rep.store.autosaved("report:unsaved") == {"report:unsaved": {"notes": "half a sentence"}}
    assert rep.store.hcps.find(hcps[0]) is None
    rep.client.sync()
    assert_invariants(hub, rep)


def _draft(hcp_id: str) -> CallReport:
    return CallReport(
        CallReportId(uuid7()), HcpId(hcp_id), datetime(2026, 11, 21, 10, tzinfo=UTC), CallType.IN_PERSON, notes="draft"
    )


@pytest.mark.parametrize("days", [-3, 3])
def test_a_laptop_clock_wrong_by_three_days_changes_nothing(
    hub: Hub, make_device: Callable[..., Device], monkeypatch: pytest.MonkeyPatch, days: int
) -> None:
    skew = timedelta(days=days)

    class SkewedClock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return datetime.now(tz) + skew

    for module in (store_module, outbox_module, client_module):
        monkeypatch.setattr(module, "datetime", SkewedClock)
    rep, other = _synced(hub, make_device, "skewed"), _synced(hub, make_device, "other")
    hcps = hub.hcps_of("T-001")
    for i in range(3):
        hub.touch_hcps(hcps, f"c{i}")
        rep.submit_report(hcps[i], notes=f"skewed {i}")
        other.submit_report(hcps[i], notes=f"right {i}")
        rep.client.sync()
        other.client.sync()
    quiesce(rep, other)
    assert_invariants(hub, rep, other)


def test_a_full_download_after_a_hub_compaction_can_take_several_pages(
    hub: Hub, make_device: Callable[..., Device]
) -> None:
    hub.realign([hub.hcps_of("T-001")[0]], "T-001", "T-002")
    with hub.db.write() as conn:
        compact(conn, tombstone_days=-1)
    rep = make_device(hub, page_limit=50)
    rep.login()
    assert rep.client.sync().full
    assert_invariants(hub, rep)
