"""The closed-loop funnel: visits logged → follow-ups planned → blocked (by reason) → sent → delivered → opened →
clicked → MSL referral suggested → accepted → done, per journey and per product, and the time from visit to e-mail
against the 24-hour promise. Live: read from the follow-ups, call reports, feedback and events themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, exists, func, or_, select

from repcompanion.hub.console import charts
from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    RowAction,
    Table,
    count_if,
    count_if_both,
    first_in_json_array,
    hcp_in_scope,
    hours_between,
    in_range,
    json_array_has,
    select_rows,
    share,
)
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema
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
SENT = ("sent", "opened", "clicked", "bounced")
PROMISE_HOURS = 24.0


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


def _follow_ups(conn: Connection, viewer: Viewer, f: Filters, by: Any) -> Any:
    """Stage counts of the follow-ups created in the range, grouped by ``by`` (journey or product)."""
    fu, c, cr = schema.synced["follow_ups"], schema.synced["content"], schema.synced["call_reports"]
    fb, ev = schema.suggestion_feedback, schema.synced["events"]
    product = func.coalesce(c.c.product_id, first_in_json_array(conn, cr.c.products))
    email = fu.c.action == "send_email"
    msl = and_(fu.c.action == "suggest_msl_referral", fu.c.status != "suppressed", fu.c.status != "cancelled")
    suppressed = and_(email, fu.c.status == "suppressed")
    after = and_(fb.c.hcp_id == fu.c.hcp_id, fb.c.action == "msl_referral", fb.c.at >= fu.c.created_at)
    accepted = exists().where(after, fb.c.kind.in_(("accepted", "completed")))
    done = or_(
        exists().where(after, fb.c.kind == "completed"),
        exists().where(ev.c.hcp_id == fu.c.hcp_id, ev.c.type == "msl_visit", ev.c.occurred_at >= fu.c.created_at),
    )
    measures = {
        "planned": count_if(email),
        "blocked_consent": count_if(and_(suppressed, _blocked(fu.c.reason, "consent"))),
        "blocked_cap": count_if(and_(suppressed, _blocked(fu.c.reason, "cap"))),
        "blocked_content": count_if(and_(suppressed, _blocked(fu.c.reason, "content"))),
        "blocked_other": count_if(
            and_(
                email,
                or_(fu.c.status == "cancelled", and_(fu.c.status == "suppressed", _blocked(fu.c.reason, "other"))),
            )
        ),
        "sent": count_if(and_(email, fu.c.status.in_(SENT))),
        "delivered": count_if(and_(email, fu.c.status.in_(("sent", "opened", "clicked")))),
        "opened": count_if(and_(email, fu.c.status.in_(("opened", "clicked")))),
        "clicked": count_if(and_(email, fu.c.status == "clicked")),
        "msl_suggested": count_if(msl),
        "msl_accepted": count_if_both(msl, accepted),
        "msl_done": count_if_both(msl, done),
    }
    key = (fu.c.journey if by == "journey" else func.coalesce(product, "(none)")).label(by)
    query = (
        select(key, *[v.label(k) for k, v in measures.items()])
        .select_from(
            # the product comes from the content or the visit: joined only when grouped or filtered by it
            fu.outerjoin(c, c.c.id == fu.c.content_id).outerjoin(cr, cr.c.id == fu.c.call_report_id)
            if by == "product" or f.product
            else fu
        )
        .where(in_range(fu.c.created_at, f), hcp_in_scope(fu.c.hcp_id, f.scope(viewer)))
        .group_by(key)
        .order_by(key)
    )
    if f.product:
        query = query.where(func.coalesce(product, "") == f.product)
    return query


def _visits(conn: Connection, viewer: Viewer, f: Filters) -> Any:
    cr = schema.synced["call_reports"]
    product = func.coalesce(first_in_json_array(conn, cr.c.products), "(none)").label("product")
    query = (
        select(product, func.count().label("visits"))
        .where(in_range(cr.c.started_at, f), hcp_in_scope(cr.c.hcp_id, f.scope(viewer)))
        .group_by(product)
        .order_by(product)
    )
    if f.product:
        query = query.where(json_array_has(cr.c.products, f.product))
    return query


def _promise(conn: Connection, viewer: Viewer, f: Filters) -> Any:
    fu, cr, c = schema.synced["follow_ups"], schema.synced["call_reports"], schema.synced["content"]
    hours = hours_between(conn, func.coalesce(cr.c.submitted_at, cr.c.started_at), fu.c.sent_at)
    query = (
        select(
            fu.c.journey,
            func.count().label("sent_after_visit"),
            count_if(hours <= PROMISE_HOURS).label("within_24h"),
            func.avg(hours).label("mean_hours"),
            func.max(hours).label("max_hours"),
        )
        .select_from(fu.join(cr, cr.c.id == fu.c.call_report_id).outerjoin(c, c.c.id == fu.c.content_id))
        .where(fu.c.sent_at.is_not(None), fu.c.action == "send_email")
        .where(in_range(fu.c.created_at, f), hcp_in_scope(fu.c.hcp_id, f.scope(viewer)))
        .group_by(fu.c.journey)
        .order_by(fu.c.journey)
    )
    if f.product:
        query = query.where(c.c.product_id == f.product)
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


def build(conn: Connection, viewer: Viewer, f: Filters, journeys: list[tuple[str, str, str]]) -> Page:
    stage_columns = [Column(k, label, "int") for k, label, _ in STAGES]
    definitions = " ".join(f"{label}: {d}" for _, label, d in STAGES)
    by_journey, sql_j = select_rows(conn, _follow_ups(conn, viewer, f, "journey"))
    by_product, sql_p = select_rows(conn, _follow_ups(conn, viewer, f, "product"))
    visits, sql_v = select_rows(conn, _visits(conn, viewer, f))
    per_product = {r["product"]: r for r in by_product}
    for v in visits:
        per_product.setdefault(v["product"], {"product": v["product"]} | {k: 0 for k, _, _ in STAGES})
    for product, row in per_product.items():
        row["visits"] = next((v["visits"] for v in visits if v["product"] == product), 0)
    product_rows = [per_product[k] for k in sorted(per_product)]
    totals = {k: sum(int(r[k] or 0) for r in by_journey) for k, _, _ in STAGES}
    totals["visits"] = sum(int(v["visits"]) for v in visits)
    promise, sql_t = select_rows(conn, _promise(conn, viewer, f))
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
    return Page("funnel", "Closed-loop funnel", kpis, tables, "live")


__all__ = ["PROMISE_HOURS", "STAGES", "build"]
