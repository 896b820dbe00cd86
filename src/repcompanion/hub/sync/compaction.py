"""Compaction: drop tombstones older than the window with the changes they cancel, and raise the log floor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, delete, select

from repcompanion.hub.db import schema
from repcompanion.hub.db.engine import read_setting, write_setting


def compact(conn: Connection, tombstone_days: float) -> dict[str, int]:
    """Drop tombstones (deletes, removes) older than the window, with every earlier change they cancel, and
    raise the log floor: a client whose cursor is below it gets ``reset``."""
    c = schema.changes
    cutoff = (datetime.now(UTC) - timedelta(days=tombstone_days)).isoformat()
    stones = conn.execute(
        select(c.c.seq, c.c.tbl, c.c.op, c.c.row_id, c.c.territory_id)
        .where(and_(c.c.op != "upsert", c.c.created_at < cutoff))
        .order_by(c.c.seq)
    ).all()
    dropped = 0
    for seq, tbl, op, row_id, territory_id in stones:
        if op == "remove":
            cancelled = and_(c.c.seq <= seq, c.c.hcp_id == row_id, c.c.territory_id == territory_id)
        else:
            cancelled = and_(c.c.seq <= seq, c.c.tbl == tbl, c.c.row_id == row_id)
        dropped += conn.execute(delete(c).where(cancelled)).rowcount
    floor = max((s[0] for s in stones), default=0)
    old = int(read_setting(conn, "log_floor") or 0)
    if floor > old:
        write_setting(conn, "log_floor", str(floor))
    if dropped:
        # the compaction count: a pull cursor echoed with an older epoch may have missed dropped tombstones
        write_setting(conn, "log_epoch", str(int(read_setting(conn, "log_epoch") or 0) + 1))
    return {"tombstones": len(stones), "dropped": dropped, "floor": max(floor, old)}
