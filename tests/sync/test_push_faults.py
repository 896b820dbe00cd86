"""Pushing the outbox through failures: killed before send, after the hub commits, before the local ack."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from repcompanion.domain.enums import MutationKind, MutationStatus
from repcompanion.sync import HubProtocolError, HubUnreachable
from tests.sync.conftest import (
    Device,
    Hub,
    assert_invariants,
    drop_before_send,
    html_after_commit,
    lose_reply,
    quiesce,
)


@pytest.fixture
def rep(hub: Hub, make_device: Callable[..., Device]) -> Device:
    device = make_device(hub, max_retries=0)
    device.login()
    device.client.sync()
    return device


def test_push_killed_before_send_keeps_the_change_queued_and_sends_it_once_later(hub: Hub, rep: Device) -> None:
    hcp = hub.hcps_of("T-001")[0]
    report = rep.submit_report(hcp)
    rep.transport.plan("/v1/push", drop_before_send)
    with pytest.raises(HubUnreachable):
        rep.client.sync()
    assert [m.entity_id for m in rep.store.outbox.pending()] == [report.id]
    assert hub.count("call_reports", "id = :i", i=report.id) == 0
    result = rep.client.sync()
    assert (result.applied, result.duplicates) == (1, 0)
    assert_invariants(hub, rep)


@pytest.mark.parametrize(
    ("fault", "error"),
    [(lose_reply, HubUnreachable), (html_after_commit, HubProtocolError)],
    ids=["connection-reset", "proxy-504-page"],
)
def test_push_whose_reply_is_lost_after_the_hub_committed_is_answered_duplicate_not_applied_twice(
    hub: Hub, rep: Device, fault: Callable[..., object], error: type[Exception]
) -> None:
    hcp = hub.hcps_of("T-001")[1]
    reports = [rep.submit_report(hcp, notes=f"visit {i}") for i in range(3)]
    rep.transport.plan("/v1/push", fault)
    with pytest.raises(error):
        rep.client.sync()
    assert rep.store.outbox.pending_count() == 3
    assert all(hub.count("call_reports", "id = :i", i=r.id) == 1 for r in reports)  # the hub did commit
    result = rep.client.sync()
    assert (result.applied, result.duplicates) == (0, 3)
    assert hub.count("events", "id LIKE 'EV-%' AND hcp_id = :h", h=hcp) == 3  # one visit event per report
    assert_invariants(hub, rep)


def test_push_killed_after_the_reply_before_the_local_ack_resends_and_gets_duplicates(
    hub: Hub, rep: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    hcp = hub.hcps_of("T-001")[2]
    report = rep.submit_report(hcp)
    outbox = rep.store.outbox

    def crash(results: object) -> int:
        raise KeyboardInterrupt("laptop lid closed")

    monkeypatch.setattr(outbox, "mark", crash)
    with pytest.raises(KeyboardInterrupt):
        rep.client.sync()
    monkeypatch.undo()
    assert outbox.pending_count() == 1
    result = rep.client.sync()
    assert (result.applied, result.duplicates, result.pushed) == (0, 1, 1)
    assert hub.count("mutations", "entity_id = :e", e=report.id) == 1
    assert_invariants(hub, rep)


def test_a_poison_mutation_is_rejected_with_its_reason_and_later_changes_still_apply(hub: Hub, rep: Device) -> None:
    hcps = hub.hcps_of("T-001")
    first = rep.submit_report(hcps[0], notes="before the bad one")
    with rep.store.atomic():
        poison = rep.store.outbox.enqueue(MutationKind.CALL_REPORT_SUBMIT, "garbage", {"notes": "no id, no hcp"})
    later = [rep.submit_report(hcps[1], notes=f"after {i}") for i in range(2)]
    result = rep.client.sync()
    assert result.applied == 3
    assert [(r.mutation_id, r.entity_id) for r in result.rejected] == [(poison.id, "garbage")]
    assert "missing field" in result.rejected[0].reason
    (kept,) = rep.store.outbox.rejected()
    assert kept.id == poison.id and kept.status is MutationStatus.REJECTED and kept.reason
    assert all(hub.count("call_reports", "id = :i", i=r.id) == 1 for r in (first, *later))
    assert rep.client.sync().rejected == []  # shown once, kept in the outbox, never resent
    assert_invariants(hub, rep)


def test_two_devices_of_the_same_rep_see_each_others_reports(hub: Hub, make_device: Callable[..., Device]) -> None:
    laptop, tablet = make_device(hub, "laptop"), make_device(hub, "tablet")
    for d in (laptop, tablet):
        d.login()
        d.client.sync()
    hcp = hub.hcps_of("T-001")[3]
    mine = laptop.submit_report(hcp, notes="from the laptop")
    theirs = tablet.submit_report(hcp, notes="from the tablet")
    laptop.client.sync()
    tablet.client.sync()
    laptop.client.sync()
    assert {r.id for r in laptop.store.call_reports_for(hcp)} == {mine.id, theirs.id}
    assert {r.id for r in tablet.store.call_reports_for(hcp)} == {mine.id, theirs.id}
    assert laptop.store.outbox.device_id != tablet.store.outbox.device_id
    quiesce(laptop, tablet)
    assert_invariants(hub, laptop, tablet)


def test_realignment_while_a_report_for_the_leaving_hcp_is_pending(hub: Hub, rep: Device) -> None:
    leaving = hub.hcps_of("T-001")[0]
    hub.realign([leaving], "T-001", "T-002")
    written = []

    def rep_writes_during_the_sync() -> bool:  # the report is saved while the sync is already pulling
        if not written:
            written.append(rep.submit_report(leaving, notes="seen just before the realignment"))
        return False

    first = rep.client.sync(cancelled=rep_writes_during_the_sync)
    (report,) = written
    assert first.removed == 0 and rep.store.pending_removals() == [leaving]
    assert rep.store.call_report(report.id).notes  # kept locally until it is sent
    result = rep.client.sync()
    assert [r.entity_id for r in result.rejected] == [report.id]
    assert "no longer in your territory" in result.rejected[0].reason
    assert hub.count("orphan_reports", "id = :i", i=report.id) == 1  # kept for the manager, not lost
    assert result.removed == 1 and rep.store.pending_removals() == []
    assert rep.store.hcps.find(leaving) is None
    assert_invariants(hub, rep)
