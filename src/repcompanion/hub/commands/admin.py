"""``repcompanion-hub device list|revoke`` and ``audit list``: device revocation and the admin audit trail."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from repcompanion.hub import audit
from repcompanion.hub.cli import db_from_args
from repcompanion.hub.revocation import list_devices, revoke_device


def cmd_device_list(args: argparse.Namespace) -> int:
    devices = list_devices(db_from_args(args), args.user)
    if not devices:
        print("No devices" + (f" for user {args.user}." if args.user else " have logged in yet."))
        return 0
    for d in devices:
        state = f"REVOKED {d.revoked_at[:19]} ({d.reason or 'no reason given'})" if d.revoked else "active"
        print(f"{d.device_id}  user {d.user}  {d.name or '(unnamed)'}  last seen {d.last_seen[:19]}  {state}")
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    info = revoke_device(db, args.device_id, args.reason, by=audit.os_user())
    audit.record_args(db, "device revoke", args)
    print(
        f"Device {info.device_id} of {info.user} is revoked ({info.reason or 'no reason given'}). On its next "
        "contact it uploads what it still holds, then the laptop erases its copy of the territory."
    )
    return 0


def cmd_audit_list(args: argparse.Namespace) -> int:
    rows = audit.entries(db_from_args(args), limit=args.limit, action=args.action)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        arguments = " ".join(f"{k}={v}" for k, v in sorted(r["arguments"].items()) if v not in (None, False, []))
        print(f"{r['at'][:19]}  {r['actor']}@{r['host']}  {r['action']}  {arguments}")
    return 0


def register(sub: Any, command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    d = sub.add_parser("device", help="List and revoke rep devices.", description="List and revoke rep devices.")
    dsub = d.add_subparsers(dest="device_command", required=True, metavar="ACTION", help="list or revoke")
    dl = dsub.add_parser("list", help="Devices that have logged in.", description="Devices that have logged in.")
    dl.add_argument("--user", help="only this rep's devices")
    dl.add_argument("--db", help="database URL (see init --help)")
    dl.set_defaults(func=cmd_device_list)
    dr = dsub.add_parser(
        "revoke",
        help="Revoke a device: it may upload its outbox once, then it is refused and erases its local copy.",
        description="Revoke a device: it may upload its outbox once, then it is refused and erases its local copy.",
    )
    dr.add_argument("device_id", help="device id (see `device list`)")
    dr.add_argument("--reason", default="", help="shown to the rep, e.g. 'reported lost'")
    dr.add_argument("--db", help="database URL (see init --help)")
    dr.set_defaults(func=cmd_device_revoke)

    a = sub.add_parser("audit", help="The log of admin actions.", description="The log of admin actions.")
    asub = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION", help="list")
    al = asub.add_parser("list", help="Newest admin actions first.", description="Newest admin actions first.")
    al.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    al.add_argument("--action", help="only this action, e.g. 'device revoke'")
    al.add_argument("--json", action="store_true", help="print JSON")
    al.add_argument("--db", help="database URL (see init --help)")
    al.set_defaults(func=cmd_audit_list)
