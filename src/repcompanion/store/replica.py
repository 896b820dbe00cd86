"""Replica writes for the sync engine: pages applied in batches, and a first sync staged and swapped in when whole.

Staged first sync (and full resync)
-----------------------------------
A first download of a large territory goes into a staging database next to the workspace
(``<workspace>.initial``), page by page, each page and its cursor in one transaction, so it resumes where it
stopped after a crash, a cancel or a lost network. Meanwhile the workspace keeps whatever it had (nothing,
or the old replica during a full resync). When the last page has arrived, ``swap_in``:

1. rebuilds the indexes left out while downloading (``DEFERRED_INDEX_TABLES``), then copies the local-only
   data into the staging database in one staging transaction: the outbox (with its sequence, so device
   sequence numbers are never reused), autosaved drafts, adverse-event intakes, screening decisions, the
   compiled suggestion models, the sync state (device id, server, user), and the rep's own call reports and
   suggestion feedback for HCPs that are in the new replica;
2. commits that copy only if the workspace did not change while it was copied (else it copies again);
3. replaces the workspace's content with the staging database through SQLite's online backup in one step:
   one write transaction on the workspace, so a crash leaves either the old or the new workspace, and the
   workspace's open connection (and any other) stays valid;
4. deletes the staging files.

``os.replace`` of the file would be cheaper by one copy, but it would invalidate the open ``Store``
connection and orphan its WAL file; the backup keeps the ``Store`` object usable as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from repcompanion.domain.errors import ValidationError, WorkspaceLockedError
from repcompanion.domain.rows import HCP_DEPENDENT_TABLES, SYNCED_TABLES, Row, TableCodec
from repcompanion.store.store import Store, open_store
from repcompanion.store.tables import upsert_sql

STAGING_SUFFIX = ".initial"
RESYNC_KEY = "resync_requested"
#: local-only tables copied as they are into a staged replica
LOCAL_TABLES = ("outbox", "draft_autosave", "ae_intakes", "screening_decisions", "model_scorers")
#: local rows that hang off an HCP: copied when the HCP is in the new replica
LOCAL_HCP_TABLES = ("call_reports", "suggestion_feedback", "data_change_requests")
#: sync-state keys that belong to the replica, not to the device
_REPLICA_STATE_KEYS = frozenset({"cursor", "initial_complete", RESYNC_KEY, "territory_id"})
_OPS = frozenset({"upsert", "delete", "remove"})
#: tables whose secondary indexes a staged download builds once at the end
DEFERRED_INDEX_TABLES = ("events",)
_DEFERRED_KEY = "staging_deferred_indexes"


@dataclass
class PageResult:
    upserts: int = 0
    deletes: int = 0
    removes: int = 0
    purged: int = 0
    tables: set[str] = field(default_factory=set)  # tables the page wrote to (``hcps`` for a remove)
    hcp_ids: set[str] = field(default_factory=set)  # HCPs whose rows it wrote, removed or deleted
    all_hcps: bool = False  # it changed rows every HCP depends on (content, products, accounts, territories)

    def touched(self, table: str, hcp_ids: Iterable[str] | None) -> None:
        """Note a write to ``table`` concerning ``hcp_ids`` (None: no one HCP's, so every HCP's)."""
        self.tables.add(table)
        if hcp_ids is None:
            self.all_hcps = True
        else:
            self.hcp_ids.update(hcp_ids)


@dataclass(frozen=True)
class _Writer:
    """How pulled rows of one synced table are written, derived once from its codec's columns.

    A wire row is already the table's row as its codec writes it (the same text for tuples, dates and enums), so
    its values go straight to ``executemany`` in column order: no record is built and nothing is converted.
    """

    table: str
    columns: tuple[str, ...]
    values: Callable[[Row], tuple[object, ...]]  # the row's values in column order (KeyError: a column is missing)
    upsert: str
    insert: str  # INSERT OR IGNORE: writes only ids the table does not have yet
    hcp_at: int | None  # where the owning HCP's id is in ``values`` (None: rows that are no one HCP's)


def _writer(codec: TableCodec) -> _Writer:
    columns = codec.columns
    getter = itemgetter(*columns)
    values: Callable[[Row], tuple[object, ...]] = getter if len(columns) > 1 else (lambda r: (getter(r),))
    key = "id" if codec.table == "hcps" else "hcp_id"
    marks = ", ".join("?" * len(columns))
    return _Writer(
        codec.table,
        columns,
        values,
        upsert_sql(codec.table, columns),
        f"INSERT OR IGNORE INTO {codec.table} ({', '.join(columns)}) VALUES ({marks})",
        columns.index(key) if key in columns else None,
    )


_WRITERS = {table: _writer(codec) for table, codec in SYNCED_TABLES.items()}
_ROW = itemgetter("row")
_TABLE_AND_OP = itemgetter("table", "op")


def apply_page(
    store: Store,
    changes: Sequence[Row],
    next_cursor: int,
    *,
    state: Mapping[str, str] | None = None,
    mostly_new: bool = False,
) -> PageResult:
    """Apply one pulled page and advance the cursor in one transaction, with any other sync-state ``state``
    that belongs to the page (the hub's epoch, the territory id).

    Each change is ``{"table", "op": upsert|delete|remove, "id", "row"}``. A ``remove`` takes an HCP out of the
    territory: its rows are purged now, or after the push if the outbox still refers to it (``Store.remove_hcp``).

    Consecutive changes to the same table with the same operation are written with one ``executemany``;
    the order of the page is kept, so a later change to a row always wins. A malformed change raises
    ``ValidationError`` and nothing of the page is written.

    ``mostly_new``: the page is expected to hold few ids the store already has (a download into a staging
    replica), so each run of upserts is first inserted, which is cheaper than an upsert; a run that met an id
    already there is then upserted whole, in order, which gives the same rows as upserting it at once.
    """
    result = PageResult()
    conn = store.conn
    with store.atomic():
        try:
            runs = [(key, list(run)) for key, run in groupby(changes, key=_TABLE_AND_OP)]
        except (KeyError, TypeError) as exc:
            raise ValidationError("a change of the page has no table or operation") from exc
        for (table, op), run in runs:
            if op not in _OPS:
                raise ValidationError(f"unknown change operation {op!r} for table {table!r}")
            if op == "remove":
                for change in run:
                    result.removes += 1
                    result.purged += int(store.remove_hcp(change["id"], since_seq=next_cursor))
                result.touched("hcps", (c["id"] for c in run))
                continue
            writer = _WRITERS.get(table)
            if writer is None:
                continue  # a newer hub's table this client does not know: ignored, not fatal
            if op == "upsert":
                values = _values(writer, run)
                if not mostly_new or conn.executemany(writer.insert, values).rowcount != len(values):
                    conn.executemany(writer.upsert, values)
                if table == "hcps":
                    conn.executemany("DELETE FROM pending_removals WHERE hcp_id = ?", [(c["id"],) for c in run])
                result.touched(table, _hcps_of(writer, values))
                result.upserts += len(run)
            else:
                ids = [c["id"] for c in run]
                result.touched(table, _owners(conn, table, writer.columns, ids))
                conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in ids])
                result.deletes += len(run)
        store.sync_state.set_cursor(next_cursor)
        for key, value in (state or {}).items():
            store.sync_state.set_value(key, value)
    return result


def _hcps_of(writer: _Writer, values: list[tuple[object, ...]]) -> set[str] | None:
    """The HCPs the upserted rows belong to (None: rows of a table that is no one HCP's)."""
    if writer.hcp_at is None:
        return None
    owners = set(map(itemgetter(writer.hcp_at), values))
    owners.discard(None)
    return owners


def _owners(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], ids: list[str]) -> list[str] | None:
    """The HCPs whose rows ``ids`` of ``table`` are (read before they are deleted; None: no one HCP's)."""
    if table == "hcps":
        return ids
    if "hcp_id" not in columns:
        return None
    owners = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        sql = f"SELECT hcp_id FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})"
        owners += [r[0] for r in conn.execute(sql, chunk) if r[0] is not None]
    return owners


def _values(writer: _Writer, run: list[Row]) -> list[tuple[object, ...]]:
    """Column tuples of upserted rows (a row missing a column, e.g. from an older hub, gets NULL there)."""
    try:
        rows = list(map(_ROW, run))
    except KeyError as exc:
        raise ValidationError(f"an upsert for {writer.table} carries no row") from exc
    try:
        return list(map(writer.values, rows))
    except KeyError:
        return [tuple(r.get(col) for col in writer.columns) for r in rows]
    except TypeError as exc:
        raise ValidationError(f"an upsert for {writer.table} carries no row") from exc


def verification_counts(store: Store) -> dict[str, int]:
    """Per-table counts of the rows the hub also has, to compare with a pull's ``counts``.

    Left out: HCPs that left the territory but wait for a pending upload (and their rows), drafts, and call
    reports the hub has not accepted (pending or rejected in the outbox).
    """
    held = "(SELECT hcp_id FROM pending_removals)"
    counts: dict[str, int] = {}
    for table in SYNCED_TABLES:
        if table == "hcps":
            where = f"id NOT IN {held}"
        elif table in HCP_DEPENDENT_TABLES:
            where = f"hcp_id NOT IN {held}"
        else:
            where = "1"
        if table == "call_reports":
            where += (
                " AND status = 'submitted' AND id NOT IN "
                "(SELECT entity_id FROM outbox WHERE status IN ('pending', 'rejected'))"
            )
        counts[table] = int(store.conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])
    return counts


def count_mismatches(local: dict[str, int], hub: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Tables whose local count differs from the hub's: ``{table: (local, hub)}`` (unknown tables ignored)."""
    return {t: (local.get(t, 0), n) for t, n in hub.items() if t in SYNCED_TABLES and local.get(t, 0) != n}


def staging_path(workspace: Path | str) -> Path:
    return Path(f"{workspace}{STAGING_SUFFIX}")


def discard_staging(path: Path) -> None:
    """Delete a staging database and its WAL files (missing files are fine)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{path}{suffix}")


def open_staging(path: Path, *, owner: str, key: bytes | None = None) -> Store:
    """Open (or start) the staging database for ``owner`` (server and user); another owner's is discarded."""
    if path.exists():
        try:
            staging = open_store(path, key=key)
        except Exception:  # a damaged staging file is only a download to redo
            discard_staging(path)
        else:
            if staging.sync_state.get_value("staging_owner") == owner:
                _bulk_pragmas(staging)
                return staging
            staging.close()
            discard_staging(path)
    staging = open_store(path, key=key)
    _bulk_pragmas(staging)
    with staging.atomic():
        staging.sync_state.set_value("staging_owner", owner)
        _defer_indexes(staging)
    return staging


def _defer_indexes(staging: Store) -> None:
    """Drop the secondary indexes of the biggest tables until the download is whole (rebuilt in ``swap_in``).

    Rows arrive in change-log order, so these indexes would be updated at random places on every page:
    building them once at the end is several times cheaper and keeps the staging WAL small.
    """
    marks = ", ".join("?" * len(DEFERRED_INDEX_TABLES))
    found = staging.conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
        DEFERRED_INDEX_TABLES,
    ).fetchall()
    staging.sync_state.set_value(_DEFERRED_KEY, json.dumps([sql for _, sql in found]))
    for name, _ in found:
        staging.conn.execute(f"DROP INDEX {name}")


def _restore_indexes(staging: Store) -> None:
    with staging.atomic():
        for sql in json.loads(staging.sync_state.get_value(_DEFERRED_KEY) or "[]"):
            staging.conn.execute(sql.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        staging.conn.execute("DELETE FROM sync_state WHERE key = ?", (_DEFERRED_KEY,))


def _bulk_pragmas(staging: Store) -> None:
    # WAL + NORMAL keeps every committed page consistent across a crash (the last pages may be fetched again);
    # a bigger page cache and no automatic checkpoints make a million-row download several times faster
    for pragma in ("synchronous = NORMAL", "cache_size = -65536", "wal_autocheckpoint = 0"):
        staging.conn.execute(f"PRAGMA {pragma}")


def _write_marker(store: Store) -> tuple[int, int]:
    """Changes so far by this connection and by any other one."""
    return store.conn.total_changes, int(store.conn.execute("PRAGMA data_version").fetchone()[0])


def _copy_rows(
    src: sqlite3.Connection, dst: sqlite3.Connection, table: str, *, hcps: Container[str] | None = None
) -> None:
    """Copy ``table`` into ``dst`` (only the rows of ``hcps`` when given), keeping the rows ``dst`` already has."""
    cur = src.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if hcps is not None:
        at = names.index("hcp_id")
        rows = [r for r in rows if r[at] in hcps]
    sql = f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    dst.executemany(sql, rows)


def _copy_local(store: Store, staging: Store) -> None:
    src, dst = store.conn, staging.conn
    for table in LOCAL_TABLES:
        dst.execute(f"DELETE FROM {table}")
        _copy_rows(src, dst, table)
    top = src.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    if top is not None:
        dst.execute("DELETE FROM sqlite_sequence WHERE name = 'outbox'")
        dst.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('outbox', ?)", (int(top[0]),))
    staged_hcps = {r[0] for r in dst.execute("SELECT id FROM hcps")}
    for table in LOCAL_HCP_TABLES:
        _copy_rows(src, dst, table, hcps=staged_hcps)
    for key, value in src.execute("SELECT key, value FROM sync_state").fetchall():
        if key not in _REPLICA_STATE_KEYS and key not in ("staging_owner", _DEFERRED_KEY):
            staging.sync_state.set_value(key, value)
    dst.execute("DELETE FROM sync_state WHERE key IN ('staging_owner', ?, ?)", (RESYNC_KEY, _DEFERRED_KEY))
    staging.sync_state.update(initial_complete=True)


def swap_in(store: Store, staging: Store, *, attempts: int = 5) -> None:
    """Make the whole staged replica the workspace's, keeping every local-only row (see the module docstring).

    ``staging`` is closed and its files deleted afterwards.
    """
    _restore_indexes(staging)
    for _ in range(attempts):
        before = _write_marker(store)
        try:
            with staging.atomic():
                _copy_local(store, staging)
                if _write_marker(store) != before:
                    raise _Changed
        except _Changed:
            continue
        break
    else:
        raise WorkspaceLockedError(
            f"The workspace {store.path} kept changing while the downloaded territory was being moved in.",
            hint="Close other RepCompanion windows and sync again; the download is kept and will not restart.",
        )
    staging.conn.backup(store.conn)
    path = staging.path
    staging.close()
    discard_staging(path)


class _Changed(Exception):
    """The workspace changed during the copy: roll the staging copy back and copy again."""


__all__ = [
    "LOCAL_HCP_TABLES",
    "LOCAL_TABLES",
    "RESYNC_KEY",
    "STAGING_SUFFIX",
    "PageResult",
    "apply_page",
    "count_mismatches",
    "discard_staging",
    "open_staging",
    "staging_path",
    "swap_in",
    "verification_counts",
]
