"""The compaction epoch: a pass begun after a compaction may page below the log floor; a pass from before
it may not (it could have missed dropped tombstones); and the first page of a pass estimates its size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from repcompanion.hub.db import delete_rows, schema
from repcompanion.hub.sync import compact
from tests.hub.conftest import Hub, Rep, Replica


def _page(rep: Rep, cursor: int, limit: int, **extra: Any) -> dict[str, Any]:
    reply = rep.client.get("/v1/pull", params={"cursor": cursor, "limit": limit, **extra}, headers=rep.headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _compact_one_delete(hub: Hub, rep: Rep) -> dict[str, int]:
    event_id = next(c["id"] for c in rep.pull_all()[0] if c["table"] == "events")
    with hub.db.write() as conn:
        delete_rows(conn, "events", [event_id])
        conn.execute(update(schema.changes).values(created_at="2000-01-01T00:00:00+00:00"))
    with hub.db.write() as conn:
        return compact(conn, tombstone_days=30)


def test_a_pass_begun_after_a_compaction_pages_below_the_floor_and_ends_whole(hub: Hub) -> None:
    rep = hub.rep()
    result = _compact_one_delete(hub, rep)
    first = _page(rep, 0, 10)
    assert first["epoch"] == 1 and first["has_more"] and first["next_cursor"] < result["floor"]
    changes, cursor, epoch, page = list(first["changes"]), first["next_cursor"], first["epoch"], first
    while page["has_more"]:
        page = _page(rep, cursor, 10, epoch=epoch)
        assert not page["reset"]
        changes += page["changes"]
        cursor, epoch = page["next_cursor"], page["epoch"]
    replica = Replica()
    replica.apply(changes)
    assert replica.counts() == page["counts"]
    assert first["total_estimate"] == len(changes), "the first page says how many changes the pass brings"


def test_a_pass_begun_before_a_compaction_is_reset_below_the_floor(hub: Hub) -> None:
    rep = hub.rep()
    first = _page(rep, 0, 10)
    assert first["epoch"] == 0
    result = _compact_one_delete(hub, rep)
    assert first["next_cursor"] < result["floor"]
    assert _page(rep, first["next_cursor"], 10, epoch=first["epoch"])["reset"] is True
    assert _page(rep, first["next_cursor"], 10)["reset"] is True, "a client that echoes no epoch is reset"
    ahead = _page(rep, result["floor"], 10, epoch=first["epoch"])
    assert ahead["reset"] is False and ahead["epoch"] == 1, "at or past the floor the old epoch is harmless"


def test_an_estimate_is_given_when_asked_for_an_incremental_pass(hub: Hub) -> None:
    rep = hub.rep()
    changes, end = rep.pull_all()
    middle = changes[len(changes) // 2]["seq"]
    page = _page(rep, middle, 5000, estimate="true", epoch=end["epoch"])
    assert page["total_estimate"] == len([c for c in changes if c["seq"] > middle])
    assert _page(rep, middle, 5000)["total_estimate"] is None
