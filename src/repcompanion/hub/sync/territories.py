"""Territory membership: which HCPs a territory holds, realignment, and joining a territory in commit order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, select

from repcompanion.domain import Alignment, HcpId, TerritoryId
from repcompanion.domain.rows import HCP_DEPENDENT_TABLES, SYNCED_TABLES, alignment_to_row
from repcompanion.hub.db import schema
from repcompanion.hub.db.changelog import (
    TERRITORY_TAGGED_TABLES,
    append_changes,
    delete_rows,
    head,
    now_text,
    row_json,
    upsert_rows,
)
from repcompanion.hub.errors import UnknownHcpError, UnknownTerritoryError


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
