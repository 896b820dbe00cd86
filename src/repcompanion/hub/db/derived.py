"""Derived relations: aggregates the console reads, derived inside the database from the rows they summarise.

Each is declared once as a table on the one MetaData (``schema.py``, ``info={"derived": True}``) and defined once
here as a SELECT. On PostgreSQL it is a materialized view (``REFRESH MATERIALIZED VIEW CONCURRENTLY``: readers are
never blocked); on SQLite a table filled by ``INSERT ... SELECT`` in one transaction. ``refresh`` records when it ran
(``hub_settings.derived_refreshed_at``), so every page that reads an aggregate says how fresh it is. Nothing is
copied out of the database and back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, case, func, literal_column, select, text

from repcompanion.hub.db import schema
from repcompanion.hub.db.engine import HubDb, read_setting, write_setting

REFRESHED_KEY = "derived_refreshed_at"
#: e-mail event types the engagement aggregate counts, and the column each becomes
EMAIL_TYPES = {"email_sent": "sent", "email_opened": "opened", "email_clicked": "clicked", "email_bounced": "bounced"}
#: event types that are a visit by the rep (in person or remote)
VISIT_TYPES = ("visit", "remote_call")
#: the measures of the derived relations; every other column is part of the key
COUNT_COLUMNS = frozenset({*EMAIL_TYPES.values(), "visits"})


def _day(column: Any) -> Any:
    return func.substr(column, 1, 10)


def email_counts(key: str) -> Callable[[], Select[Any]]:
    """The definition of the e-mail aggregate broken down by ``key`` (an event column, or an HCP column)."""

    def definition() -> Select[Any]:
        e, a, h = schema.synced["events"], schema.synced["alignments"], schema.synced["hcps"]
        by = e.c[key] if key in e.c else h.c[key]
        keys = (
            _day(e.c.occurred_at).label("day"),
            a.c.territory_id,
            func.coalesce(e.c.product_id, "").label("product_id"),
            func.coalesce(by, "").label(key),
        )
        counts = [func.sum(case((e.c.type == kind, 1), else_=0)).label(name) for kind, name in EMAIL_TYPES.items()]
        joined = e.join(a, a.c.hcp_id == e.c.hcp_id)
        if key not in e.c:
            joined = joined.join(h, h.c.id == e.c.hcp_id)
        return (
            select(*keys, *counts)
            .select_from(joined)
            .where(e.c.type.in_(list(EMAIL_TYPES)))
            .group_by(*[literal_column(str(k)) for k in range(1, len(keys) + 1)])
        )

    return definition


def visit_days() -> Select[Any]:
    e, a = schema.synced["events"], schema.synced["alignments"]
    keys = (
        _day(e.c.occurred_at).label("day"),
        a.c.territory_id,
        e.c.hcp_id,
        func.coalesce(e.c.product_id, "").label("product_id"),
    )
    return (
        select(*keys, func.count().label("visits"))
        .select_from(e.join(a, a.c.hcp_id == e.c.hcp_id))
        .where(e.c.type.in_(VISIT_TYPES))
        .group_by(*[literal_column(str(k)) for k in range(1, len(keys) + 1)])
    )


#: every derived relation and its definition (the table's columns are the SELECT's, in order)
DERIVED: dict[str, tuple[Table, Callable[[], Select[Any]]]] = {
    "console_email_days": (schema.console_email_days, email_counts("content_id")),
    "console_email_specialty": (schema.console_email_specialty, email_counts("specialty_code")),
    "console_email_segment": (schema.console_email_segment, email_counts("segment")),
    "console_visit_days": (schema.console_visit_days, visit_days),
}


def is_derived(table: Table) -> bool:
    return bool(table.info.get("derived"))


def include_object_for(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` hook: on PostgreSQL a derived relation is a materialized view, not a table."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if dialect != "postgresql":
            return True
        if type_ == "table":
            return not is_derived(obj)
        if type_ == "index" and getattr(obj, "table", None) is not None:
            return not is_derived(obj.table)
        return True

    return include


def tables_on(dialect: str) -> set[str]:
    """The tables a migrated hub of ``dialect`` holds (derived relations are views on PostgreSQL)."""
    return {name for name, t in schema.metadata.tables.items() if dialect != "postgresql" or not is_derived(t)}


def _sql(conn: Connection, query: Select[Any]) -> str:
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


def create(conn: Connection, names: list[str] | None = None) -> None:
    """Create the derived relations (empty on SQLite, unpopulated views on PostgreSQL) and their indexes."""
    for name in names or list(DERIVED):
        table, definition = DERIVED[name]
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"CREATE MATERIALIZED VIEW {name} AS {_sql(conn, definition())} WITH NO DATA"))
            keys = ", ".join(c.name for c in table.columns if c.name not in COUNT_COLUMNS)
            conn.execute(text(f"CREATE UNIQUE INDEX {name}_key ON {name} ({keys})"))
            for index in table.indexes:
                columns = ", ".join(str(c.name) for c in index.columns)
                conn.execute(text(f"CREATE INDEX {index.name} ON {name} ({columns})"))
        else:
            table.create(conn)


def drop(conn: Connection, names: list[str] | None = None) -> None:
    for name in names or list(DERIVED):
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {name}"))
        else:
            DERIVED[name][0].drop(conn, checkfirst=True)


def refresh(db: HubDb, *, now: datetime | None = None) -> str:
    """Recompute every derived relation from its rows; returns (and records) when it ran."""
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    if db.dialect == "postgresql":
        with db.engine.connect() as conn, conn.begin():
            populated = conn.execute(
                text("SELECT ispopulated FROM pg_matviews WHERE matviewname = :n AND schemaname = current_schema()"),
                {"n": "console_email_days"},
            ).scalar()
            how = "CONCURRENTLY " if populated else ""
            for name in DERIVED:
                conn.execute(text(f"REFRESH MATERIALIZED VIEW {how}{name}"))
        with db.write() as conn:
            write_setting(conn, REFRESHED_KEY, at)
        return at
    with db.write() as conn:
        for table, definition in DERIVED.values():
            conn.execute(table.delete())
            query = definition()
            conn.execute(table.insert().from_select([c.name for c in table.columns], query))
        write_setting(conn, REFRESHED_KEY, at)
    return at


def refreshed_at(conn: Connection) -> str:
    """When the derived relations were last refreshed ('' never)."""
    return read_setting(conn, REFRESHED_KEY)


__all__ = [
    "DERIVED",
    "REFRESHED_KEY",
    "create",
    "drop",
    "include_object_for",
    "is_derived",
    "refresh",
    "refreshed_at",
    "tables_on",
]
