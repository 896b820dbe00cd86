"""`repcompanion-hub dcr list|accept|reject`: decide the reps' data change requests for HCP master data."""

from __future__ import annotations

import argparse
import json
from typing import Any

from repcompanion.hub.admin import audit
from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args


def add_dcr(sub: Any, command: Command) -> None:
    d = sub.add_parser(
        "dcr",
        help="Data change requests from reps: list, accept (the HCP changes for every rep) or reject.",
        description="Data change requests from reps: list, accept (the HCP changes for every rep) or reject.",
    )
    actions = d.add_subparsers(dest="dcr_command", required=True, metavar="ACTION", help="list, accept or reject")

    ls = actions.add_parser("list", help="Requests, oldest first.", description="Requests, oldest first.")
    ls.add_argument("--status", choices=("open", "accepted", "rejected"), help="only requests with this status")
    ls.add_argument("--json", action="store_true", help="one JSON object per request per line")
    ls.set_defaults(func=cmd_list)

    acc = actions.add_parser(
        "accept",
        help="Apply a request to the HCP (reps receive the change on their next sync).",
        description="Apply a request to the HCP (reps receive the change on their next sync). Only address, "
        "phone, email and specialty can change; a new ZIP re-geocodes the HCP.",
    )
    acc.add_argument("id", help="request id (from `dcr list`)")
    acc.add_argument("--note", default="", help="a note kept with the decision")
    acc.add_argument("--by", default=None, help="who decided (default: your OS user name)")
    acc.set_defaults(func=cmd_accept)

    rej = actions.add_parser(
        "reject", help="Close a request without changing the HCP.", description="Close a request without changes."
    )
    rej.add_argument("id", help="request id (from `dcr list`)")
    rej.add_argument("--reason", required=True, help="why (the rep reads it)")
    rej.add_argument("--by", default=None, help="who decided (default: your OS user name)")
    rej.set_defaults(func=cmd_reject)


def _changes_text(changes: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in changes.items())


def cmd_list(args: argparse.Namespace) -> int:
    from repcompanion.hub.admin import list_dcrs

    requests = list_dcrs(db_for_reading(args), args.status)
    if args.json:
        for r in requests:
            print(json.dumps(r.to_dict()))
        return 0
    if not requests:
        print("No data change requests" + (f" with status {args.status}." if args.status else "."))
        return 0
    for r in requests:
        print(f"{r.id}  {r.status.upper():<8}  {r.hcp_name} ({r.hcp_id})  from {r.user_name} ({r.territory_id})")
        print(f"    changes: {_changes_text(r.changes)}")
        if r.note:
            print(f"    rep's note: {r.note}")
        if r.decided_at:
            why = f": {r.reason}" if r.reason else ""
            print(f"    {r.status} by {r.decided_by} at {r.decided_at[:16]}{why}")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    from repcompanion.hub.admin import accept_dcr

    db = db_from_args(args)
    r = accept_dcr(db, args.id, decided_by=args.by or audit.os_user(), note=args.note)
    audit.record_args(db, "dcr accept", args)
    print(f"Accepted {r.id}: HCP {r.hcp_name} ({r.hcp_id}) now has {_changes_text(r.applied)}.")
    print("Reps aligned to this HCP receive the change on their next sync.")
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    from repcompanion.hub.admin import reject_dcr

    db = db_from_args(args)
    r = reject_dcr(db, args.id, reason=args.reason, decided_by=args.by or audit.os_user())
    audit.record_args(db, "dcr reject", args)
    print(f"Rejected {r.id} for HCP {r.hcp_name} ({r.hcp_id}): {r.reason}. The HCP was not changed.")
    return 0
