"""`repcompanion-hub worker`, `journeys check` and `followups list|secret`: the follow-up pipeline's CLI."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args


def add_worker(sub: Any, command: Command) -> None:
    w = command("worker", "Deliver scheduled follow-up emails over SMTP (leases, retries, dead letters).")
    w.add_argument("--smtp-host", default="127.0.0.1", help="SMTP server (default 127.0.0.1)")
    w.add_argument("--smtp-port", type=int, default=25, help="SMTP port (default 25)")
    w.add_argument("--sender", default="RepCompanion <no-reply@repcompanion.invalid>", help="From: address")
    w.add_argument(
        "--unsubscribe-base",
        default="https://hub.invalid/unsubscribe",
        help="landing page of the unsubscribe link (it posts an 'unsubscribed' engagement event)",
    )
    w.add_argument(
        "--journeys",
        type=Path,
        metavar="DIR",
        help="journey folder (default $REPCOMPANION_JOURNEYS, else the journeys shipped with RepCompanion)",
    )
    w.add_argument("--lease", type=float, default=120.0, help="seconds a claimed job stays with this worker")
    w.add_argument("--max-attempts", type=int, default=5, help="attempts before a job is dead-lettered")
    w.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    w.set_defaults(func=run_worker)


def add_journeys(sub: Any, command: Command) -> None:
    j = command("journeys", "Journey rules.")
    jsub = j.add_subparsers(dest="journeys_command", required=True, metavar="ACTION", help="check")
    check = jsub.add_parser("check", help="Validate the journey files against the hub's content catalog.")
    check.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="file or folder (default $REPCOMPANION_JOURNEYS, else the journeys shipped with RepCompanion)",
    )
    check.set_defaults(func=run_check)


def add_followups(sub: Any, command: Command) -> None:
    f = command("followups", "Follow-ups planned by journeys, with delivery state and reasons.")
    fsub = f.add_subparsers(dest="followups_command", required=True, metavar="ACTION", help="list or secret")
    ls = fsub.add_parser("list", help="List follow-ups (newest first).")
    ls.add_argument("--status", help="only this status (scheduled, sent, opened, failed, suppressed...)")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="print JSON lines")
    ls.set_defaults(func=run_list)
    sec = fsub.add_parser("secret", help="Print the engagement webhook's shared HMAC secret.")
    sec.set_defaults(func=run_secret)


def run_worker(args: argparse.Namespace) -> int:
    from repcompanion.hub.followups import JOURNEYS, MailSettings, Worker, WorkerSettings

    if args.journeys:
        JOURNEYS.use(args.journeys)
    mail = MailSettings(
        host=args.smtp_host, port=args.smtp_port, sender=args.sender, unsubscribe_base=args.unsubscribe_base
    )
    worker = Worker(db_from_args(args), mail, WorkerSettings(lease_s=args.lease, max_attempts=args.max_attempts))
    if args.once:
        r = worker.run_once()
        print(f"claimed {r.claimed}, sent {len(r.sent)}, retried later {len(r.retried)}, dead-lettered {len(r.dead)}")
        return 0
    print(f"Delivering follow-ups through {args.smtp_host}:{args.smtp_port} (Ctrl+C to stop)")
    worker.run_forever()
    return 0


def run_check(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from repcompanion.domain.rows import content_from_row
    from repcompanion.hub.db import schema
    from repcompanion.hub.followups import JOURNEYS
    from repcompanion.intel.journeys import load_journeys

    db = db_for_reading(args)
    with db.read() as conn:
        content = [content_from_row(dict(r)) for r in conn.execute(select(schema.synced["content"])).mappings()]
    path = args.path or JOURNEYS.path()  # the folder the worker reads
    journeys = load_journeys([path], content)  # JourneyError → exit 2 with file:line
    for j in journeys:
        what = j.action.content or (f"topic {j.action.topic}" if j.action.topic else "")
        print(f"{j.id} v{j.version}: on {j.trigger.on} → {j.action.do} {what}".rstrip() + f"  ({j.source})")
    print(f"{len(journeys)} journeys OK against {len(content)} content items")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from repcompanion.hub.followups import list_follow_ups

    db = db_for_reading(args)
    with db.read() as conn:
        rows = list_follow_ups(conn, args.status, args.limit)
    for r in rows:
        if args.json:
            print(json.dumps(r, default=str))
        else:
            extra = f" attempts={r['attempts']}" if r["attempts"] else ""
            dead = f" DEAD: {r['dead_letter_reason']}" if r["dead_letter_reason"] else ""
            print(f"{r['id']}  {r['hcp_id']}  {r['action']}  {r['status']}{extra}{dead}  — {r['reason']}")
    if not rows and not args.json:
        print("No follow-ups.")
    return 0


def run_secret(args: argparse.Namespace) -> int:
    from repcompanion.hub.followups import engagement_secret

    print(engagement_secret(db_for_reading(args)))
    return 0
