"""Content performance: sends, open and click rates with 95% intervals, by content item, MLR code, specialty and
segment (from the e-mail aggregates: whole months from their monthly twins, other days from the daily ones), items
expiring soon and items never used (live)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, exists, func, select

from repcompanion.hub.console import charts
from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    RowAction,
    Table,
    in_scope,
    select_rows,
    spanning,
    with_rate,
)
from repcompanion.hub.console.filters import Filters, today
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema

EXPIRY_DAYS = 30
RATES = (
    "Open rate = e-mail opens ÷ e-mails sent; click rate = clicks ÷ e-mails sent (engagement events of type "
    "email_opened, email_clicked and email_sent in the range), each with its 95% Wilson score interval. An HCP who "
    "opens one e-mail twice counts twice. Counted from the daily e-mail aggregates (events per day, territory, product "
    "and content item, specialty or segment; an HCP aligned to two territories counts in each)."
)
MEASURES = [
    Column("sent", "Sent", "int"),
    Column("opened", "Opens", "int"),
    Column("clicked", "Clicks", "int"),
    Column("open_rate", "Open rate", "rate"),
    Column("click_rate", "Click rate", "rate"),
]


def _grouped(viewer: Viewer, f: Filters, d: Any, *keys: Any) -> Any:
    """Sends, opens and clicks grouped by ``keys`` of ``d``: an e-mail aggregate spanning the range."""
    query = (
        select(
            *keys,
            func.sum(d.c.sent).label("sent"),
            func.sum(d.c.opened).label("opened"),
            func.sum(d.c.clicked).label("clicked"),
        )
        .where(in_scope(d.c.territory_id, f.scope(viewer)))
        .group_by(*keys)
    )
    if f.product:
        query = query.where(d.c.product_id == f.product)
    return query


def _rated(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        for k in ("sent", "opened", "clicked"):
            r[k] = int(r[k] or 0)
        with_rate(r, "open_rate", "opened", "sent")
        with_rate(r, "click_rate", "clicked", "sent")
    return rows


def _status(row: dict[str, Any], day: str) -> str:
    if row.get("withdrawn_at"):
        return f"withdrawn {str(row['withdrawn_at'])[:10]}"
    if row.get("valid_to") and str(row["valid_to"]) < day:
        return f"expired {row['valid_to']}"
    return f"approved to {row.get('valid_to') or '?'}"


def build(conn: Connection, viewer: Viewer, f: Filters, freshness: str) -> Page:
    d, c = spanning(schema.console_email_days, f, "emails"), schema.synced["content"]
    by_item_q = _grouped(viewer, f, d, d.c.content_id).subquery()
    q = (
        select(
            by_item_q.c.content_id, c.c.title, c.c.mlr_code, c.c.product_id, c.c.valid_to, c.c.withdrawn_at,
            by_item_q.c.sent, by_item_q.c.opened, by_item_q.c.clicked,
        )
        .select_from(by_item_q.outerjoin(c, c.c.id == by_item_q.c.content_id))
        .order_by(by_item_q.c.sent.desc(), by_item_q.c.content_id)
    )  # fmt: skip
    day = today().isoformat()
    items, sql_items = select_rows(conn, q)
    for r in _rated(items):
        r["status"] = _status(r, day)
        r["withdrawable"] = bool(r.get("title")) and not r.get("withdrawn_at")
    mlr_q = (
        _grouped(viewer, f, d, func.coalesce(c.c.mlr_code, "(unknown)").label("mlr_code"))
        .select_from(d.outerjoin(c, c.c.id == d.c.content_id))
        .order_by("mlr_code")
    )
    by_mlr, sql_mlr = select_rows(conn, mlr_q)
    ds = spanning(schema.console_email_specialty, f, "emails")
    dg = spanning(schema.console_email_segment, f, "emails")
    spec_q = _grouped(viewer, f, ds, ds.c.specialty_code).order_by(ds.c.specialty_code)
    by_specialty, sql_spec = select_rows(conn, spec_q)
    seg_q = _grouped(viewer, f, dg, dg.c.segment).order_by(dg.c.segment)
    by_segment, sql_seg = select_rows(conn, seg_q)
    soon = (today() + timedelta(days=EXPIRY_DAYS)).isoformat()
    expiring_q = (
        select(c.c.id.label("content_id"), c.c.title, c.c.mlr_code, c.c.product_id, c.c.valid_to)
        .where(c.c.withdrawn_at.is_(None), c.c.valid_to >= day, c.c.valid_to <= soon)
        .order_by(c.c.valid_to, c.c.id)
    )
    fu, e = schema.synced["follow_ups"], schema.console_email_days
    never_q = (
        select(c.c.id.label("content_id"), c.c.title, c.c.mlr_code, c.c.product_id, c.c.channel, c.c.valid_to)
        .where(~exists().where(e.c.content_id == c.c.id, e.c.sent > 0), ~exists().where(fu.c.content_id == c.c.id))
        .order_by(c.c.id)
    )
    if f.product:
        expiring_q = expiring_q.where(c.c.product_id == f.product)
        never_q = never_q.where(c.c.product_id == f.product)
    expiring, sql_exp = select_rows(conn, expiring_q)
    never, sql_never = select_rows(conn, never_q)
    for r in expiring:
        r["withdrawable"] = True
    totals = _rated([{k: sum(r[k] for r in items) for k in ("sent", "opened", "clicked")}])[0]
    item_columns = [
        Column("content_id", "Content"), Column("title", "Title"), Column("mlr_code", "MLR code"),
        Column("product_id", "Product"), *MEASURES, Column("status", "Status"),
    ]  # fmt: skip
    withdraw = RowAction("content.withdraw", "Withdraw", "content_id", ask="reason", when="withdrawable")
    kpis = [
        Kpi("sent", "E-mails sent", totals["sent"], "int", "E-mail sends (email_sent events) in the range."),
        Kpi("open_rate", "Open rate", totals["open_rate"], "pct", RATES),
        Kpi("click_rate", "Click rate", totals["click_rate"], "pct", RATES),
        Kpi("expiring", f"Expiring within {EXPIRY_DAYS} days", len(expiring), "int",
            f"Approved, not withdrawn items whose approval ends within {EXPIRY_DAYS} days of today."),
        Kpi("never_used", "Never used", len(never), "int",
            "Items never sent by e-mail (no send in the aggregate, at any date) and never planned by a journey."),
    ]  # fmt: skip
    tables = [
        Table("by_item", "By content item", item_columns, items, RATES, sql_items,
              chart=charts.rates("Open rate by content item", "content_id", "open_rate", label="open rate"),
              actions=[withdraw]),
        Table("by_mlr", "By MLR code", [Column("mlr_code", "MLR code"), *MEASURES], _rated(by_mlr), RATES, sql_mlr),
        Table("by_specialty", "By specialty", [Column("specialty_code", "Specialty (NUCC)"), *MEASURES],
              _rated(by_specialty), RATES, sql_spec,
              chart=charts.rates("Open rate by specialty", "specialty_code", "open_rate", label="open rate")),
        Table("by_segment", "By segment", [Column("segment", "Segment"), *MEASURES], _rated(by_segment), RATES,
              sql_seg),
        Table("expiring", f"Expiring within {EXPIRY_DAYS} days",
              [Column("content_id", "Content"), Column("title", "Title"), Column("mlr_code", "MLR code"),
               Column("product_id", "Product"), Column("valid_to", "Approved to", "date")],
              expiring, f"Approved, not withdrawn items whose approval ends between today and {soon}.", sql_exp,
              actions=[withdraw]),
        Table("never_used", "Never used",
              [Column("content_id", "Content"), Column("title", "Title"), Column("mlr_code", "MLR code"),
               Column("product_id", "Product"), Column("channel", "Channel"),
               Column("valid_to", "Approved to", "date")],
              never, "Items with no e-mail send on record (any date) and no follow-up that planned them.", sql_never),
    ]  # fmt: skip
    return Page("content", "Content performance", kpis, tables, freshness)


__all__ = ["EXPIRY_DAYS", "build"]
