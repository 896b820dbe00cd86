"""Pull: the changes after a cursor that belong to the caller's territory, as a ready-to-send JSON page.

The database itself writes each change as JSON text around the stored row JSON (never parsed and re-encoded;
ids are restricted to JSON-safe characters when written, see db.changelog.SAFE_ID), which is what lets one hub
process serve a first sync of a million rows in seconds. A laptop on sync protocol 1 gets content and event
rows with their tuples ';'-joined (``protocol.compat``; only those changes are rewritten). A request scans at most
``HubSettings.scan_window`` log rows past the cursor, so a small territory on a big hub may get pages with
few or no changes but ``has_more: true`` and an advanced ``next_cursor``; clients just keep pulling.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from repcompanion.domain.rows import SYNCED_TABLES
from repcompanion.hub.db import HubDb
from repcompanion.hub.db.changelog import COMPANY_WIDE_TABLES
from repcompanion.hub.settings import HubSettings
from repcompanion.protocol.compat import change_for_protocol_1
from repcompanion.protocol.models import PROTOCOL_VERSION

_PAGE_SQL = text(
    """
    SELECT '{"seq":' || c.seq || ',"table":"' || c.tbl || '","op":"' || c.op || '","id":"' || c.row_id
        || '","row":' || COALESCE(c.row, 'null') || '}'
    FROM changes c
    LEFT JOIN alignments a ON a.territory_id = :t AND a.hcp_id = c.hcp_id
    WHERE c.seq > :cursor AND c.seq <= :upto AND (
        (c.hcp_id IS NULL AND (c.territory_id IS NULL OR c.territory_id = :t))
        OR (c.op <> 'upsert' AND c.territory_id = :t)
        OR (a.hcp_id IS NOT NULL AND (c.territory_id = :t OR (c.territory_id IS NULL AND c.seq > a.since_seq)))
    )
    ORDER BY c.seq
    LIMIT :limit
    """
)

_FILTER = str(_PAGE_SQL)[str(_PAGE_SQL).index("FROM changes c") : str(_PAGE_SQL).index("ORDER BY c.seq")]
_COUNT_PAGE_SQL = text(f"SELECT count(*) {_FILTER}")

_MEMBER = "SELECT hcp_id FROM alignments WHERE territory_id = :t"
_COUNT_SQL: dict[str, str] = {
    **{t: f"SELECT count(*) FROM {t}" for t in COMPANY_WIDE_TABLES},
    "hcps": f"SELECT count(*) FROM hcps WHERE id IN ({_MEMBER})",
    "alignments": "SELECT count(*) FROM alignments WHERE territory_id = :t",
    "call_plans": f"SELECT count(*) FROM call_plans WHERE territory_id = :t AND hcp_id IN ({_MEMBER})",
    **{
        t: f"SELECT count(*) FROM {t} x JOIN alignments a ON a.hcp_id = x.hcp_id AND a.territory_id = :t"
        for t in ("consents", "events", "call_reports", "follow_ups", "dcr_results")
    },
}
assert set(_COUNT_SQL) == set(SYNCED_TABLES)


_COUNTS = text("SELECT " + ", ".join(f"({_COUNT_SQL[t]}) AS {t}" for t in SYNCED_TABLES))
_HEAD_AND_FLOOR = text(
    "SELECT (SELECT COALESCE(MAX(seq), 0) FROM changes), (SELECT value FROM hub_settings WHERE key = 'log_floor'), "
    "(SELECT value FROM hub_settings WHERE key = 'log_epoch')"
)


def territory_counts(conn: Connection, territory_id: str) -> dict[str, int]:
    """Rows per synced table that a replica of ``territory_id`` holds once it has pulled to the head."""
    row = conn.execute(_COUNTS, {"t": territory_id}).one()
    return {t: int(v) for t, v in zip(SYNCED_TABLES, row, strict=True)}


def pull_page(
    db: HubDb,
    settings: HubSettings,
    territory_id: str,
    cursor: int,
    limit: int,
    *,
    epoch: int | None = None,
    estimate: bool = False,
    verify: bool = True,
    protocol: int = PROTOCOL_VERSION,
) -> bytes:
    """One ``PullPage`` as JSON bytes (see repcompanion.protocol.PullPage).

    A cursor below the log floor is only safe if no compaction happened since the page that gave it: the
    client echoes that page's ``epoch`` (the hub's compaction count). Without an echo, any cursor below the
    floor is reset (older clients). ``total_estimate`` is counted on a pass from 0 or when ``estimate`` is asked.
    """
    server_time = datetime.now(UTC).isoformat()
    with db.read() as conn:
        top, floor, current = conn.execute(_HEAD_AND_FLOOR).one()
        floor, current = int(floor or 0), int(current or 0)
        top = max(int(top), floor)  # a compaction may drop the newest rows: cursors up to the floor stay valid
        stale = cursor > 0 and cursor < floor and epoch != current
        if cursor < 0 or stale or cursor > top:
            return _page([], 0, True, None, territory_id, server_time, reset=True, epoch=current)
        upto = min(top, cursor + settings.scan_window)
        params = {"t": territory_id, "cursor": cursor, "upto": upto, "limit": limit}
        rows = conn.execute(_PAGE_SQL, params).scalars().all()
        if protocol < 2:
            rows = [change_for_protocol_1(r) for r in rows]
        total = None
        if cursor == 0 or estimate:
            total = int(conn.execute(_COUNT_PAGE_SQL, params | {"upto": top}).scalar_one())
        next_cursor = _seq_of(rows[-1]) if len(rows) == limit else upto
        has_more = next_cursor < top
        counts = None if has_more or not verify else territory_counts(conn, territory_id)
    return _page(rows, next_cursor, has_more, counts, territory_id, server_time, epoch=current, total=total)


def _seq_of(change_json: str) -> int:
    return int(change_json[7 : change_json.index(",", 7)])


def _page(
    rows: Sequence[str],
    next_cursor: int,
    has_more: bool,
    counts: dict[str, int] | None,
    territory_id: str,
    server_time: str,
    *,
    reset: bool = False,
    epoch: int = 0,
    total: int | None = None,
) -> bytes:
    changes = ",".join(rows)
    tail = {
        "epoch": epoch,
        "total_estimate": total,
        "next_cursor": next_cursor,
        "has_more": has_more,
        "reset": reset,
        "counts": counts,
        "territory_id": territory_id,
        "server_time": server_time,
    }
    return f'{{"changes":[{changes}],{json.dumps(tail)[1:]}'.encode()
