"""The closed-loop funnel: visits logged → follow-ups planned → blocked (by reason) → sent → delivered → opened →
clicked → MSL referral suggested → accepted → done, per journey and per product, and the time from visit to e-mail
against the 24-hour promise. From the funnel and call-report aggregates (``db/derived.py``: per day, territory, journey
and product, with monthly twins), which count the follow-ups, call reports, feedback and events themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from repcompanion.hub.console import charts
from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    RowAction,
    Table,
    first_in_json_array,
    json_array_has,
    select_rows,
    share,
    spanning,
    territory_scope,
)
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import derived, schema
from repcompanion.hub.db.schema import journey_pauses

#: the stages of a follow-up, in funnel order: (column, label, definition)
STAGES: list[tuple[str, str, str]] = [
    (
        "planned",
        "Planned",
        "E-mail follow-ups a journey decided on after a visit (every verdict: sent, blocked or waiting).",
    ),
    (
        "blocked_consent",
        "Blocked: consent",
        "Planned e-mails a rule stopped because the HCP has no e-mail consent, opted out, or is do-not-contact.",
    ),
    ("blocked_cap", "Blocked: cap", "Planned e-mails stopped by the journey's frequency cap."),
    (
        "blocked_content",
        "Blocked: content",
        "Planned e-mails stopped because no approved, in-date content fits (withdrawn, "
        "expired, wrong product or specialty).",
    ),
    (
        "blocked_other",
        "Blocked: other",
        "Planned e-mails stopped for another reason (paused journey, segment or specialty "
        "not targeted, deselected by the rep).",
    ),
    ("sent", "Sent", "E-mails the hub sent (status sent, opened, clicked or bounced)."),
    ("delivered", "Delivered", "Sent e-mails that did not bounce."),
    ("opened", "Opened", "Delivered e-mails the HCP opened (or clicked)."),
    ("clicked", "Clicked", "E-mails whose link the HCP clicked."),
    (
        "msl_suggested",
        "MSL referral suggested",
        "MSL referrals a journey suggested to the rep after an e-mail was opened.",
    ),
    (
        "msl_accepted",
        "Accepted",
        "Suggested MSL referrals the rep accepted (suggestion feedback accepted or completed, action "
        "msl_referral, for that HCP at or after the suggestion).",
    ),
    (
        "msl_done",
        "Done",
        "Suggested MSL referrals that happened: feedback 'completed' or an MSL visit for that HCP at or "
        "after the suggestion.",
    ),
]
PROMISE_HOURS = derived.PROMISE_HOURS


def _stages(viewer: Viewer, f: Filters, by: str) -> Any:
    """Stage counts of the follow-ups created in the range, grouped by ``by`` (journey or product), from the funnel
    aggregate (whole months from its monthly twin)."""
    d = spanning(schema.console_funnel_days, f, "funnel")
    key = (d.c.journey if by == "journey" else d.c.product_id).label(by)
    query = (
        select(key, *[func.coalesce(func.sum(d.c[k]), 0).label(k) for k, _, _ in STAGES])
        .where(territory_scope(d.c.territory_id, f.scope(viewer)))
        .group_by(key)
        .order_by(key)
    )
    if f.product:
        query = query.where(d.c.product_id == f.product)
    return query


def _visits(conn: Connection, viewer: Viewer, f: Filters) -> Any:
    d = spanning(schema.console_report_days, f, "reports")
    product = func.coalesce(first_in_json_array(conn, d.c.products), "(none)").label("product")
    query = (
        select(product, func.sum(d.c.reports).label("visits"))
        .where(territory_scope(d.c.territory_id, f.scope(viewer)))
        .group_by(product)
        .order_by(product)
    )
    if f.product:
        query = query.where(json_array_has(d.c.products, f.product))
    return query


def _promise(viewer: Viewer, f: Filters) -> Any:
    d = spanning(schema.console_funnel_days, f, "funnel")
    sent = func.sum(d.c.sent_after_visit)
    query = (
        select(
            d.c.journey,
            sent.label("sent_after_visit"),
            func.sum(d.c.within_24h).label("within_24h"),
            (func.sum(d.c.hours_sum) / sent).label("mean_hours"),
            func.max(d.c.hours_max).label("max_hours"),
        )
        .where(territory_scope(d.c.territory_id, f.scope(viewer)))
        .group_by(d.c.journey)
        .having(sent > 0)
        .order_by(d.c.journey)
    )
    if f.product:
        query = query.where(d.c.content_product_id == f.product)
    return query


def _journeys(conn: Connection, known: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    paused = {r.journey: r for r in conn.execute(select(journey_pauses))}
    rows = []
    for journey, action, description in known:
        p = paused.get(journey)
        rows.append(
            {
                "journey": journey,
                "action": action,
                "description": description,
                "state": f"paused {p.paused_at[:16]} by {p.paused_by}: {p.reason}" if p else "running",
                "paused": p is not None,
                "running": p is None,
            }
        )
    return rows


def build(conn: Connection, viewer: Viewer, f: Filters, journeys: list[tuple[str, str, str]], freshness: str) -> Page:
    stage_columns = [Column(k, label, "int") for k, label, _ in STAGES]
    definitions = " ".join(f"{label}: {d}" for _, label, d in STAGES)
    by_journey, sql_j = select_rows(conn, _stages(viewer, f, "journey"))
    by_product, sql_p = select_rows(conn, _stages(viewer, f, "product"))
    visits, sql_v = select_rows(conn, _visits(conn, viewer, f))
    per_product = {r["product"]: r for r in by_product}
    for v in visits:
        per_product.setdefault(v["product"], {"product": v["product"]} | {k: 0 for k, _, _ in STAGES})
    for product, row in per_product.items():
        row["visits"] = next((v["visits"] for v in visits if v["product"] == product), 0)
    product_rows = [per_product[k] for k in sorted(per_product)]
    totals = {k: sum(int(r[k] or 0) for r in by_journey) for k, _, _ in STAGES}
    totals["visits"] = sum(int(v["visits"]) for v in visits)
    promise, sql_t = select_rows(conn, _promise(viewer, f))
    for r in promise:
        r["share_within_24h"] = share(r["within_24h"], r["sent_after_visit"])
    sent_after = sum(int(r["sent_after_visit"]) for r in promise)
    kpis = [
        Kpi(
            "visits",
            "Visits logged",
            totals["visits"],
            "int",
            "Submitted call reports whose visit started in the range.",
        ),
        *[
            Kpi(k, label, totals[k], "int", d)
            for k, label, d in STAGES
            if k in ("planned", "sent", "opened", "msl_suggested", "msl_done")
        ],
        Kpi(
            "within_24h",
            "E-mail within 24 h of the visit",
            share(sum(int(r["within_24h"]) for r in promise), sent_after),
            "pct",
            "Share of e-mails sent after a visit that left within 24 hours of the report's submission (the promise).",
        ),
    ]
    tables = [
        Table(
            "stages",
            "The funnel (all journeys)",
            stage_columns,
            [dict(totals)],
            definitions,
            sql_j,
            chart=charts.stages("Follow-ups by stage", [(k, label) for k, label, _ in STAGES]),
        ),
        Table(
            "by_journey", "By journey", [Column("journey", "Journey"), *stage_columns], by_journey, definitions, sql_j
        ),
        Table(
            "by_product",
            "By product",
            [Column("product", "Product"), Column("visits", "Visits logged", "int"), *stage_columns],
            product_rows,
            "Visits logged: submitted call reports in the range, by their first product. The product of a follow-up "
            "is its content's product, else the first product of the visit that triggered it. " + definitions,
            f"{sql_p};\n\n{sql_v}",
        ),
        Table(
            "promise",
            "Visit to e-mail, against the 24-hour promise",
            [
                Column("journey", "Journey"),
                Column("sent_after_visit", "E-mails sent after a visit", "int"),
                Column("within_24h", "Within 24 h", "int"),
                Column("share_within_24h", "Share within 24 h", "pct"),
                Column("mean_hours", "Mean hours", "hours"),
                Column("max_hours", "Longest (hours)", "hours"),
            ],
            promise,
            "Hours from the call report's submission (its start when not recorded) to the e-mail's sending, for "
            "e-mails journeys sent after a visit; the promise is 24 hours.",
            sql_t,
            chart=charts.bars("Share within 24 hours", "journey", "share_within_24h", label="share", percent=True),
        ),
        Table(
            "journeys",
            "Journeys",
            [
                Column("journey", "Journey"),
                Column("action", "Action"),
                Column("state", "State"),
                Column("description", "What it does"),
            ],
            _journeys(conn, journeys),
            "The journeys the hub evaluates (from its journey files). A paused journey plans nothing new — each "
            "follow-up it would plan is recorded as blocked, saying so — and its waiting e-mails are held until it "
            "is resumed.",
            "SELECT journey, paused_at, paused_by, reason FROM journey_pauses",
            actions=[
                RowAction("journey.pause", "Pause", "journey", ask="reason", when="running"),
                RowAction("journey.resume", "Resume", "journey", when="paused"),
            ],
        ),
    ]
    return Page("funnel", "Closed-loop funnel", kpis, tables, freshness)


__all__ = ["PROMISE_HOURS", "STAGES", "build"]
