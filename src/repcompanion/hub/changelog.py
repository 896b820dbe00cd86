"""Writes to synced tables, each with its change-log row in the same transaction; realignment; compaction.

Who sees a change (see pull.py): ``territory_id`` NULL and ``hcp_id`` NULL — company-wide (territories,
products, content, accounts); ``hcp_id`` set and ``territory_id`` NULL — every territory the HCP is aligned
to (since it joined); ``territory_id`` set — that territory only (alignments, call plans, the re-emitted rows
of an HCP that joined it, and the ``remove`` of an HCP that left it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from repcompanion.domain import Alignment, HcpId, TerritoryId
from repcompanion.domain.errors import ValidationError
from repcompanion.domain.rows import HCP_DEPENDENT_TABLES, SYNCED_TABLES, Row, alignment_to_row
from repcompanion.hub import schema
from repcompanion.hub.db import read_setting, write_setting
from repcompanion.hub.errors import UnknownHcpError, UnknownTerritoryError

SAFE_ID = re.compile(r"[A-Za-z0-9._:|@-]{1,128}")
COMPANY_WIDE_TABLES = ("territories", "accounts", "products", "content")
TERRITORY_TAGGED_TABLES = ("alignments", "call_plans")


def now_text() -> str:
    return datetime.now(UTC).isoformat()


def row_json(row: Row) -> str:
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


def change_tags(table: str, row: Row) -> tuple[str | None, str | None]:
    """(territory_id, hcp_id) of a change to ``row`` of ``table``."""
    if table in COMPANY_WIDE_TABLES:
        return None, None
    if table == "hcps":
        return None, row["id"]
    if table in TERRITORY_TAGGED_TABLES:
        return row["territory_id"], row["hcp_id"]
    return None, row["hcp_id"]


def codec_row(table: str, row: Row) -> Row:
    """Only the codec's columns, in the codec's order (a missing column is None)."""
    return {c: row.get(c) for c in SYNCED_TABLES[table].columns}


def _upsert(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    if not rows:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    cols = [c for c in rows[0] if c != "id"]
    stmt = insert.on_conflict_do_update(index_elements=["id"], set_={c: insert.excluded[c] for c in cols})
    conn.execute(stmt, list(rows))


def head(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(schema.changes.c.seq), 0))).scalar_one())


def check_id(value: str) -> str:
    """``value`` if it is a JSON-safe id (pull pages are assembled as text around it), else ValidationError."""
    if not isinstance(value, str) or not SAFE_ID.fullmatch(value):
        raise ValidationError(
            f"{value!r} is not a valid id: use 1-128 letters, digits and . _ : | @ - characters",
            hint="Ids are made by the app; update it if this persists.",
        )
    return value


def append_changes(conn: Connection, entries: Sequence[dict[str, Any]]) -> None:
    """Append change-log rows (call only inside ``HubDb.write()``)."""
    for e in entries:
        check_id(e["row_id"])
    if entries:
        conn.execute(schema.changes.insert(), list(entries))


def upsert_rows(
    conn: Connection, table: str, rows: Iterable[Row], *, territory_id: str | None = None, fresh: bool = False
) -> int:
    """Write rows of a synced table and log an upsert for each. ``fresh``: the table holds none of them yet."""
    rows = [codec_row(table, r) for r in rows]
    if not rows:
        return 0
    if fresh:
        conn.execute(schema.synced[table].insert(), rows)
    else:
        _upsert(conn, schema.synced[table], rows)
    at = now_text()
    entries = []
    for r in rows:
        tag, hcp = change_tags(table, r)
        entries.append(
            {
                "tbl": table,
                "op": "upsert",
                "row_id": r["id"],
                "territory_id": territory_id or tag,
                "hcp_id": hcp,
                "row": row_json(r),
                "created_at": at,
            }
        )
    append_changes(conn, entries)
    return len(rows)


def delete_rows(conn: Connection, table: str, ids: Iterable[str]) -> int:
    """Delete rows of a synced table and log a tombstone for each one that existed."""
    t = schema.synced[table]
    at = now_text()
    entries = []
    for rid in ids:
        found = conn.execute(select(t).where(t.c.id == rid)).mappings().first()
        if found is None:
            continue
        tag, hcp = change_tags(table, dict(found))
        conn.execute(delete(t).where(t.c.id == rid))
        entries.append(
            {
                "tbl": table,
                "op": "delete",
                "row_id": rid,
                "territory_id": tag,
                "hcp_id": hcp,
                "row": None,
                "created_at": at,
            }
        )
    append_changes(conn, entries)
    return len(entries)


def territory_exists(conn: Connection, territory_id: str) -> bool:
    t = schema.synced["territories"]
    return conn.execute(select(t.c.id).where(t.c.id == territory_id)).first() is not None


def hcp_in_territory(conn: Connection, hcp_id: str, territory_id: str) -> bool:
    a = schema.synced["alignments"]
    return (
        conn.execute(select(a.c.id).where(and_(a.c.territory_id == territory_id, a.c.hcp_id == hcp_id))).first()
        is not None
    )


def realign(conn: Connection, hcp_ids: Sequence[str], source: str, target: str) -> dict[str, int]:
    """Move HCPs from ``source`` to ``target``: a ``remove`` for the source's reps, a re-emit of every row of
    the HCP for the target's reps. Returns counts of what was written."""
    for t in (source, target):
        if not territory_exists(conn, t):
            raise UnknownTerritoryError(f"There is no territory {t} on this hub.")
    hcps = schema.synced["hcps"]
    written = {"removed": 0, "joined": 0, "reemitted": 0}
    for hcp_id in hcp_ids:
        if conn.execute(select(hcps.c.id).where(hcps.c.id == hcp_id)).first() is None:
            raise UnknownHcpError(f"There is no HCP {hcp_id} on this hub.")
        if not hcp_in_territory(conn, hcp_id, source):
            raise UnknownHcpError(f"HCP {hcp_id} is not in territory {source}; nothing was moved.")
    for hcp_id in hcp_ids:
        delete_rows(conn, "alignments", [f"{source}|{hcp_id}"])
        append_changes(
            conn,
            [
                {
                    "tbl": "hcps",
                    "op": "remove",
                    "row_id": hcp_id,
                    "territory_id": source,
                    "hcp_id": hcp_id,
                    "row": None,
                    "created_at": now_text(),
                }
            ],
        )
        written["removed"] += 1
        if source == target or hcp_in_territory(conn, hcp_id, target):
            continue
        written["joined"] += 1
        written["reemitted"] += join_territory(conn, hcp_id, target)
    return written


def join_territory(conn: Connection, hcp_id: str, territory_id: str, *, new_since: int | None = None) -> int:
    """Align an HCP to a territory so that its laptops receive the HCP row before the alignment, in commit order.

    ``new_since``: the HCP was first written in this transaction, after the log head was ``new_since``; the
    territory is then served the HCP's changes as they were logged (no laptop can have passed them yet).
    Otherwise laptops of the territory may already be past the HCP's changes, so the HCP and every row that
    hangs off it are re-emitted, tagged to the territory. Returns the number of change-log rows written.
    """
    a = schema.synced["alignments"]
    row = alignment_to_row(Alignment(TerritoryId(territory_id), HcpId(hcp_id)))
    if new_since is not None:
        conn.execute(a.insert().values(**row, since_seq=new_since))
        upsert_rows(conn, "alignments", [row])
        return 1
    conn.execute(a.insert().values(**row, since_seq=head(conn)))
    return reemit_hcp(conn, hcp_id, territory_id)


def reemit_hcp(conn: Connection, hcp_id: str, territory_id: str) -> int:
    """Log an upsert, tagged to ``territory_id``, of the HCP and every row that hangs off it."""
    at = now_text()
    entries = []
    for table in ("hcps", *HCP_DEPENDENT_TABLES):
        t = schema.synced[table]
        where = t.c.id == hcp_id if table == "hcps" else t.c.hcp_id == hcp_id
        if table in TERRITORY_TAGGED_TABLES:
            where = and_(where, t.c.territory_id == territory_id)
        cols = [t.c[c] for c in SYNCED_TABLES[table].columns]
        for r in conn.execute(select(*cols).where(where).order_by(t.c.id)).mappings():
            entries.append(
                {
                    "tbl": table,
                    "op": "upsert",
                    "row_id": r["id"],
                    "territory_id": territory_id,
                    "hcp_id": hcp_id,
                    "row": row_json(dict(r)),
                    "created_at": at,
                }
            )
    append_changes(conn, entries)
    return len(entries)


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
