"""What a console page is made of — figures (KPIs), tables with the SQL and definition behind them, charts drawn from
a table's rows, row actions — and the SQL helpers the pages share (scope, date range, dialect differences)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Connection, Date, Float, and_, case, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.sql import Executable

from repcompanion.hub.console.filters import Filters
from repcompanion.hub.db import schema

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: text, int, pct (a share 0..1), rate (a share with its 95% interval in ``<key>_low``/``<key>_high``), hours,
    #: float, date
    kind: str = "text"


@dataclass(frozen=True)
class RowAction:
    """A button on each row: posts ``action`` with the row's ``key`` column as the target."""

    action: str
    label: str
    key: str
    #: the reason/note field the form asks for ('' none)
    ask: str = ""
    #: show the button only on rows where this column is truthy ('' always)
    when: str = ""


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    definition: str
    sql: str = ""
    chart: dict[str, Any] | None = None
    actions: list[RowAction] = field(default_factory=list)
    note: str = ""

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        keys = [c.key for c in self.columns]
        extra = [f"{c.key}_{b}" for c in self.columns if c.kind == "rate" for b in ("low", "high")]
        writer.writerow(keys + extra)
        for row in self.rows:
            writer.writerow([_plain(row.get(k)) for k in keys + extra])
        return out.getvalue()

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": [c.__dict__ for c in self.columns],
            "rows": self.rows,
            "definition": self.definition,
            "sql": self.sql,
            "note": self.note,
        }


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: Any
    kind: str
    definition: str


@dataclass
class Page:
    key: str
    title: str
    kpis: list[Kpi]
    tables: list[Table]
    #: how fresh the figures are: "live" or when the aggregates were refreshed
    freshness: str
    #: notes on filters that do not apply to this page
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


def _plain(value: Any) -> Any:
    return "" if value is None else value


def sql_text(conn: Connection, query: Any) -> str:
    """The statement as the database runs it (parameters shown as literals), for 'View the SQL'."""
    try:
        return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a bind of a type without a literal renderer: show the parameterised text
        return str(query.compile(dialect=conn.dialect))


def plain(value: Any) -> Any:
    """A value as JSON and CSV carry it: PostgreSQL's ``numeric`` (sums of bigints, averages) as int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def rows_of(conn: Connection, query: Executable) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in r.items()} for r in conn.execute(query).mappings()]


def in_range(column: Any, f: Filters) -> Any:
    """``column`` (ISO timestamp or date text) falls within the filters' days."""
    return and_(column >= f.start_text, column < f.end_text)


def whole_months(f: Filters) -> tuple[date, date] | None:
    """The first day of the first and of the last calendar month wholly inside the range (None: no whole month)."""
    first = f.start if f.start.day == 1 else (f.start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = f.end + timedelta(days=1)
    last = (after.replace(day=1) - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None


def spanning(days: Any, f: Filters, name: str = "spanned") -> Any:
    """The rows of daily aggregate ``days`` within the range, as a subquery with the same columns but ``day``: whole
    months from its monthly twin, and only the days before the first and after the last whole month from ``days``.
    Summing (or counting distinct) over it gives exactly what the daily rows of the range give."""
    months = schema.MONTHS[days.name]
    keys = [c.name for c in days.columns if c.name != "day"]
    whole = whole_months(f)
    if whole is None:
        return select(*[days.c[k] for k in keys]).where(in_day_range(days.c.day, f.start, f.end)).subquery(name)
    first, last = whole
    after_last = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    parts = [
        select(*[months.c[k] for k in keys]).where(
            months.c.month >= first.isoformat()[:7], months.c.month <= last.isoformat()[:7]
        )
    ]
    if f.start < first:
        parts.append(select(*[days.c[k] for k in keys]).where(in_day_range(days.c.day, f.start, first - ONE_DAY)))
    if after_last <= f.end:
        parts.append(select(*[days.c[k] for k in keys]).where(in_day_range(days.c.day, after_last, f.end)))
    return union_all(*parts).subquery(name)


def in_day_range(column: Any, start: date, end: date) -> Any:
    """``column`` (a 'YYYY-MM-DD' day) from ``start`` to ``end``, both included."""
    return and_(column >= start.isoformat(), column <= end.isoformat())


def territory_scope(column: Any, territories: Sequence[str] | None) -> Any:
    """For aggregates with rows under ``*``: every row once when every territory is in view, else the territories'."""
    return column == schema.ALL_TERRITORIES if territories is None else column.in_(list(territories))


def hcp_in_scope(hcp_column: Any, territories: Sequence[str] | None) -> Any:
    """The HCP is aligned to one of ``territories`` (True when None: every territory)."""
    if territories is None:
        return literal(True)
    a = schema.synced["alignments"]
    return hcp_column.in_(select(a.c.hcp_id).where(a.c.territory_id.in_(list(territories))))


def in_scope(column: Any, territories: Sequence[str] | None) -> Any:
    return literal(True) if territories is None else column.in_(list(territories))


def count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def count_if_both(first: Any, then: Any) -> Any:
    """Rows where ``first`` and ``then`` hold; ``then`` (a correlated subquery) is evaluated only where ``first``
    holds (a CASE, unlike AND, fixes the order)."""
    return func.coalesce(func.sum(case((first, case((then, 1), else_=0)), else_=0)), 0)


def hours_between(conn: Connection, start: Any, end: Any) -> Any:
    """Hours from ``start`` to ``end`` (ISO timestamp text), in SQL of the connection's dialect."""
    if conn.dialect.name == "postgresql":
        stamp = TIMESTAMP(timezone=True)
        seconds = func.extract("epoch", cast(end, stamp) - cast(start, stamp))
        return cast(seconds, Float) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def first_in_json_array(conn: Connection, column: Any) -> Any:
    """The first string of a JSON array column (tuples are stored as JSON arrays)."""
    if conn.dialect.name == "postgresql":
        return func.json_extract_path_text(cast(column, JSON), "0")
    return func.json_extract(column, "$[0]")


def json_array_has(column: Any, value: str) -> Any:
    """A JSON array column holds ``value`` (exact element match on the stored text)."""
    return column.like(f'%"{value}"%')


def week_of(conn: Connection, column: Any) -> Any:
    """The Monday (YYYY-MM-DD) of the week of an ISO timestamp column."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.date_trunc("week", cast(func.substr(column, 1, 10), Date)), "YYYY-MM-DD")
    return func.date(func.substr(column, 1, 10), "weekday 0", "-6 days")


def wilson(successes: int, trials: int, z: float = 1.959964) -> tuple[float | None, float | None, float | None]:
    """A share with its 95% Wilson score interval (None when there were no trials)."""
    if trials <= 0:
        return None, None, None
    p = min(successes / trials, 1.0)
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def with_rate(row: dict[str, Any], key: str, successes: str, trials: str) -> dict[str, Any]:
    p, low, high = wilson(int(row.get(successes) or 0), int(row.get(trials) or 0))
    row[key], row[f"{key}_low"], row[f"{key}_high"] = p, low, high
    return row


def share(part: Any, whole: Any) -> float | None:
    return None if not whole else float(part or 0) / float(whole)


def select_rows(conn: Connection, query: Executable) -> tuple[list[dict[str, Any]], str]:
    """The rows of ``query`` and its SQL text."""
    return rows_of(conn, query), sql_text(conn, query)


__all__ = [
    "Column",
    "Kpi",
    "Page",
    "RowAction",
    "Table",
    "count_if",
    "count_if_both",
    "first_in_json_array",
    "hcp_in_scope",
    "hours_between",
    "in_day_range",
    "in_range",
    "in_scope",
    "json_array_has",
    "plain",
    "rows_of",
    "select_rows",
    "share",
    "spanning",
    "sql_text",
    "territory_scope",
    "week_of",
    "whole_months",
    "wilson",
    "with_rate",
]
