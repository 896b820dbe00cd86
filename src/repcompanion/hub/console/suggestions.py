"""Suggestions: what reps did with them — accepted, dismissed (by reason), snoozed, completed — by action, rep and
territory, over time, and how often reps follow the top of the list a laptop showed them. From the feedback and list
aggregates (per day, territory and rep, with monthly twins; ``db/derived.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select

from repcompanion.hub.console import charts
from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    Table,
    in_day_range,
    in_scope,
    select_rows,
    share,
    spanning,
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


def _kind_counts(d: Any) -> list[Any]:
    return [func.coalesce(func.sum(case((d.c.kind == k, d.c.feedback), else_=0)), 0).label(k) for k in KINDS]


def _feedback(viewer: Viewer, f: Filters, d: Any, *keys: Any) -> Any:
    """Feedback counts by kind, grouped by ``keys`` of the feedback aggregate ``d`` (daily or spanning)."""
    return (
        select(*keys, *_kind_counts(d))
        .where(in_scope(d.c.territory_id, f.scope(viewer)))
        .group_by(*keys)
        .order_by(*keys)
    )


def _lists(viewer: Viewer, f: Filters) -> Any:
    d = spanning(schema.console_list_days, f, "lists")
    keys = (d.c.user_name, d.c.territory_id)
    return (
        select(
            *keys,
            func.sum(d.c.lists).label("lists"),
            func.sum(d.c.shown).label("shown"),
            func.sum(d.c.top_followed).label("top_followed"),
        )
        .where(in_scope(d.c.territory_id, f.scope(viewer)))
        .group_by(*keys)
        .order_by(*keys)
    )


def build(conn: Connection, viewer: Viewer, f: Filters, freshness: str) -> Page:
    fb = spanning(schema.console_feedback_days, f, "feedback")
    by_action, sql_action = select_rows(conn, _feedback(viewer, f, fb, fb.c.action))
    dismissed = func.sum(fb.c.feedback)
    by_reason_q = (
        select(fb.c.reason, dismissed.label("dismissed"))
        .where(fb.c.kind == "dismissed", in_scope(fb.c.territory_id, f.scope(viewer)))
        .group_by(fb.c.reason)
        .order_by(dismissed.desc(), fb.c.reason)
    )
    by_reason, sql_reason = select_rows(conn, by_reason_q)
    by_rep, sql_rep = select_rows(conn, _feedback(viewer, f, fb, fb.c.user_name, fb.c.territory_id))
    lists_by_rep, sql_lists_rep = select_rows(conn, _lists(viewer, f))
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
    days = schema.console_feedback_days
    week = week_of(conn, days.c.day).label("week")
    weekly_q = _feedback(viewer, f, days, week).where(in_day_range(days.c.day, f.start, f.end))
    weekly, sql_week = select_rows(conn, weekly_q)
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
    return Page("suggestions", "Suggestions", kpis, tables, freshness, notes if f.product else [])


__all__ = ["KINDS", "build"]
