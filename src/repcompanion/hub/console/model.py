"""Model: which suggestion model each device runs, every published model with its metrics and data window, and
drift of the model's inputs between its training window and the selected range (from the aggregates)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from repcompanion.hub.console.figures import Column, Kpi, Page, Table, in_scope, select_rows, share, spanning
from repcompanion.hub.console.filters import Filters
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema

TRAINING_WINDOW_DAYS = 90
DRIFT_ALERT = 0.25
DRIFT = (
    "Each input is computed with SQL in two windows: the model's training window (the "
    f"{TRAINING_WINDOW_DAYS} days up to the newest model's last history day; without a published model, the "
    f"{TRAINING_WINDOW_DAYS} days before the selected range) and the selected range. Per HCP figures are per aligned "
    "HCP and 30 days. Change = (selected − training) ÷ training; a change beyond "
    f"±{DRIFT_ALERT:.0%} is flagged. Inputs: visits and e-mails sent per HCP, open rate and click rate."
)


def _inputs(conn: Connection, viewer: Viewer, start: date, end: date, scope: Any) -> dict[str, float | None]:
    # whole months from the monthly twins, the other days from the daily aggregates
    e = spanning(schema.console_email_days, Filters(start, end), "emails")
    v = spanning(schema.console_visit_totals, Filters(start, end), "visits")
    a = schema.synced["alignments"]
    days = max((end - start).days + 1, 1)
    emails = conn.execute(
        select(func.sum(e.c.sent), func.sum(e.c.opened), func.sum(e.c.clicked)).where(in_scope(e.c.territory_id, scope))
    ).one()
    visits = conn.execute(select(func.sum(v.c.visits)).where(in_scope(v.c.territory_id, scope))).scalar()
    hcps = conn.execute(select(func.count()).select_from(a).where(in_scope(a.c.territory_id, scope))).scalar() or 0
    per = 30.0 / days
    return {
        "visits_per_hcp": (float(visits or 0) / hcps * per) if hcps else None,
        "emails_per_hcp": (float(emails[0] or 0) / hcps * per) if hcps else None,
        "open_rate": share(emails[1], emails[0]),
        "click_rate": share(emails[2], emails[0]),
    }


def build(conn: Connection, viewer: Viewer, f: Filters, freshness: str) -> Page:
    mv, dm, d = schema.model_versions, schema.device_models, schema.devices
    versions_q = select(mv.c.version, mv.c.created_at, mv.c.metrics, mv.c.key_id, mv.c.size).order_by(
        mv.c.created_at.desc(), mv.c.version.desc()
    )
    versions_raw, sql_versions = select_rows(conn, versions_q)
    versions = []
    for r in versions_raw:
        m = json.loads(r["metrics"] or "{}")
        holdout = m.get("holdout") or {}
        base = m.get("baseline_holdout") or {}
        until = m.get("history_until") or ""
        versions.append(
            {
                "version": r["version"],
                "published": str(r["created_at"])[:19],
                "history_until": until,
                "holdout_days": m.get("holdout_days"),
                "examples": m.get("examples"),
                "hcps": m.get("hcps"),
                "territories": m.get("territories"),
                "auc": holdout.get("auc"),
                "brier": holdout.get("brier"),
                "baseline_version": m.get("baseline_version") or "",
                "baseline_auc": base.get("auc"),
            }
        )
    newest = versions[0]["version"] if versions else ""
    u = schema.users
    devices_q = (
        select(d.c.device_id, d.c.user_name, u.c.territory_id, d.c.last_seen, dm.c.running, dm.c.checked_at,
               dm.c.downloaded, dm.c.downloaded_at)
        .select_from(d.join(u, u.c.name == d.c.user_name).outerjoin(dm, dm.c.device_id == d.c.device_id))
        .where(d.c.revoked == 0, in_scope(u.c.territory_id, f.scope(viewer)))
        .order_by(d.c.user_name, d.c.device_id)
    )  # fmt: skip
    devices, sql_devices = select_rows(conn, devices_q)
    for r in devices:
        r["running"] = r["running"] or "(not reported)"
        r["current"] = "yes" if newest and r["running"] == newest else "no"
    on_newest = sum(1 for r in devices if r["current"] == "yes")
    if versions and versions[0]["history_until"]:
        train_end = date.fromisoformat(versions[0]["history_until"][:10])
    else:
        train_end = f.start - timedelta(days=1)
    train_start = train_end - timedelta(days=TRAINING_WINDOW_DAYS - 1)
    scope = f.scope(viewer)
    before = _inputs(conn, viewer, train_start, train_end, scope)
    now = _inputs(conn, viewer, f.start, f.end, scope)
    drift = []
    for name, label in (("visits_per_hcp", "Visits per HCP (30 days)"), ("emails_per_hcp", "E-mails per HCP (30 days)"),
                        ("open_rate", "Open rate"), ("click_rate", "Click rate")):  # fmt: skip
        a, b = before[name], now[name]
        change = (b - a) / a if a and b is not None else None
        drift.append({"input": label, "training": a, "selected": b, "change": change,
                      "flag": "DRIFT" if change is not None and abs(change) > DRIFT_ALERT else ""})  # fmt: skip
    window = f"training window {train_start} to {train_end}; selected {f.start} to {f.end}"
    kpis = [
        Kpi("versions", "Published models", len(versions), "int", "Signed model versions in the hub's registry."),
        Kpi("newest", "Newest model", newest or "(none; laptops use the shipped model)", "text",
            "The version laptops download on their next sync."),
        Kpi("on_newest", "Devices on the newest model", share(on_newest, len(devices)), "pct",
            "Active devices whose last model check reported the newest published version."),
        Kpi("drifting", "Inputs drifting", sum(1 for r in drift if r["flag"]), "int", DRIFT),
    ]  # fmt: skip
    tables = [
        Table("devices", "Devices and the model they run",
              [Column("device_id", "Device"), Column("user_name", "User"), Column("territory_id", "Territory"),
               Column("running", "Runs"), Column("current", "Newest?"), Column("checked_at", "Reported at"),
               Column("downloaded", "Last downloaded"), Column("last_seen", "Last sync")],
              devices, "Runs: the version the laptop named on its last model check (X-RepCompanion-Model; 'default' is "
              "the model shipped with the app). Last downloaded: the newest file it fetched. Revoked devices are not "
              "listed.", sql_devices),
        Table("versions", "Published models",
              [Column("version", "Version"), Column("published", "Published"), Column("history_until", "Data until"),
               Column("holdout_days", "Hold-out days", "int"), Column("examples", "Examples", "int"),
               Column("hcps", "HCPs", "int"), Column("territories", "Territories", "int"),
               Column("auc", "Hold-out AUC", "float"), Column("brier", "Brier", "float"),
               Column("baseline_version", "Compared with"), Column("baseline_auc", "Its AUC", "float")],
              versions, "Metrics the hub measured when it trained each version: AUC and Brier score on the last "
              "hold-out days of history (the model's data window ends at 'Data until'), against the model it "
              "replaced.", sql_versions),
        Table("drift", "Feature drift",
              [Column("input", "Input"), Column("training", "Training window", "float"),
               Column("selected", "Selected range", "float"), Column("change", "Change", "pct"), Column("flag", "")],
              drift, DRIFT + f" ({window}).",
              "-- from console_email_days, console_visit_totals, their monthly twins, alignments"),
    ]  # fmt: skip
    return Page("model", "Model", kpis, tables, freshness)


__all__ = ["DRIFT_ALERT", "TRAINING_WINDOW_DAYS", "build"]
