"""Suggestions: what reps did with them — accepted, dismissed (by reason), snoozed, completed — by action, rep and
territory, over time, and how often reps follow the top of the list a laptop showed them. Live."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from repcompanion.hub.console import charts
from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    Table,
    count_if,
    in_range,
    in_scope,
    select_rows,
    share,
    week_of,
)
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema

KINDS = ("accepted", "dismissed", "snoozed", "completed")
FEEDBACK = (
    "Feedback reps gave on suggestions, by the time they gave it: accepted, dismissed (with a reason), snoozed "
    "(until a date), completed. Laptops send it with their next sync."
)
FOLLOWED = (
    "Lists shown: the ranked list of suggestions a laptop showed its rep, one per device and day (suggestions.shown); "
    "shown = the suggestions on those lists. Top followed: lists whose first suggestion's HCP got a visit (in person "
    "or remote) that day, or whose first suggestion the rep accepted or completed that day."
)


def _kind_counts(fb: Any) -> list[Any]:
    return [count_if(fb.c.kind == k).label(k) for k in KINDS]


def _feedback(viewer: Viewer, f: Filters, *keys: Any) -> Any:
    fb = schema.suggestion_feedback
    return (
        select(*keys, *_kind_counts(fb))
        .where(in_range(fb.c.at, f), in_scope(fb.c.territory_id, f.scope(viewer)))
        .group_by(*keys)
        .order_by(*keys)
    )


def _lists(viewer: Viewer, f: Filters, *keys: Any) -> Any:
    sl, ev, fb = schema.suggestion_lists, schema.synced["events"], schema.suggestion_feedback
    # that day: ISO timestamps from 'YYYY-MM-DD' up to 'YYYY-MM-DDT99' (a range the HCP's indexes can seek)
    day_end = sl.c.day + "T99"
    visited = exists().where(
        ev.c.hcp_id == sl.c.top_hcp_id,
        ev.c.type.in_(("visit", "remote_call")),
        ev.c.occurred_at >= sl.c.day,
        ev.c.occurred_at < day_end,
    )
    acted = exists().where(
        fb.c.hcp_id == sl.c.top_hcp_id,
        fb.c.kind.in_(("accepted", "completed")),
        fb.c.at >= sl.c.day,
        fb.c.at < day_end,
    )
    return (
        select(
            *keys,
            func.count().label("lists"),
            func.coalesce(func.sum(sl.c.shown), 0).label("shown"),
            count_if(and_(sl.c.top_hcp_id.is_not(None), or_(visited, acted))).label("top_followed"),
        )
        .where(sl.c.day >= f.start.isoformat(), sl.c.day <= f.end.isoformat())
        .where(in_scope(sl.c.territory_id, f.scope(viewer)))
        .group_by(*keys)
        .order_by(*keys)
    )


def build(conn: Connection, viewer: Viewer, f: Filters) -> Page:
    fb, sl = schema.suggestion_feedback, schema.suggestion_lists
    by_action, sql_action = select_rows(conn, _feedback(viewer, f, fb.c.action))
    reason = func.coalesce(fb.c.reason, "(none)").label("reason")  # one expression: PostgreSQL matches it by its bind
    by_reason_q = (
        select(reason, func.count().label("dismissed"))
        .where(fb.c.kind == "dismissed", in_range(fb.c.at, f), in_scope(fb.c.territory_id, f.scope(viewer)))
        .group_by(reason)
        .order_by(func.count().desc(), reason)
    )
    by_reason, sql_reason = select_rows(conn, by_reason_q)
    by_rep, sql_rep = select_rows(conn, _feedback(viewer, f, fb.c.user_name, fb.c.territory_id))
    lists_by_rep, sql_lists_rep = select_rows(conn, _lists(viewer, f, sl.c.user_name, sl.c.territory_id))
    seen = {(r["user_name"], r["territory_id"]): r for r in by_rep}
    for r in lists_by_rep:
        seen.setdefault((r["user_name"], r["territory_id"]), {"user_name": r["user_name"],
                        "territory_id": r["territory_id"], **dict.fromkeys(KINDS, 0)})  # fmt: skip
    for key, row in seen.items():
        lst = next((x for x in lists_by_rep if (x["user_name"], x["territory_id"]) == key), None)
        row["lists"] = int(lst["lists"]) if lst else 0
        row["shown"] = int(lst["shown"]) if lst else 0
        row["top_followed"] = int(lst["top_followed"]) if lst else 0
        row["top_followed_share"] = share(row["top_followed"], row["lists"])
        row["acceptance"] = share(row["accepted"] + row["completed"], sum(int(row[k]) for k in KINDS))
    rep_rows = [seen[k] for k in sorted(seen)]
    week = week_of(conn, fb.c.at).label("week")
    weekly, sql_week = select_rows(conn, _feedback(viewer, f, week))
    # the per-rep rows partition the lists in scope: their sums are the totals (one pass over the lists, not two)
    lists = {k: sum(int(r[k] or 0) for r in lists_by_rep) for k in ("lists", "shown", "top_followed")}
    totals = {k: sum(int(r[k]) for r in by_action) for k in KINDS}
    kind_columns = [Column(k, k.capitalize(), "int") for k in KINDS]
    kpis = [
        Kpi("shown", "Suggestions shown", int(lists["shown"] or 0), "int", FOLLOWED),
        *[Kpi(k, k.capitalize(), totals[k], "int", FEEDBACK) for k in KINDS],
        Kpi("top_followed", "Top suggestion followed", share(lists["top_followed"], lists["lists"]), "pct", FOLLOWED),
    ]
    tables = [
        Table("by_action", "By action", [Column("action", "Action"), *kind_columns], by_action, FEEDBACK, sql_action,
              chart=charts.bars("Accepted by action", "action", "accepted", label="accepted")),
        Table("dismissed", "Dismissed, by reason",
              [Column("reason", "Reason"), Column("dismissed", "Dismissed", "int")],
              by_reason, FEEDBACK + " Reasons are the ones the app offers.", sql_reason,
              chart=charts.bars("Dismissals by reason", "reason", "dismissed", label="dismissed")),
        Table("by_rep", "By rep and territory",
              [Column("user_name", "Rep"), Column("territory_id", "Territory"), Column("lists", "Lists shown", "int"),
               Column("shown", "Suggestions shown", "int"), *kind_columns,
               Column("acceptance", "Accepted or completed", "pct"), Column("top_followed", "Top followed", "int"),
               Column("top_followed_share", "Top followed share", "pct")],
              rep_rows, FEEDBACK + " " + FOLLOWED + " Accepted or completed: their share of all feedback.",
              f"{sql_rep};\n\n{sql_lists_rep}"),
        Table("over_time", "Over time (by week)", [Column("week", "Week of", "date"), *kind_columns], weekly,
              FEEDBACK + " Weeks start on Monday.", sql_week,
              chart=charts.lines("Feedback per week", "week", list(KINDS), label="feedback")),
    ]  # fmt: skip
    notes = ["The product filter does not apply here: suggestions are about HCPs and actions, not products."]
    return Page("suggestions", "Suggestions", kpis, tables, "live", notes if f.product else [])


__all__ = ["KINDS", "build"]
