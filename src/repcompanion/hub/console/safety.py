"""Safety: adverse-event and product-complaint intakes with their category, 24-hour clock (overdue first),
forwarding status and acknowledgement; the rep's verbatim note for pharmacovigilance (the medical role) only. Live."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from repcompanion.domain.models import AE_REPORTING_WINDOW
from repcompanion.domain.rows import tuple_parse
from repcompanion.hub.console.figures import Column, Kpi, Page, RowAction, Table, in_range, in_scope, select_rows, share
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema
from repcompanion.hub.safety.clocks import duration_text, parse_utc

COMPLAINT = "product_complaint"
CLOCK = (
    "Each intake must reach pharmacovigilance within 24 hours of the rep becoming aware of it (aware at). Clock: time "
    "left, OVERDUE (not forwarded and past the deadline), or when it was forwarded and whether on time. Overdue "
    "intakes come first, then by deadline. Intakes whose awareness falls in the range are listed."
)


def build(conn: Connection, viewer: Viewer, f: Filters) -> Page:
    i, fw, rv, h = schema.ae_intakes, schema.ae_forwarding, schema.ae_reviews, schema.synced["hcps"]
    columns = [
        i.c.id, i.c.hcp_id, h.c.first_name, h.c.last_name, i.c.user_name, i.c.territory_id, i.c.product_id,
        i.c.categories, i.c.seriousness, i.c.aware_at, i.c.received_at, i.c.forwarded_at, fw.c.sent_at,
        fw.c.attempts, fw.c.last_error, fw.c.recipient, rv.c.acknowledged_at, rv.c.acknowledged_by,
        rv.c.reforwarded,
    ]  # fmt: skip
    if viewer.reads_verbatim:
        columns += [i.c.description, i.c.triggers]
    q = (
        select(*columns)
        .select_from(
            i.outerjoin(h, h.c.id == i.c.hcp_id)
            .outerjoin(fw, fw.c.intake_id == i.c.id)
            .outerjoin(rv, rv.c.intake_id == i.c.id)
        )
        .where(in_range(i.c.aware_at, f), in_scope(i.c.territory_id, f.scope(viewer)))
        .order_by(i.c.aware_at, i.c.id)
    )
    if f.product:
        q = q.where(i.c.product_id == f.product)
    raw, sql = select_rows(conn, q)
    now = datetime.now(UTC)
    rows = []
    for r in raw:
        aware = parse_utc(r["aware_at"]) or now
        forwarded = parse_utc(r["sent_at"]) or parse_utc(r["forwarded_at"])
        due = aware + AE_REPORTING_WINDOW
        categories = tuple_parse(r["categories"])
        if forwarded is not None:
            late = forwarded - due
            timely = f"LATE by {duration_text(late)}" if late.total_seconds() > 0 else "on time"
            clock = f"forwarded {forwarded:%Y-%m-%d %H:%M} UTC ({timely})"
            state = "forwarded"
        elif now > due:
            clock, state = f"OVERDUE by {duration_text(now - due)}", "overdue"
        else:
            clock, state = f"{duration_text(due - now)} left", "waiting"
        row = {
            "intake_id": r["id"],
            "aware_at": aware.strftime("%Y-%m-%d %H:%M"),
            "due_at": due.strftime("%Y-%m-%d %H:%M"),
            "clock": clock,
            "state": state,
            "overdue": state == "overdue",
            "on_time": forwarded is not None and forwarded <= due,
            "hcp": f"{r['first_name'] or ''} {r['last_name'] or ''}".strip() or r["hcp_id"],
            "rep": r["user_name"],
            "territory_id": r["territory_id"],
            "product_id": r["product_id"] or "",
            "categories": ", ".join(categories) or "(none)",
            "kind": "product complaint" if COMPLAINT in categories else "adverse event",
            "seriousness": r["seriousness"] or "unknown",
            "forwarding": _forwarding(r, forwarded),
            "acknowledged": f"{r['acknowledged_at'][:16]} by {r['acknowledged_by']}" if r["acknowledged_at"] else "",
            "unacknowledged": not r["acknowledged_at"],
            "reforwardable": forwarded is not None,
            "_due": due,
        }
        if viewer.reads_verbatim:
            row["verbatim"] = r["description"]
            row["triggers"] = ", ".join(tuple_parse(r["triggers"]))
        rows.append(row)
    rows.sort(key=lambda x: (not x["overdue"], x["_due"], x["intake_id"]))
    for x in rows:
        del x["_due"]
    table_columns = [
        Column("intake_id", "Intake"), Column("kind", "Kind"), Column("categories", "Categories"),
        Column("seriousness", "Seriousness"), Column("aware_at", "Aware at (UTC)"), Column("due_at", "Due (UTC)"),
        Column("clock", "24-hour clock"), Column("forwarding", "Forwarding"), Column("acknowledged", "Acknowledged"),
        Column("hcp", "HCP"), Column("rep", "Rep"), Column("territory_id", "Territory"),
        Column("product_id", "Product"),
    ]  # fmt: skip
    if viewer.reads_verbatim:
        table_columns += [Column("verbatim", "The rep's note (verbatim)"), Column("triggers", "Words that raised it")]
    actions = [
        RowAction("intake.acknowledge", "Acknowledge", "intake_id", ask="note", when="unacknowledged"),
        RowAction("intake.reforward", "Forward again", "intake_id", when="reforwardable"),
    ]
    forwarded_n = sum(1 for x in rows if x["state"] == "forwarded")
    kpis = [
        Kpi("intakes", "Intakes", len(rows), "int", "Adverse-event and product-complaint intakes aware in the range."),
        Kpi("overdue", "Overdue", sum(1 for x in rows if x["overdue"]), "int", CLOCK),
        Kpi("on_time", "Forwarded on time", share(sum(1 for x in rows if x["on_time"]), forwarded_n), "pct",
            "Forwarded intakes that reached pharmacovigilance within 24 hours of awareness ÷ forwarded intakes."),
        Kpi("complaints", "Product complaints", sum(1 for x in rows if x["kind"] == "product complaint"), "int",
            "Intakes the screener categorised product_complaint (they go to the quality mailbox when one is set)."),
        Kpi("unacknowledged", "Not acknowledged", sum(1 for x in rows if x["unacknowledged"]), "int",
            "Intakes no one in pharmacovigilance has acknowledged on the console."),
    ]  # fmt: skip
    note = (
        ""
        if viewer.reads_verbatim
        else "The rep's verbatim note is shown to pharmacovigilance (the medical role) only."
    )
    tables = [
        Table("intakes", "Intakes", table_columns, rows, CLOCK, sql, actions=actions, note=note),
    ]
    return Page("safety", "Safety", kpis, tables, "live")


def _forwarding(r: dict[str, Any], forwarded: datetime | None) -> str:
    if forwarded is not None:
        again = f"; forwarded again {r['reforwarded']}×" if r["reforwarded"] else ""
        return f"sent to {r['recipient'] or 'pharmacovigilance'}{again}"
    if r["attempts"]:
        return f"{r['attempts']} failed attempt(s): {str(r['last_error'])[:120]}"
    return "queued"


__all__ = ["build"]
