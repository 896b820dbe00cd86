"""``repcompanion-hub seed``, ``user ...``, ``device ...``, ``orphans ...`` and ``audit list``: the administrator's
commands (every change is written to the audit log, without secrets)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from repcompanion.hub.admin import (
    ROLES,
    add_user,
    audit,
    close_orphan,
    list_orphans,
    list_users,
    move_user,
    reassign_orphan,
    reset_password,
    set_active,
    set_manager,
    set_role,
)
from repcompanion.hub.auth import MIN_LENGTH, approve_device, check_password, list_devices, revoke_device
from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args, open_db, password_from_args
from repcompanion.hub.db import redacted


def add_seed(sub: Any, command: Command) -> None:
    s = command("seed", "Fill an empty hub with simulated territories and one rep user each.")
    s.add_argument("--reps", type=int, required=True, help="number of territories / rep users")
    s.add_argument("--hcps-per-rep", type=int, required=True, help="HCPs per territory")
    s.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    s.add_argument("--years", type=float, default=1.0, help="years of engagement history (default 1)")
    s.add_argument("--password-stdin", action="store_true", help="read one password for every rep from stdin")
    s.set_defaults(func=cmd_seed)


def _action(actions: Any, name: str, help_: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = actions.add_parser(name, help=help_, description=help_)
    return parser


def add_user_commands(sub: Any, command: Command) -> None:
    u = sub.add_parser("user", help="Manage users.", description="Manage users: reps, managers and the console's.")
    usub = u.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    ua = _action(usub, "add", "Add a user (a rep needs a territory).")
    ua.add_argument("name", help="user name")
    ua.add_argument("--territory", help="territory id, e.g. T-001 (required for a rep)")
    ua.add_argument("--role", choices=ROLES, default="rep", help="rep (default), manager, brand, medical or admin")
    ua.add_argument("--manager", help="the manager of this rep (a user with the manager role)")
    ua.add_argument("--password-stdin", action="store_true", help="read the password from stdin instead of a prompt")
    ua.set_defaults(func=cmd_user_add)

    ls = _action(usub, "list", "Every user with role, territory, manager, state and devices.")
    ls.add_argument("--role", choices=ROLES, help="only users with this role")
    ls.add_argument("--manager", help="only the reps this manager manages")
    ls.add_argument("--json", action="store_true", help="one JSON object per user per line")
    ls.set_defaults(func=cmd_user_list)

    dis = _action(usub, "disable", "Disable a user: no login, pull or push until enabled; sessions end now.")
    dis.add_argument("name", help="user name")
    dis.add_argument("--reason", default="", help="kept with the user and shown to them, e.g. 'left the company'")
    dis.set_defaults(func=cmd_user_disable)
    en = _action(usub, "enable", "Enable a disabled user again.")
    en.add_argument("name", help="user name")
    en.set_defaults(func=cmd_user_enable)

    rp = _action(usub, "reset-password", "Set a new password (the policy applies); every laptop logs in again.")
    rp.add_argument("name", help="user name")
    rp.add_argument("--password-stdin", action="store_true", help="read the password from stdin instead of a prompt")
    rp.set_defaults(func=cmd_user_reset_password)

    mv = _action(usub, "move", "Move a user to another territory; their laptops download it whole after logging in.")
    mv.add_argument("name", help="user name")
    mv.add_argument("--territory", required=True, help="the new territory id")
    mv.set_defaults(func=cmd_user_move)

    ro = _action(usub, "role", "Set a user's role.")
    ro.add_argument("name", help="user name")
    ro.add_argument("role", choices=ROLES, help="rep, manager, brand, medical or admin")
    ro.set_defaults(func=cmd_user_role)

    mg = _action(usub, "manager", "Set (or clear) the manager of a rep.")
    mg.add_argument("name", help="the rep")
    who = mg.add_mutually_exclusive_group(required=True)
    who.add_argument("--manager", help="the manager (a user with the manager role)")
    who.add_argument("--none", action="store_true", help="the rep has no manager")
    mg.set_defaults(func=cmd_user_manager)


def add_device(sub: Any, command: Command) -> None:
    d = sub.add_parser(
        "device",
        help="List, revoke and approve rep devices.",
        description="List, revoke and approve rep devices.",
    )
    dsub = d.add_subparsers(dest="device_command", required=True, metavar="ACTION", help="list, revoke or approve")
    dl = _action(dsub, "list", "Devices that have logged in (or wait for approval).")
    dl.add_argument("--user", help="only this rep's devices")
    dl.set_defaults(func=cmd_device_list)
    dr = _action(
        dsub,
        "revoke",
        "Revoke a device: it may upload its outbox once, then it is refused and erases its local copy. The user's "
        "next new device needs an administrator's approval.",
    )
    dr.add_argument("device_id", help="device id (see `device list`)")
    dr.add_argument("--reason", default="", help="shown to the rep, e.g. 'reported lost'")
    dr.set_defaults(func=cmd_device_revoke)
    da = _action(dsub, "approve", "Let a device that waits for approval (after a revocation) log in.")
    da.add_argument("device_id", help="device id (see `device list`)")
    da.set_defaults(func=cmd_device_approve)


def add_orphans(sub: Any, command: Command) -> None:
    o = sub.add_parser(
        "orphans",
        help="Call reports that arrived after a realignment: list, reassign or close them.",
        description="Call reports that arrived for an HCP no longer in the rep's territory: list, reassign (file "
        "under the HCP's current territory) or close them.",
    )
    osub = o.add_subparsers(dest="orphans_command", required=True, metavar="ACTION", help="list, reassign or close")
    ls = _action(osub, "list", "The queue, oldest first.")
    ls.add_argument("--status", choices=("open", "reassigned", "closed", "all"), default="open", help="default open")
    ls.add_argument("--manager", help="only reports of the reps this manager manages")
    ls.add_argument("--json", action="store_true", help="one JSON object per report per line")
    ls.set_defaults(func=cmd_orphans_list)
    ra = _action(osub, "reassign", "File a report under the HCP's current territory (its reps receive it).")
    ra.add_argument("id", help="report id (from `orphans list`)")
    ra.add_argument("--territory", help="needed when the HCP is in several territories")
    ra.add_argument("--note", default="", help="a note kept with the decision")
    ra.add_argument("--by", default=None, help="who decided (default: your OS user name)")
    ra.set_defaults(func=cmd_orphans_reassign)
    cl = _action(osub, "close", "Close a report without filing it.")
    cl.add_argument("id", help="report id (from `orphans list`)")
    cl.add_argument("--reason", required=True, help="why (kept with the report)")
    cl.add_argument("--by", default=None, help="who decided (default: your OS user name)")
    cl.set_defaults(func=cmd_orphans_close)


def add_audit(sub: Any, command: Command) -> None:
    a = sub.add_parser("audit", help="The log of admin actions.", description="The log of admin actions.")
    asub = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION", help="list")
    al = _action(asub, "list", "Newest admin actions first.")
    al.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    al.add_argument("--action", help="only this action, e.g. 'device revoke'")
    al.add_argument("--json", action="store_true", help="print JSON")
    al.set_defaults(func=cmd_audit_list)


# -- seed and users -------------------------------------------------------------------------------------------


def cmd_seed(args: argparse.Namespace) -> int:
    from repcompanion.hub.admin import seed_hub

    password = password_from_args(args)
    if password is not None:
        check_password(password)
    db = open_db(args, "create")
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


def _new_password(args: argparse.Namespace, name: str) -> str | None:
    password = password_from_args(args)
    if password is None:
        print(f"At least {MIN_LENGTH} characters; a passphrase of unrelated words is best.", file=sys.stderr)
        password = getpass.getpass(f"Password for {name}: ")
        if password != getpass.getpass("Again: "):
            print("The passwords differ; nothing was changed.", file=sys.stderr)
            return None
    return password


def cmd_user_add(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    password = _new_password(args, args.name)
    if password is None:
        return 1
    add_user(db, args.name, password, args.territory, role=args.role, manager=args.manager)
    audit.record_args(db, "user add", args)
    where = f" to territory {args.territory}" if args.territory else ""
    print(f"User {args.name} ({args.role}) added{where}.")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    users = list_users(db_for_reading(args), role=args.role, manager=args.manager)
    if args.json:
        for u in users:
            print(json.dumps(u.to_dict()))
        return 0
    if not users:
        print("No users" + (" match." if args.role or args.manager else " yet: add one with `user add`."))
        return 0
    print(f"{'USER':<14} {'ROLE':<8} {'TERRITORY':<10} {'MANAGER':<12} {'DEVICES':>7}  {'LAST SEEN':<19}  STATE")
    for u in users:
        why = f" ({u.disabled_reason})" if u.disabled_reason else ""
        state = "active" if u.active else f"DISABLED {u.disabled_at[:10]}{why}"
        if u.device_approval_required:
            state += "; new devices need approval"
        print(
            f"{u.name:<14} {u.role:<8} {u.territory_id or '-':<10} {u.manager or '-':<12} {u.devices:>7}  "
            f"{u.last_seen[:19] or '-':<19}  {state}"
        )
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    set_active(db, args.name, False, reason=args.reason)
    audit.record_args(db, "user disable", args)
    print(f"User {args.name} is disabled: they cannot log in, pull or push until `user enable {args.name}`.")
    return 0


def cmd_user_enable(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    set_active(db, args.name, True)
    audit.record_args(db, "user enable", args)
    print(f"User {args.name} is enabled again.")
    return 0


def cmd_user_reset_password(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    password = _new_password(args, args.name)
    if password is None:
        return 1
    reset_password(db, args.name, password)
    audit.record_args(db, "user reset-password", args)
    print(f"The password of {args.name} was changed; their laptops ask them to log in again.")
    return 0


def cmd_user_move(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    left = move_user(db, args.name, args.territory)
    audit.record_args(db, "user move", args)
    print(
        f"User {args.name} moved from {left} to {args.territory}. Their laptops log in again and download "
        f"{args.territory}; reports still queued for {left} go to the orphan-report queue (`orphans list`)."
    )
    return 0


def cmd_user_role(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    set_role(db, args.name, args.role)
    audit.record_args(db, "user role", args)
    print(f"User {args.name} is now a {args.role}.")
    return 0


def cmd_user_manager(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    set_manager(db, args.name, None if args.none else args.manager)
    audit.record_args(db, "user manager", args)
    print(f"{args.name} has no manager." if args.none else f"{args.name} is managed by {args.manager}.")
    return 0


# -- devices -----------------------------------------------------------------------------------------------------


def cmd_device_list(args: argparse.Namespace) -> int:
    devices = list_devices(db_for_reading(args), args.user)
    if not devices:
        print("No devices" + (f" for user {args.user}." if args.user else " have logged in yet."))
        return 0
    for d in devices:
        print(f"{d.device_id}  user {d.user}  {d.name or '(unnamed)'}  last seen {d.last_seen[:19]}  {d.state}")
    return 0


def cmd_device_revoke(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    info = revoke_device(db, args.device_id, args.reason, by=audit.os_user())
    audit.record_args(db, "device revoke", args)
    print(
        f"Device {info.device_id} of {info.user} is revoked ({info.reason or 'no reason given'}). On its next "
        "contact it uploads what it still holds, then the laptop erases its copy of the territory. A new device "
        f"of {info.user} needs your approval (`device approve`)."
    )
    return 0


def cmd_device_approve(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    info = approve_device(db, args.device_id)
    audit.record_args(db, "device approve", args)
    print(f"Device {info.device_id} of {info.user} is approved; they can log in on it now.")
    return 0


# -- orphan reports and the audit log ------------------------------------------------------------------------


def cmd_orphans_list(args: argparse.Namespace) -> int:
    status = None if args.status == "all" else args.status
    reports = list_orphans(db_for_reading(args), status=status, manager=args.manager)
    if args.json:
        for r in reports:
            print(json.dumps(r.to_dict()))
        return 0
    if not reports:
        print("No orphan reports" + (f" with status {status}." if status else "."))
        return 0
    for r in reports:
        now_in = ", ".join(r.hcp_territories) or "no territory"
        print(
            f"{r.id}  {r.status.upper():<10} visit {r.visit_at[:16]} by {r.user_name} "
            f"(manager {r.manager or 'none'}, {r.territory_id})"
        )
        print(f"    HCP {r.hcp_name} ({r.hcp_id}), now in {now_in}; topics {', '.join(r.topics) or '-'}")
        if r.decided_at:
            to = f" to {r.reassigned_to}" if r.reassigned_to else ""
            print(f"    {r.status}{to} by {r.decided_by} on {r.decided_at[:16]}: {r.decision_note or '-'}")
    return 0


def cmd_orphans_reassign(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    where = reassign_orphan(db, args.id, by=args.by or audit.os_user(), territory_id=args.territory, note=args.note)
    audit.record_args(db, "orphans reassign", args)
    print(f"Report {args.id} is filed under territory {where}; its reps receive it on their next sync.")
    return 0


def cmd_orphans_close(args: argparse.Namespace) -> int:
    db = db_from_args(args)
    close_orphan(db, args.id, by=args.by or audit.os_user(), reason=args.reason)
    audit.record_args(db, "orphans close", args)
    print(f"Report {args.id} is closed: {args.reason}")
    return 0


def cmd_audit_list(args: argparse.Namespace) -> int:
    rows = audit.entries(db_for_reading(args), limit=args.limit, action=args.action)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        arguments = " ".join(f"{k}={v}" for k, v in sorted(r["arguments"].items()) if v not in (None, False, []))
        print(f"{r['at'][:19]}  {r['actor']}@{r['host']}  {r['action']}  {arguments}")
    return 0
