"""``repcompanion-hub seed``, ``user add``, ``device list|revoke`` and ``audit list``: the administrator's commands."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from repcompanion.hub.admin import add_user, audit
from repcompanion.hub.auth import list_devices, revoke_device
from repcompanion.hub.cli.args import Command, db_from_args, password_from_args
from repcompanion.hub.db import redacted


def add_seed(sub: Any, command: Command) -> None:
    s = command("seed", "Fill an empty hub with simulated territories and one rep user each.")
    s.add_argument("--reps", type=int, required=True, help="number of territories / rep users")
    s.add_argument("--hcps-per-rep", type=int, required=True, help="HCPs per territory")
    s.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    s.add_argument("--years", type=float, default=1.0, help="years of engagement history (default 1)")
    s.add_argument("--password-stdin", action="store_true", help="read one password for every rep from stdin")
    s.set_defaults(func=cmd_seed)


def add_user_commands(sub: Any, command: Command) -> None:
    u = sub.add_parser("user", help="Manage rep users.", description="Manage rep users.")
    usub = u.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    ua = usub.add_parser("add", help="Add a rep user to a territory.", description="Add a rep user to a territory.")
    ua.add_argument("name", help="user name")
    ua.add_argument("--territory", required=True, help="territory id, e.g. T-001")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin instead of a prompt")
    ua.add_argument("--db", help="database URL (see init --help)")
    ua.set_defaults(func=cmd_user_add)


def add_device(sub: Any, command: Command) -> None:
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


def add_audit(sub: Any, command: Command) -> None:
    a = sub.add_parser("audit", help="The log of admin actions.", description="The log of admin actions.")
    asub = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION", help="list")
    al = asub.add_parser("list", help="Newest admin actions first.", description="Newest admin actions first.")
    al.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    al.add_argument("--action", help="only this action, e.g. 'device revoke'")
    al.add_argument("--json", action="store_true", help="print JSON")
    al.add_argument("--db", help="database URL (see init --help)")
    al.set_defaults(func=cmd_audit_list)


def cmd_seed(args: argparse.Namespace) -> int:
    from repcompanion.hub.admin import seed_hub

    db = db_from_args(args)
    password = password_from_args(args)
    reps = seed_hub(
        db, reps=args.reps, hcps_per_rep=args.hcps_per_rep, seed=args.seed, years=args.years, password=password
    )
    audit.record_args(db, "seed", args)
    print(f"Seeded {len(reps)} territories into {redacted(db.url)}:")
    for r in reps:
        shown = "(the password you gave)" if password else r.password
        print(f"  {r.user}  territory {r.territory_id}  {r.hcps} HCPs  password {shown}")
    if not password:
        print("These passwords are shown once; hand them to the reps.")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    password = password_from_args(args)
    if password is None:
        password = getpass.getpass(f"Password for {args.name}: ")
        if password != getpass.getpass("Again: "):
            print("The passwords differ; no user was added.", file=sys.stderr)
            return 1
    add_user(db, args.name, password, args.territory)
    audit.record_args(db, "user add", args)
    print(f"User {args.name} added to territory {args.territory}.")
    return 0


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
