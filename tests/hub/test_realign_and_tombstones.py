"""Realignment sends a remove to the old territory and the whole HCP to the new one; old cursors get a reset."""

from __future__ import annotations

from sqlalchemy import update

from repcompanion.hub.db import delete_rows, schema
from repcompanion.hub.sync import compact, realign
from tests.hub.conftest import Hub, Replica


def test_realignment_removes_the_hcp_from_the_old_territory_and_sends_everything_to_the_new(hub: Hub) -> None:
    rep1, rep2 = hub.rep("rep01"), hub.rep("rep02", "device-b")
    old1, last1 = rep1.pull_all()
    old2, last2 = rep2.pull_all()
    moving = hub.hcps_of("T-001")[0]
    with hub.db.write() as conn:
        realign(conn, [moving], "T-001", "T-002")
    new1, end1 = rep1.pull_all(last1["next_cursor"])
    new2, end2 = rep2.pull_all(last2["next_cursor"])
    assert {"op": "remove", "id": moving} in [{"op": c["op"], "id": c["id"]} for c in new1]
    assert {c["table"] for c in new2} >= {"hcps", "alignments", "events"}
    assert all(c["op"] == "upsert" for c in new2)
    moved_rows = {
        (c["table"], c["id"])
        for c in old1
        if c["table"] not in ("alignments", "call_plans")
        and (c["id"] == moving or (c["row"] or {}).get("hcp_id") == moving)
    }
    assert moved_rows and moved_rows <= {(c["table"], c["id"]) for c in new2}
    for rep_changes, end in ((old1 + new1, end1), (old2 + new2, end2)):
        replica = Replica()
        replica.apply(rep_changes)
        assert replica.counts() == end["counts"]
    assert moving in hub.hcps_of("T-002") and moving not in hub.hcps_of("T-001")


def test_a_fresh_pull_after_realignment_matches_the_new_territory(hub: Hub) -> None:
    moving = hub.hcps_of("T-002")[:2]
    with hub.db.write() as conn:
        realign(conn, moving, "T-002", "T-001")
    for user, device in (("rep01", "a"), ("rep02", "b")):
        changes, last = hub.rep(user, device).pull_all()
        replica = Replica()
        replica.apply(changes)
        assert replica.counts() == last["counts"]
    assert last["counts"]["hcps"] == 4


def test_a_report_pushed_after_its_hcp_left_is_rejected_and_kept(hub: Hub) -> None:
    rep = hub.rep()
    hcp = hub.hcps_of("T-001")[0]
    pending = rep.report(hcp)
    with hub.db.write() as conn:
        realign(conn, [hcp], "T-001", "T-002")
    result = rep.push([pending])[0]
    assert result["status"] == "rejected" and "no longer in your territory" in result["reason"]


def test_a_cursor_older_than_the_tombstone_window_gets_a_reset_and_a_fresh_pull_is_whole(hub: Hub) -> None:
    rep = hub.rep()
    _, last = rep.pull_all()
    stale_cursor = last["next_cursor"]
    event_id = next(c["id"] for c in rep.pull_all()[0] if c["table"] == "events")
    with hub.db.write() as conn:
        delete_rows(conn, "events", [event_id])
        conn.execute(update(schema.changes).values(created_at="2000-01-01T00:00:00+00:00"))
    with hub.db.write() as conn:
        result = compact(conn, tombstone_days=30)
    assert result["tombstones"] == 1 and result["floor"] > stale_cursor
    page = rep.pull(stale_cursor)
    assert page["reset"] is True and page["changes"] == [] and page["next_cursor"] == 0
    changes, end = rep.pull_all(0)
    assert event_id not in {c["id"] for c in changes}
    replica = Replica()
    replica.apply(changes)
    assert replica.counts() == end["counts"]


def test_a_cursor_ahead_of_the_hub_gets_a_reset(hub: Hub) -> None:
    rep = hub.rep()
    assert rep.pull(10**9)["reset"] is True
