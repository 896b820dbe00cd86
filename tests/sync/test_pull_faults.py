"""Pulling through failures: killed mid-page and between pages, flaky links, first syncs that resume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import repcompanion.sync.client as client_module
from repcompanion.store.replica import apply_page, staging_path
from repcompanion.sync import SyncCancelled, SyncError
from tests.sync.conftest import Device, Hub, assert_invariants, local_view, quiesce


def _synced(hub: Hub, make_device: Callable[..., Device], name: str = "laptop", **kw: Any) -> Device:
    device = make_device(hub, name, **kw)
    device.login()
    device.client.sync()
    return device


def _hub_edits(hub: Hub, rounds: int) -> None:
    hcps = hub.hcps_of("T-001")
    for i in range(rounds):
        hub.touch_hcps(hcps, f"{i:04d}")


def _cancel_after(pages: int) -> Callable[[], bool]:
    calls = {"n": 0}

    def cancelled() -> bool:
        # asked once before the first request and twice per page (before asking ahead, after writing)
        calls["n"] += 1
        return calls["n"] > 1 + 2 * (pages - 1) + 1

    return cancelled


def test_pull_killed_mid_page_writes_nothing_of_that_page_and_resumes_without_a_gap(
    hub: Hub, make_device: Callable[..., Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = _synced(hub, make_device, "killed")
    stopped = _synced(hub, make_device, "stopped")
    _hub_edits(hub, 12)  # 96 changes: two pages of 50
    pages: list[int] = []

    def dies_in_page_two(store: Any, changes: Any, next_cursor: int, **state: Any) -> Any:
        pages.append(next_cursor)
        if len(pages) < 2:
            return apply_page(store, changes, next_cursor, **state)
        with store.atomic():
            apply_page(store, changes[: len(changes) // 2], next_cursor, **state)  # half the rows are on disk...
            raise KeyboardInterrupt("power cut")  # ...when the laptop dies

    monkeypatch.setattr(client_module, "apply_page", dies_in_page_two)
    with pytest.raises(KeyboardInterrupt):
        killed.client.sync()
    monkeypatch.undo()
    with pytest.raises(SyncCancelled):
        stopped.client.sync(cancelled=_cancel_after(1))
    # the killed replica is exactly the cleanly stopped one: same cursor, same rows (nothing ahead, no gap)
    assert killed.store.sync_state.get().cursor == stopped.store.sync_state.get().cursor == pages[0]
    assert local_view(killed.store) == local_view(stopped.store)
    quiesce(killed, stopped)
    assert_invariants(hub, killed, stopped)


def test_pull_cancelled_between_pages_keeps_what_arrived_and_continues_from_there(
    hub: Hub, make_device: Callable[..., Device]
) -> None:
    rep = _synced(hub, make_device)
    _hub_edits(hub, 12)
    before = rep.store.sync_state.get().cursor
    with pytest.raises(SyncCancelled) as cancelled:
        rep.client.sync(cancelled=_cancel_after(1))
    assert cancelled.value.report.pulled == 50
    middle = rep.store.sync_state.get().cursor
    assert before < middle
    rep.transport.sent.clear()
    result = rep.client.sync()
    assert result.pulled == 46 and rep.transport.count("/v1/pull") == 1
    assert_invariants(hub, rep)


def test_a_first_sync_resumes_where_it_stopped_and_is_swapped_in_only_when_whole(
    hub: Hub, make_device: Callable[..., Device]
) -> None:
    rep = make_device(hub)
    rep.login()
    with pytest.raises(SyncCancelled):
        rep.client.sync(cancelled=_cancel_after(3))
    assert rep.store.table_counts()["hcps"] == 0  # nothing half-loaded in the workspace
    assert staging_path(rep.store.path).exists()
    rep.transport.sent.clear()
    result = rep.client.sync()
    assert result.full and result.verified
    whole = _synced(hub, make_device, "reference").store.table_counts()
    assert rep.store.table_counts() == whole
    # the three pages already kept are not asked again (the hub may end a pass with one empty page)
    assert rep.transport.count("/v1/pull") <= -(-result.pulled // 50) + 1
    assert not staging_path(rep.store.path).exists()
    assert rep.store.sync_state.get().initial_complete
    assert_invariants(hub, rep)


def test_hub_writes_during_a_first_sync_arrive_in_the_same_sync(hub: Hub, make_device: Callable[..., Device]) -> None:
    rep = make_device(hub)
    rep.login()
    mine, theirs = hub.hcps_of("T-001"), hub.hcps_of("T-002")
    seen_empty = []
    calls = {"n": 0}

    def hub_busy() -> bool:
        calls["n"] += 1
        if calls["n"] == 3:  # after the first page
            seen_empty.append(rep.store.table_counts()["hcps"] == 0)
            hub.touch_hcps(mine, "busy")
            hub.realign([mine[0]], "T-001", "T-002")
            hub.realign([theirs[0]], "T-002", "T-001")
        return False

    result = rep.client.sync(cancelled=hub_busy)
    assert seen_empty == [True] and result.full and result.verified
    assert rep.store.hcps.find(mine[0]) is None and rep.store.hcps.find(theirs[0]) is not None
    assert {h.phone for h in rep.store.hcps.all()} >= {"555-busy"}
    assert_invariants(hub, rep)


def test_a_flaky_link_with_resets_cut_bodies_proxy_pages_and_lost_replies_converges(
    hub: Hub, make_device: Callable[..., Device]
) -> None:
    rep = make_device(hub, max_retries=3)
    rep.transport.rate = 0.35
    rep.transport.rng.seed(20261124)
    for _ in range(20):
        try:
            rep.login()
            break
        except SyncError:
            continue
    for _ in range(20):  # the first download, through the same faults
        try:
            rep.client.sync()
            break
        except SyncError:
            continue
    assert rep.store.sync_state.get().initial_complete
    hcps = hub.hcps_of("T-001")
    failures = 0
    for round_ in range(6):
        rep.submit_report(hcps[round_ % len(hcps)], notes=f"round {round_}")
        hub.touch_hcps(hcps[:3], f"r{round_}")
        try:
            rep.client.sync()
        except SyncError:
            failures += 1
    assert failures < 6 and rep.sleeps  # faults happened, retries backed off
    assert all(0 < s < 60 for s in rep.sleeps)
    quiesce(rep)
    assert_invariants(hub, rep)
