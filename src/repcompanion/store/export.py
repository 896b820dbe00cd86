"""Every table of a workspace as CSV or JSON files, for support (sqlite-utils reads the tables and their columns).

Free text that may hold patient or HCP details (visit notes, adverse-event descriptions, drafts, queued payloads)
is replaced by its length unless the rep chooses to include it; binary caches are written as their size.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

#: columns whose text may describe patients or hold the rep's notes
NOTE_COLUMNS: Mapping[str, frozenset[str]] = {
    "call_reports": frozenset({"notes"}),
    "ae_intakes": frozenset({"description", "patient_details"}),
    "screening_decisions": frozenset({"reason"}),
    "draft_autosave": frozenset({"payload"}),
    "outbox": frozenset({"payload"}),
    "data_change_requests": frozenset({"note"}),
}
FORMATS = ("csv", "json")


def export_tables(
    conn: sqlite3.Connection, out: Path, *, fmt: str = "csv", include_notes: bool = False
) -> dict[str, int]:
    """Write one file per table (``<table>.csv`` or ``<table>.json``) into ``out``; returns rows per table."""
    import sqlite_utils  # only for this support command: start-up stays fast

    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use csv or json")
    db = sqlite_utils.Database(conn)
    out.mkdir(parents=True, exist_ok=True)
    hidden = {name for name in db.table_names() if "_fts" in name}  # full-text indexes and their shadow tables
    written = {}
    for name in db.table_names():
        if name in hidden:
            continue
        table = db[name]
        columns = list(table.columns_dict)
        redact = frozenset() if include_notes else NOTE_COLUMNS.get(name, frozenset())
        rows = (_plain(row, redact) for row in table.rows)
        written[name] = (_write_csv if fmt == "csv" else _write_json)(out / f"{name}.{fmt}", columns, rows)
    return written


def _plain(row: Mapping[str, Any], redact: AbstractSet[str]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, bytes):
            value = f"<{len(value)} bytes>"
        elif key in redact and value:
            value = f"<{len(str(value))} characters left out>"
        out[key] = value
    return out


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def _write_json(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> int:
    items = list(rows)
    path.write_text(json.dumps(items, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    return len(items)


__all__ = ["FORMATS", "NOTE_COLUMNS", "export_tables"]
