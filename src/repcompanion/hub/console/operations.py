"""Operations: devices and their last sync, uploads received and rejected, devices that may hold unsent changes,
dead-lettered e-mails, orphaned call reports, import runs and data change requests. Live."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, or_, select

from repcompanion.hub.console.figures import (
    Column,
    Kpi,
    Page,
    RowAction,
    Table,
    hcp_in_scope,
    in_range,
    in_scope,
    select_rows,
)
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema

SILENT_DAYS = 3
LIST_LIMIT = 200


def build(conn: Connection, viewer: Viewer, f: Filters) -> Page:
    scope = f.scope(viewer)
    d, u, r = schema.devices, schema.users, schema.device_revocations
    devices_q = (
        select(d.c.device_id, d.c.user_name, u.c.territory_id, d.c.name, d.c.first_seen, d.c.last_seen, d.c.revoked,
               d.c.approved, r.c.revoked_at, r.c.reason)
        .select_from(d.join(u, u.c.name == d.c.user_name).outerjoin(r, r.c.device_id == d.c.device_id))
        .where(in_scope(u.c.territory_id, scope))
        .order_by(d.c.last_seen.desc(), d.c.device_id)
    )  # fmt: skip
    devices, sql_devices = select_rows(conn, devices_q)
    now = datetime.now(UTC)
    silent_since = (now - timedelta(days=SILENT_DAYS)).isoformat()
    for x in devices:
        x["state"] = (f"revoked {str(x['revoked_at'])[:10]} ({x['reason'] or 'no reason'})" if x["revoked"]
                      else "active" if x["approved"] else "waiting for approval")  # fmt: skip
        x["revocable"] = not x["revoked"]
        x["silent"] = not x["revoked"] and str(x["last_seen"]) < silent_since
    silent = [x for x in devices if x["silent"]]
    m = schema.mutations
    uploads_q = (
        select(m.c.kind, m.c.status, func.count().label("mutations"))
        .select_from(m.join(u, u.c.name == m.c.user_name))
        .where(in_range(m.c.received_at, f), in_scope(u.c.territory_id, scope))
        .group_by(m.c.kind, m.c.status)
        .order_by(m.c.kind, m.c.status)
    )
    uploads, sql_uploads = select_rows(conn, uploads_q)
    rejected_q = (
        select(m.c.id, m.c.received_at, m.c.user_name, m.c.device_id, m.c.kind, m.c.entity_id, m.c.reason)
        .select_from(m.join(u, u.c.name == m.c.user_name))
        .where(m.c.status == "rejected", in_range(m.c.received_at, f), in_scope(u.c.territory_id, scope))
        .order_by(m.c.received_at.desc())
        .limit(LIST_LIMIT)
    )
    rejected, sql_rejected = select_rows(conn, rejected_q)
    j = schema.followup_jobs
    dead_q = (
        select(j.c.id.label("job_id"), j.c.hcp_id, j.c.journey, j.c.content_id, j.c.attempts, j.c.dead_letter_reason,
               j.c.created_at)
        .where(j.c.status == "failed", hcp_in_scope(j.c.hcp_id, scope))
        .order_by(j.c.created_at.desc())
        .limit(LIST_LIMIT)
    )  # fmt: skip
    dead, sql_dead = select_rows(conn, dead_q)
    o = schema.orphan_reports
    orphans_q = (
        select(o.c.id, o.c.received_at, o.c.user_name, o.c.territory_id, o.c.hcp_id, o.c.reason)
        .where(o.c.status == "open", in_scope(o.c.territory_id, scope))
        .order_by(o.c.received_at)
        .limit(LIST_LIMIT)
    )
    orphans, sql_orphans = select_rows(conn, orphans_q)
    a = schema.audit_log
    imports_q = (
        select(a.c.at, a.c.actor, a.c.action, a.c.arguments)
        .where(or_(a.c.action.like("import%"), a.c.action.like("content import%")), in_range(a.c.at, f))
        .order_by(a.c.at.desc())
        .limit(LIST_LIMIT)
    )
    imports, sql_imports = select_rows(conn, imports_q) if viewer.territories is None else ([], "")
    for x in imports:
        args = json.loads(x["arguments"] or "{}")
        x["what"] = ", ".join(f"{k}={v}" for k, v in sorted(args.items()) if k not in ("db", "config") and v)
    dcr, h = schema.data_change_requests, schema.synced["hcps"]
    dcr_q = (
        select(dcr.c.id, dcr.c.received_at, dcr.c.user_name, dcr.c.territory_id, dcr.c.hcp_id, h.c.first_name,
               h.c.last_name, dcr.c.changes, dcr.c.note, dcr.c.status)
        .select_from(dcr.outerjoin(h, h.c.id == dcr.c.hcp_id))
        .where(in_scope(dcr.c.territory_id, scope), or_(dcr.c.status == "open", in_range(dcr.c.received_at, f)))
        .order_by(dcr.c.status != "open", dcr.c.received_at)
        .limit(LIST_LIMIT)
    )  # fmt: skip
    dcrs, sql_dcrs = select_rows(conn, dcr_q)
    for x in dcrs:
        x["hcp"] = f"{x.pop('first_name') or ''} {x.pop('last_name') or ''}".strip() or x["hcp_id"]
        x["changes"] = ", ".join(f"{k} → {v}" for k, v in json.loads(x["changes"] or "{}").items())
        x["open"] = x["status"] == "open"
    kpis = [
        Kpi("devices", "Active devices", sum(1 for x in devices if not x["revoked"]), "int", "Devices not revoked."),
        Kpi("silent", f"Silent over {SILENT_DAYS} days", len(silent), "int",
            f"Active devices whose last contact is more than {SILENT_DAYS} days ago: they may hold unsent changes "
            "(their outbox is only seen by the hub when it arrives)."),
        Kpi("rejected", "Rejected uploads", len(rejected), "int", "Uploaded changes the hub rejected in the range."),
        Kpi("dead", "Dead-lettered e-mails", len(dead), "int", "Follow-up e-mails the worker gave up on."),
        Kpi("orphans", "Orphaned call reports", len(orphans), "int", "Open orphan reports waiting for a manager."),
        Kpi("dcrs", "Open data change requests", sum(1 for x in dcrs if x["open"]), "int",
            "Reps' master-data corrections waiting for a decision."),
    ]  # fmt: skip
    device_columns = [Column("device_id", "Device"), Column("user_name", "User"), Column("territory_id", "Territory"),
                      Column("name", "Name"), Column("last_seen", "Last sync"), Column("first_seen", "First seen"),
                      Column("state", "State")]  # fmt: skip
    tables = [
        Table("devices", "Devices and their last sync", device_columns, devices,
              "Every laptop that logged in for a user you see; last sync = its last contact with the hub.", sql_devices,
              actions=[RowAction("device.revoke", "Revoke", "device_id", ask="reason", when="revocable")]),
        Table("silent", f"Devices silent over {SILENT_DAYS} days (may hold pending uploads)", device_columns, silent,
              "Active devices whose last contact is older than the limit: what they hold arrives when they sync.",
              sql_devices),
        Table("uploads", "Uploads received", [Column("kind", "Kind"), Column("status", "Status"),
              Column("mutations", "Changes", "int")], uploads,
              "Changes laptops uploaded in the range, by kind and how the hub applied them.", sql_uploads),
        Table("rejected", "Rejected uploads", [Column("received_at", "Received"), Column("user_name", "User"),
              Column("device_id", "Device"), Column("kind", "Kind"), Column("entity_id", "Record"),
              Column("reason", "Why")], rejected, "The newest rejected changes in the range (at most 200).",
              sql_rejected),
        Table("dead_letters", "Dead-lettered e-mails", [Column("job_id", "Follow-up"), Column("hcp_id", "HCP"),
              Column("journey", "Journey"), Column("content_id", "Content"), Column("attempts", "Attempts", "int"),
              Column("dead_letter_reason", "Why")], dead,
              "Follow-up e-mails that failed permanently or too often; Retry schedules one again (same Message-ID).",
              sql_dead, actions=[RowAction("followup.retry", "Retry", "job_id")]),
        Table("orphans", "Orphaned call reports", [Column("id", "Report"), Column("received_at", "Received"),
              Column("user_name", "Rep"), Column("territory_id", "Territory"), Column("hcp_id", "HCP"),
              Column("reason", "Why")], orphans,
              "Reports that arrived for an HCP no longer in the rep's territory; the manager reassigns or closes them "
              "(`repcompanion-hub orphans`).", sql_orphans),
        Table("imports", "Import runs", [Column("at", "When"), Column("actor", "By"), Column("action", "Command"),
              Column("what", "Arguments")], imports,
              "Imports recorded in the audit log in the range (each run's report accounts for every row; see "
              "docs/ingest.md). Shown to administrators.", sql_imports),
        Table("dcrs", "Data change requests", [Column("id", "Request"), Column("received_at", "Received"),
              Column("user_name", "Rep"), Column("territory_id", "Territory"), Column("hcp", "HCP"),
              Column("changes", "Changes"), Column("note", "Note"), Column("status", "Status")], dcrs,
              "Open requests (any date) and those received in the range. Accepting applies the change to the HCP "
              "and sends it to every laptop; rejecting sends the reason to the rep.", sql_dcrs,
              actions=[RowAction("dcr.accept", "Accept", "id", when="open"),
                       RowAction("dcr.reject", "Reject", "id", ask="reason", when="open")]),
    ]  # fmt: skip
    notes = ["The product filter does not apply here."] if f.product else []
    return Page("operations", "Operations", kpis, tables, "live", notes)


__all__ = ["SILENT_DAYS", "build"]
