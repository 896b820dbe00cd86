"""Tuples as JSON arrays: content and event topics, content audiences and safety categories were ';'-joined text.

Rewrites the stored values in the tables and in the change log's row JSON (which pull serves as it is), so a
laptop on sync protocol 2 reads every tuple as a JSON array, like the call reports' always were; the hub turns
them back into ';'-joined text for laptops still on protocol 1 (``repcompanion.protocol.compat``).

Set-based SQL through a map of the distinct values, so a hub with many millions of events migrates in one
statement per column. In a change's row JSON (always written compact with ``ensure_ascii=False``, see
``changelog.row_json``) a value is replaced as the exact text ``"<column>":<old value as JSON>``, which cannot
occur inside another JSON string (its quotes would be escaped). Self-contained: it does not depend on the
codecs of later releases.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: the tuple columns that were ';'-joined, per table
_COLUMNS = {
    "content": ("topics", "audience_specialties"),
    "events": ("topics",),
    "ae_intakes": ("categories",),
    "screening_decisions": ("categories",),
}
_LOGGED = ("content", "events")  # synced tables: their rows are in the change log too
_MAP = "tuple_encoding_map"


def _json_array(joined: str) -> str:
    return json.dumps(joined.split(";") if joined else [])


def _joined(text: str) -> str:
    return ";".join(json.loads(text)) if text.startswith("[") else text


def _literal(value: str) -> str:
    """``value`` as the change log's row JSON writes it."""
    return json.dumps(value, ensure_ascii=False)


def _logged_value(dialect: str, column: str) -> str:
    """SQL for the value of ``column`` in a change's row JSON."""
    if dialect == "postgresql":
        return f"CAST(changes.row AS json) ->> '{column}'"
    return f"json_extract(changes.row, '$.{column}')"


def _rewrite(convert: Callable[[str], str]) -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    values: set[str] = set()
    for table, columns in _COLUMNS.items():
        for column in columns:
            values.update(
                v for (v,) in conn.execute(sa.text(f"SELECT DISTINCT {column} FROM {table}")) if v is not None
            )
            if table in _LOGGED:
                logged = sa.text(
                    f"SELECT DISTINCT {_logged_value(dialect, column)} FROM changes "
                    "WHERE tbl = :t AND op = 'upsert' AND row IS NOT NULL"
                )
                values.update(v for (v,) in conn.execute(logged, {"t": table}) if v is not None)
    fields = ("old", "new", "old_json", "new_json")
    op.create_table(_MAP, *(sa.Column(c, sa.Text(), primary_key=c == "old", nullable=False) for c in fields))
    mapped = [(v, convert(v)) for v in sorted(values)]
    if mapped:
        conn.execute(
            sa.table(_MAP, *(sa.column(c) for c in fields)).insert(),
            [{"old": o, "new": n, "old_json": _literal(o), "new_json": _literal(n)} for o, n in mapped],
        )
    for table, columns in _COLUMNS.items():
        for column in columns:
            conn.execute(
                sa.text(
                    f"UPDATE {table} SET {column} = (SELECT m.new FROM {_MAP} m WHERE m.old = {table}.{column}) "
                    f"WHERE {column} IS NOT NULL"
                )
            )
            if table in _LOGGED:
                conn.execute(
                    sa.text(
                        f"UPDATE changes SET row = replace(changes.row, :key || m.old_json, :key || m.new_json) "
                        f"FROM {_MAP} m WHERE changes.tbl = :t AND changes.op = 'upsert' "
                        f"AND m.old = {_logged_value(dialect, column)}"
                    ),
                    {"key": f'"{column}":', "t": table},
                )
    op.drop_table(_MAP)


def upgrade() -> None:
    _rewrite(_json_array)


def downgrade() -> None:
    _rewrite(_joined)
