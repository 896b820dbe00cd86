"""``repcompanion-hub realign``, ``compact`` and ``status``: territories, the change log and what the hub holds."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy import func, select

from repcompanion.hub.admin import audit
from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args
from repcompanion.hub.db import head, redacted, schema
from repcompanion.hub.sync import compact, realign


def add_realign(sub: Any, command: Command) -> None:
    r = command("realign", "Move HCPs from one territory to another (reps see it on their next sync).")
    r.add_argument("--hcp", action="append", required=True, help="HCP id (repeat for several)")
    r.add_argument("--from", dest="source", required=True, help="territory the HCPs leave")
    r.add_argument("--to", dest="target", required=True, help="territory the HCPs join")
    r.set_defaults(func=cmd_realign)


def add_compact(sub: Any, command: Command) -> None:
    c = command("compact", "Drop tombstones older than the window; older client cursors get a reset.")
    c.add_argument("--tombstone-days", type=float, default=30.0, help="window in days (default 30)")
    c.set_defaults(func=cmd_compact)


def add_status(sub: Any, command: Command) -> None:
    command("status", "Row counts per table, HCPs per territory and the change-log head.").set_defaults(func=cmd_status)


def cmd_realign(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    with db.write() as conn:
        written = realign(conn, args.hcp, args.source, args.target)
    audit.record_args(db, "realign", args)
    print(
        f"Moved {written['removed']} HCP(s) from {args.source} to {args.target}: {written['reemitted']} rows re-sent "
        f"to {args.target}'s reps; {args.source}'s reps will drop them on their next sync."
    )
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    with db.write() as conn:
        result = compact(conn, args.tombstone_days)
    audit.record_args(db, "compact", args)
    print(json.dumps(result))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    db = db_for_reading(args)
    with db.read() as conn:
        counts = {
            name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for name, t in {
                **schema.synced,
                "users": schema.users,
                "devices": schema.devices,
                "mutations": schema.mutations,
                "orphan_reports": schema.orphan_reports,
                "ae_intakes": schema.ae_intakes,
            }.items()
        }
        per_territory: dict[str, int] = dict(
            conn.execute(
                select(schema.synced["alignments"].c.territory_id, func.count())
                .group_by(schema.synced["alignments"].c.territory_id)
                .order_by(schema.synced["alignments"].c.territory_id)
            ).all()
        )
        status = {
            "database": redacted(db.url),
            "log_head": head(conn),
            "log_floor": int(db.setting(conn, "log_floor", "0")),
            "counts": counts,
            "hcps_per_territory": per_territory,
        }
    print(json.dumps(status, indent=2))
    return 0
