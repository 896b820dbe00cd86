"""Writes to synced tables, each with its change-log row in the same transaction (call inside ``HubDb.write()``).

Who sees a change (see ``sync/pull.py``): ``territory_id`` NULL and ``hcp_id`` NULL — company-wide (territories,
products, content, accounts); ``hcp_id`` set and ``territory_id`` NULL — every territory the HCP is aligned
to (since it joined); ``territory_id`` set — that territory only (alignments, call plans, the re-emitted rows
of an HCP that joined it, and the ``remove`` of an HCP that left it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from repcompanion.domain.errors import ValidationError
from repcompanion.domain.rows import SYNCED_TABLES, Row
from repcompanion.hub.db import schema

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
