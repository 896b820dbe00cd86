"""Field: call-plan attainment, reach and frequency per rep and territory, visits per day, and a territory map
(points over the shipped state outlines). From the visit aggregates (totals per day, territory and product; visits
per HCP for reach; monthly twins of both for long ranges), call plans and alignments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, distinct, func, select, union_all

from repcompanion.hub.console import charts
from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    Table,
    in_day_range,
    in_scope,
    rows_of,
    select_rows,
    share,
    spanning,
    whole_months,
)
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema

MAP_POINTS = 5000
DEFINITIONS = (
    "Visits: events of type visit or remote_call in the range (CRM history and call reports alike), from the daily "
    "visit aggregate. HCPs: aligned to the territory now; targets: those flagged as targets. Reached: HCPs with at "
    "least one visit in the range; reach = reached ÷ HCPs; frequency = visits ÷ reached. Visits per working day: "
    "visits ÷ Monday-to-Friday days in the range. Call-plan attainment: visits in the range to HCPs on a call plan "
    "whose period overlaps the range (counted within the plan's period) ÷ the visits those plans ask for."
)


def working_days(f: Filters) -> int:
    return sum(1 for k in range(f.days) if (f.start + timedelta(days=k)).weekday() < 5)


def _visit_filter(v: Any, viewer: Viewer, f: Filters) -> list[Any]:
    """Territory and product of visit aggregate rows (the range is the spanning subquery's, or ``day``'s)."""
    where = [in_scope(v.c.territory_id, f.scope(viewer))]
    if "day" in v.c:
        where.append(in_day_range(v.c.day, f.start, f.end))
    if f.product:
        where.append(v.c.product_id == f.product)
    return where


def _visited(viewer: Viewer, f: Filters) -> Any:
    """(territory, HCP) of every visit in the range, as a subquery: the whole months from the yearly month masks
    (one row per year, territory, HCP and product), the days before and after them from the per-HCP daily rows."""
    v, y = schema.console_visit_days, schema.console_visit_years
    scope = f.scope(viewer)
    whole = whole_months(f)
    if whole is None:
        return select(v.c.territory_id, v.c.hcp_id).where(*_visit_filter(v, viewer, f)).subquery("visited")
    first, last = whole
    masks: dict[str, int] = {}
    month = first
    while month <= last:
        masks[str(month.year)] = masks.get(str(month.year), 0) | 1 << (month.month - 1)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    parts = [
        select(y.c.territory_id, y.c.hcp_id).where(
            y.c.year == year,
            y.c.product_id == (f.product or schema.ALL_TERRITORIES),
            y.c.months.op("&")(mask) != 0,
            in_scope(y.c.territory_id, scope),
        )
        for year, mask in masks.items()
    ]
    after_last = month
    for start, end in ((f.start, first - timedelta(days=1)), (after_last, f.end)):
        if start <= end:
            days = Filters(start, end, f.territory, f.product)
            parts.append(select(v.c.territory_id, v.c.hcp_id).where(*_visit_filter(v, viewer, days)))
    return union_all(*parts).subquery("visited")


def _reached(viewer: Viewer, f: Filters) -> Any:
    """HCPs with a visit in the range, per territory (an HCP visited in two parts of the range counts once)."""
    v = _visited(viewer, f)
    return select(v.c.territory_id, func.count(distinct(v.c.hcp_id)).label("reached")).group_by(v.c.territory_id)


def build(conn: Connection, viewer: Viewer, f: Filters, freshness: str) -> Page:
    v, t, a, h, cp = (
        schema.console_visit_totals,
        spanning(schema.console_visit_totals, f, "totals"),
        schema.synced["alignments"],
        schema.synced["hcps"],
        schema.synced["call_plans"],
    )
    scope = f.scope(viewer)
    hcps_q = (
        select(a.c.territory_id, func.count().label("hcps"), func.sum(h.c.target).label("targets"))
        .select_from(a.join(h, h.c.id == a.c.hcp_id))
        .where(in_scope(a.c.territory_id, scope))
        .group_by(a.c.territory_id)
    )
    visits_q = (
        select(t.c.territory_id, func.sum(t.c.visits).label("visits"), func.sum(t.c.plan_visits).label("plan_visits"))
        .where(*_visit_filter(t, viewer, f))
        .group_by(t.c.territory_id)
    )
    reached_q = _reached(viewer, f)
    overlap = and_(cp.c.period_start <= f.end.isoformat(), cp.c.period_end >= f.start.isoformat())
    planned_q = (
        select(cp.c.territory_id, func.sum(cp.c.planned_visits).label("planned"))
        .where(overlap, in_scope(cp.c.territory_id, scope))
        .group_by(cp.c.territory_id)
    )
    u = schema.users
    reps: dict[str, list[str]] = {}
    for r in conn.execute(select(u.c.territory_id, u.c.name).where(u.c.role == "rep").order_by(u.c.name)):
        reps.setdefault(r[0], []).append(r[1])
    hcps = {r["territory_id"]: r for r in rows_of(conn, hcps_q)}
    visits = {r["territory_id"]: r for r in rows_of(conn, visits_q)}
    planned = {r["territory_id"]: r for r in rows_of(conn, planned_q)}
    reached = {r["territory_id"]: int(r["reached"]) for r in rows_of(conn, reached_q)}
    days = working_days(f)
    rows = []
    for t in sorted(set(hcps) | set(visits) | set(planned)):
        n, vis = hcps.get(t, {}), visits.get(t, {})
        row = {
            "territory_id": t,
            "reps": ", ".join(reps.get(t, [])),
            "hcps": int(n.get("hcps") or 0),
            "targets": int(n.get("targets") or 0),
            "visits": int(vis.get("visits") or 0),
            "reached": reached.get(t, 0),
            "planned": int(planned.get(t, {}).get("planned") or 0),
            "plan_visits": int(vis.get("plan_visits") or 0),
        }
        row["reach"] = share(row["reached"], row["hcps"])
        row["frequency"] = row["visits"] / row["reached"] if row["reached"] else None
        row["per_day"] = row["visits"] / days if days else None
        row["attainment"] = share(row["plan_visits"], row["planned"])
        rows.append(row)
    sql_rep = ";\n\n".join(str(q.compile(dialect=conn.dialect)) for q in (hcps_q, visits_q, reached_q, planned_q))
    daily_q = (
        select(v.c.day, func.sum(v.c.visits).label("visits"))
        .where(*_visit_filter(v, viewer, f))
        .group_by(v.c.day)
        .order_by(v.c.day)
    )
    daily, sql_daily = select_rows(conn, daily_q)
    points, sql_map, per_hcp = _map(conn, viewer, f, reached)
    total = {k: sum(r[k] for r in rows) for k in ("hcps", "visits", "reached", "planned", "plan_visits")}
    kpis = [
        Kpi("visits", "Visits", total["visits"], "int", DEFINITIONS),
        Kpi("reach", "Reach", share(total["reached"], total["hcps"]), "pct", DEFINITIONS),
        Kpi("frequency", "Frequency", total["visits"] / total["reached"] if total["reached"] else None, "float",
            DEFINITIONS),
        Kpi("per_day", "Visits per working day", total["visits"] / days if days else None, "float", DEFINITIONS),
        Kpi("attainment", "Call-plan attainment", share(total["plan_visits"], total["planned"]), "pct", DEFINITIONS),
    ]  # fmt: skip
    tables = [
        Table("by_territory", "By rep and territory",
              [Column("territory_id", "Territory"), Column("reps", "Rep(s)"), Column("hcps", "HCPs", "int"),
               Column("targets", "Targets", "int"), Column("reached", "Reached", "int"),
               Column("reach", "Reach", "pct"),
               Column("visits", "Visits", "int"), Column("frequency", "Frequency", "float"),
               Column("per_day", "Visits per working day", "float"), Column("planned", "Planned visits", "int"),
               Column("plan_visits", "Visits on plan", "int"), Column("attainment", "Attainment", "pct")],
              rows, DEFINITIONS, sql_rep,
              chart=charts.bars("Call-plan attainment", "territory_id", "attainment", label="attainment",
                                percent=True)),
        Table("per_day", "Visits per day", [Column("day", "Day", "date"), Column("visits", "Visits", "int")], daily,
              DEFINITIONS, sql_daily, chart=charts.lines("Visits per day", "day", ["visits"], label="visits")),
        Table("map", "Territory map", _map_columns(per_hcp), points,
              "One point per HCP of the chosen territory (visited in the range or not), or per territory (at the mean "
              "position of its HCPs, sized by HCPs, coloured by reach band) when no territory is chosen. Outlines: US "
              f"states (us-atlas, shipped with the hub). At most {MAP_POINTS:,} HCPs are drawn.",
              sql_map,
              chart=charts.points_map("Territory map", size=None if per_hcp else "hcps",
                                      color="visited" if per_hcp else "reach_band",
                                      tooltip=["hcp_id", "name", "visited"] if per_hcp else
                                      ["territory_id", "hcps", "reach"])),
    ]  # fmt: skip
    return Page("field", "Field", kpis, tables, freshness)


def _map_columns(per_hcp: bool) -> list[Column]:
    if per_hcp:
        return [Column("hcp_id", "HCP"), Column("name", "Name"), Column("visited", "Visited in range"),
                Column("latitude", "Latitude", "float"), Column("longitude", "Longitude", "float")]  # fmt: skip
    return [Column("territory_id", "Territory"), Column("hcps", "HCPs", "int"), Column("reach", "Reach", "pct"),
            Column("reach_band", "Reach band"), Column("latitude", "Latitude", "float"),
            Column("longitude", "Longitude", "float")]  # fmt: skip


def _map(
    conn: Connection, viewer: Viewer, f: Filters, reached: dict[str, int]
) -> tuple[list[dict[str, Any]], str, bool]:
    a, h = schema.synced["alignments"], schema.synced["hcps"]
    located = and_(h.c.latitude.is_not(None), h.c.longitude.is_not(None))
    if f.territory:
        v = _visited(viewer, f)
        visited = select(v.c.hcp_id)
        q = (
            select(h.c.id.label("hcp_id"), h.c.first_name, h.c.last_name, h.c.latitude, h.c.longitude,
                   h.c.id.in_(visited).label("seen"))
            .select_from(a.join(h, h.c.id == a.c.hcp_id))
            .where(a.c.territory_id == f.territory, located)
            .order_by(h.c.id)
            .limit(MAP_POINTS)
        )  # fmt: skip
        rows, sql = select_rows(conn, q)
        out = [
            {"hcp_id": r["hcp_id"], "name": f"{r['first_name']} {r['last_name']}",
             "visited": "yes" if r["seen"] else "no", "latitude": r["latitude"], "longitude": r["longitude"]}
            for r in rows
        ]  # fmt: skip
        return out, sql, True
    scope = f.scope(viewer)
    q = (
        select(a.c.territory_id, func.count().label("hcps"), func.avg(h.c.latitude).label("latitude"),
               func.avg(h.c.longitude).label("longitude"))
        .select_from(a.join(h, h.c.id == a.c.hcp_id))
        .where(located, in_scope(a.c.territory_id, scope))
        .group_by(a.c.territory_id)
        .order_by(a.c.territory_id)
    )  # fmt: skip
    rows, sql = select_rows(conn, q)
    sql += ";\n\n-- reached: the HCPs with a visit in the range, per territory (as in the table above)"
    for r in rows:
        r["reached"] = reached.get(r["territory_id"], 0)
        r["reach"] = share(r["reached"], r["hcps"])
        r["reach_band"] = _band(r["reach"])
    return rows, sql, False


def _band(reach: float | None) -> str:
    if reach is None or reach < 0.25:
        return "under 25%"
    if reach < 0.5:
        return "25–50%"
    return "50% or more"


__all__ = ["MAP_POINTS", "build", "working_days"]
