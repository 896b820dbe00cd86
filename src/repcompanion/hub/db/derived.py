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

from sqlalchemy import (
    JSON,
    Connection,
    Float,
    Integer,
    Select,
    Table,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TIMESTAMP

from repcompanion.hub.db import schema
from repcompanion.hub.db.engine import HubDb, read_setting, write_setting

REFRESHED_KEY = "derived_refreshed_at"
#: e-mail event types the engagement aggregate counts, and the column each becomes
EMAIL_TYPES = {"email_sent": "sent", "email_opened": "opened", "email_clicked": "clicked", "email_bounced": "bounced"}
#: event types that are a visit by the rep (in person or remote)
VISIT_TYPES = ("visit", "remote_call")
#: statuses of an e-mail follow-up the hub sent
SENT = ("sent", "opened", "clicked", "bounced")
#: hours from a visit to its e-mail the hub promises
PROMISE_HOURS = 24.0
ALL = schema.ALL_TERRITORIES


def _day(column: Any) -> Any:
    return func.substr(column, 1, 10)


def _grouped(*keys: Any) -> list[Any]:
    return [literal_column(str(k)) for k in range(1, len(keys) + 1)]


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _hours(dialect: str, start: Any, end: Any) -> Any:
    """Hours from ``start`` to ``end`` (ISO timestamp text) in SQL of ``dialect``."""
    if dialect == "postgresql":
        stamp = TIMESTAMP(timezone=True)
        return cast(func.extract("epoch", cast(end, stamp) - cast(start, stamp)), Float) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _first_product(dialect: str, column: Any) -> Any:
    """The first string of a JSON array column (a call report's products)."""
    if dialect == "postgresql":
        return func.json_extract_path_text(cast(column, JSON), "0")
    return func.json_extract(column, "$[0]")


def email_counts(key: str) -> Callable[[str], Select[Any]]:
    """The definition of the e-mail aggregate broken down by ``key`` (an event column, or an HCP column)."""

    def definition(dialect: str) -> Select[Any]:
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


def visit_days(dialect: str) -> Select[Any]:
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


def visit_totals(dialect: str) -> Select[Any]:
    """Visits per day, territory and product, and those within the period of a call plan of that HCP and territory
    (once per such plan, as the attainment's join counts them); read from the per-HCP visit aggregate."""
    v, cp = schema.console_visit_days, schema.synced["call_plans"]
    plans = (
        select(func.count())
        .where(
            cp.c.territory_id == v.c.territory_id,
            cp.c.hcp_id == v.c.hcp_id,
            cp.c.period_start <= v.c.day,
            cp.c.period_end >= v.c.day,
        )
        .scalar_subquery()
    )
    keys = (v.c.day, v.c.territory_id, v.c.product_id)
    return select(
        *keys, func.sum(v.c.visits).label("visits"), func.sum(v.c.visits * plans).label("plan_visits")
    ).group_by(*keys)


def _blocked(reason: Any, kind: str) -> Any:
    consent = or_(reason.like("%consent%"), reason.like("%opt-out%"), reason.like("%do-not-contact%"))
    cap = reason.like("%frequency cap%")
    content = reason.like("%content%")
    if kind == "consent":
        return consent
    if kind == "cap":
        return and_(~consent, cap)
    if kind == "content":
        return and_(~consent, ~cap, content)
    return and_(~consent, ~cap, ~content)


def _by_territory(one: Callable[[Any, bool], Select[Any]]) -> Any:
    """``one(territory, aligned)`` once per territory the HCP is aligned to, and once more for every row under
    ``*`` (a viewer of every territory counts each row once, aligned or not)."""
    a = schema.synced["alignments"]
    return union_all(one(a.c.territory_id, True), one(literal(ALL), False))


def funnel_days(dialect: str) -> Any:
    """The funnel's stage counts per day created, territory, journey and product (see console/funnel.py)."""
    fu, c, cr = schema.synced["follow_ups"], schema.synced["content"], schema.synced["call_reports"]
    fb, ev = schema.suggestion_feedback, schema.synced["events"]
    product = func.coalesce(c.c.product_id, _first_product(dialect, cr.c.products), "(none)")
    email = fu.c.action == "send_email"
    msl = and_(fu.c.action == "suggest_msl_referral", fu.c.status != "suppressed", fu.c.status != "cancelled")
    suppressed = and_(email, fu.c.status == "suppressed")
    after = and_(fb.c.hcp_id == fu.c.hcp_id, fb.c.action == "msl_referral", fb.c.at >= fu.c.created_at)
    accepted = exists().where(after, fb.c.kind.in_(("accepted", "completed")))
    done = or_(
        exists().where(after, fb.c.kind == "completed"),
        exists().where(ev.c.hcp_id == fu.c.hcp_id, ev.c.type == "msl_visit", ev.c.occurred_at >= fu.c.created_at),
    )
    visited = func.coalesce(cr.c.submitted_at, cr.c.started_at)
    promised = and_(email, fu.c.sent_at.is_not(None), cr.c.id.is_not(None))
    hours = case((promised, _hours(dialect, visited, fu.c.sent_at)), else_=None)
    measures = {
        "planned": _count_if(email),
        "blocked_consent": _count_if(and_(suppressed, _blocked(fu.c.reason, "consent"))),
        "blocked_cap": _count_if(and_(suppressed, _blocked(fu.c.reason, "cap"))),
        "blocked_content": _count_if(and_(suppressed, _blocked(fu.c.reason, "content"))),
        "blocked_other": _count_if(
            and_(
                email,
                or_(fu.c.status == "cancelled", and_(fu.c.status == "suppressed", _blocked(fu.c.reason, "other"))),
            )
        ),
        "sent": _count_if(and_(email, fu.c.status.in_(SENT))),
        "delivered": _count_if(and_(email, fu.c.status.in_(("sent", "opened", "clicked")))),
        "opened": _count_if(and_(email, fu.c.status.in_(("opened", "clicked")))),
        "clicked": _count_if(and_(email, fu.c.status == "clicked")),
        "msl_suggested": _count_if(msl),
        "msl_accepted": func.coalesce(func.sum(case((msl, case((accepted, 1), else_=0)), else_=0)), 0),
        "msl_done": func.coalesce(func.sum(case((msl, case((done, 1), else_=0)), else_=0)), 0),
        "sent_after_visit": _count_if(promised),
        "within_24h": _count_if(and_(promised, hours <= PROMISE_HOURS)),
        "hours_sum": func.sum(hours),
        "hours_max": func.max(hours),
    }

    def one(territory: Any, aligned: bool) -> Select[Any]:
        joined = fu.outerjoin(c, c.c.id == fu.c.content_id).outerjoin(cr, cr.c.id == fu.c.call_report_id)
        if aligned:
            a = schema.synced["alignments"]
            joined = joined.join(a, a.c.hcp_id == fu.c.hcp_id)
        keys = (
            _day(fu.c.created_at).label("day"),
            territory.label("territory_id"),
            fu.c.journey.label("journey"),
            product.label("product_id"),
            func.coalesce(c.c.product_id, "").label("content_product_id"),
        )
        return select(*keys, *[v.label(k) for k, v in measures.items()]).select_from(joined).group_by(*_grouped(*keys))

    return _by_territory(one)


def report_days(dialect: str) -> Any:
    """Submitted call reports per day the visit started, territory and products (the JSON text)."""
    cr = schema.synced["call_reports"]

    def one(territory: Any, aligned: bool) -> Select[Any]:
        a = schema.synced["alignments"]
        keys = (
            _day(cr.c.started_at).label("day"),
            territory.label("territory_id"),
            func.coalesce(cr.c.products, "[]").label("products"),
        )
        joined = cr.join(a, a.c.hcp_id == cr.c.hcp_id) if aligned else cr
        return select(*keys, func.count().label("reports")).select_from(joined).group_by(*_grouped(*keys))

    return _by_territory(one)


def feedback_days(dialect: str) -> Select[Any]:
    fb = schema.suggestion_feedback
    keys = (
        _day(fb.c.at).label("day"),
        fb.c.territory_id,
        fb.c.user_name,
        fb.c.action,
        fb.c.kind,
        func.coalesce(fb.c.reason, "(none)").label("reason"),
    )
    return select(*keys, func.count().label("feedback")).group_by(*_grouped(*keys))


def list_days(dialect: str) -> Select[Any]:
    """Lists shown per day, territory and rep; top followed: the top suggestion's HCP got a visit (in person or
    remote) that day, or the rep accepted or completed a suggestion for that HCP that day."""
    sl, ev, fb = schema.suggestion_lists, schema.synced["events"], schema.suggestion_feedback
    # that day: ISO timestamps from 'YYYY-MM-DD' up to 'YYYY-MM-DDT99' (a range the HCP's indexes can seek)
    day_end = sl.c.day + "T99"
    visited = exists().where(
        ev.c.hcp_id == sl.c.top_hcp_id,
        ev.c.type.in_(VISIT_TYPES),
        ev.c.occurred_at >= sl.c.day,
        ev.c.occurred_at < day_end,
    )
    acted = exists().where(
        fb.c.hcp_id == sl.c.top_hcp_id,
        fb.c.kind.in_(("accepted", "completed")),
        fb.c.at >= sl.c.day,
        fb.c.at < day_end,
    )
    keys = (sl.c.day, sl.c.territory_id, sl.c.user_name)
    return select(
        *keys,
        func.count().label("lists"),
        func.coalesce(func.sum(sl.c.shown), 0).label("shown"),
        _count_if(and_(sl.c.top_hcp_id.is_not(None), or_(visited, acted))).label("top_followed"),
    ).group_by(*keys)


def months_of(days: Table) -> Callable[[str], Select[Any]]:
    """The monthly twin's definition: the daily aggregate's rows summed per month (maxima stay maxima)."""

    def definition(dialect: str) -> Select[Any]:
        keys: list[Any] = [func.substr(days.c.day, 1, 7).label("month")]
        keys += [c for c in days.columns if c.name != "day" and not is_measure(c)]
        measures = [
            (func.max(c) if c.name.endswith("_max") else func.sum(c)).label(c.name)
            for c in days.columns
            if is_measure(c)
        ]
        return select(*keys, *measures).group_by(*_grouped(*keys))

    return definition


def is_measure(column: Any) -> bool:
    """A summed (or maximal) figure; every other column of a derived relation is part of its key."""
    return not isinstance(column.type, Text)


def visit_years(dialect: str) -> Any:
    """The months of each calendar year in which an HCP got a visit (of a product, and of any product under ``*``),
    as a bitmask: the sum of ``1 << (month - 1)`` over the distinct months of the monthly per-HCP visit aggregate."""
    m = schema.MONTHS["console_visit_days"]

    def months(product: Any, source: Any) -> Select[Any]:
        bit = literal(1).op("<<")(cast(func.substr(source.c.month, 6, 2), Integer) - 1)
        keys = (
            func.substr(source.c.month, 1, 4).label("year"),
            source.c.territory_id,
            source.c.hcp_id,
            product.label("product_id"),
        )
        return select(*keys, func.sum(bit).label("months")).group_by(*_grouped(*keys))

    distinct_months = select(m.c.month, m.c.territory_id, m.c.hcp_id).distinct().subquery("visited_months")
    return union_all(months(m.c.product_id, m), months(literal(ALL), distinct_months))


#: every derived relation and its definition (the table's columns are the SELECT's, in order); a relation comes after
#: the ones it reads (the monthly twins read their daily aggregates)
DAILY: dict[str, tuple[Table, Callable[[str], Any]]] = {
    "console_email_days": (schema.console_email_days, email_counts("content_id")),
    "console_email_specialty": (schema.console_email_specialty, email_counts("specialty_code")),
    "console_email_segment": (schema.console_email_segment, email_counts("segment")),
    "console_visit_days": (schema.console_visit_days, visit_days),
    "console_visit_totals": (schema.console_visit_totals, visit_totals),
    "console_funnel_days": (schema.console_funnel_days, funnel_days),
    "console_report_days": (schema.console_report_days, report_days),
    "console_feedback_days": (schema.console_feedback_days, feedback_days),
    "console_list_days": (schema.console_list_days, list_days),
}
DERIVED: dict[str, tuple[Table, Callable[[str], Any]]] = (
    DAILY
    | {schema.MONTHS[name].name: (schema.MONTHS[name], months_of(table)) for name, (table, _) in DAILY.items()}
    | {"console_visit_years": (schema.console_visit_years, visit_years)}
)
#: the relations revision 0013 created (later revisions add the others)
FIRST = ("console_email_days", "console_email_specialty", "console_email_segment", "console_visit_days")


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
            sql = _sql(conn, definition(conn.dialect.name))
            conn.execute(text(f"CREATE MATERIALIZED VIEW {name} AS {sql} WITH NO DATA"))
            keys = ", ".join(c.name for c in table.columns if not is_measure(c))
            conn.execute(text(f"CREATE UNIQUE INDEX {name}_key ON {name} ({keys})"))
            for index in table.indexes:
                columns = ", ".join(str(c.name) for c in index.columns)
                conn.execute(text(f"CREATE INDEX {index.name} ON {name} ({columns})"))
        else:
            table.create(conn)


def drop(conn: Connection, names: list[str] | None = None) -> None:
    for name in reversed(names or list(DERIVED)):  # a relation before the ones it reads
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {name}"))
        else:
            DERIVED[name][0].drop(conn, checkfirst=True)


def refresh(db: HubDb, *, now: datetime | None = None) -> str:
    """Recompute every derived relation from its rows; returns (and records) when it ran."""
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    if db.dialect == "postgresql":
        with db.engine.connect() as conn, conn.begin():
            populated: dict[str, bool] = dict(
                conn.execute(
                    text("SELECT matviewname, ispopulated FROM pg_matviews WHERE schemaname = current_schema()")
                ).all()
            )
            for name in DERIVED:  # a view created by a later revision is refreshed plainly the first time
                how = "CONCURRENTLY " if populated.get(name) else ""
                conn.execute(text(f"REFRESH MATERIALIZED VIEW {how}{name}"))
        with db.write() as conn:
            write_setting(conn, REFRESHED_KEY, at)
        return at
    with db.write() as conn:
        for table, definition in DERIVED.values():
            conn.execute(table.delete())
            query = definition(db.dialect)
            conn.execute(table.insert().from_select([c.name for c in table.columns], query))
        write_setting(conn, REFRESHED_KEY, at)
    return at


def refreshed_at(conn: Connection) -> str:
    """When the derived relations were last refreshed ('' never)."""
    return read_setting(conn, REFRESHED_KEY)


__all__ = [
    "DAILY",
    "DERIVED",
    "FIRST",
    "REFRESHED_KEY",
    "create",
    "drop",
    "include_object_for",
    "is_derived",
    "is_measure",
    "refresh",
    "refreshed_at",
    "tables_on",
]
