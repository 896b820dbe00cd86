"""`repcompanion-hub worker`, `journeys check` and `followups list|secret`: the follow-up pipeline's CLI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from repcompanion.hub.cli.args import Command, config_from_args, db_for_reading, db_from_args


def add_worker(sub: Any, command: Command) -> None:
    w = command(
        "worker",
        "Deliver scheduled follow-up emails over SMTP (leases, retries, dead letters); `run` does this too. SMTP "
        "security, login and password come from the configuration ([smtp]).",
    )
    w.add_argument("--smtp-host", help="SMTP server (default: [smtp] host, else 127.0.0.1)")
    w.add_argument("--smtp-port", type=int, help="SMTP port (default: [smtp] port, else 25)")
    w.add_argument("--sender", help="From: address (default: [smtp] sender)")
    w.add_argument(
        "--unsubscribe-base",
        help="the hub's unsubscribe page as recipients reach it (default: [server] public_url + /unsubscribe)",
    )
    w.add_argument(
        "--journeys",
        type=Path,
        metavar="DIR",
        help="journey folder (default $REPCOMPANION_JOURNEYS, else the journeys shipped with RepCompanion)",
    )
    w.add_argument("--lease", type=float, help="seconds a claimed job stays with this worker (default 120)")
    w.add_argument("--max-attempts", type=int, help="attempts before a job is dead-lettered (default 5)")
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
    import logging
    from dataclasses import replace

    from repcompanion.hub.cli.service import LOG_FORMAT, mail_settings, public_url
    from repcompanion.hub.followups import JOURNEYS, Worker, WorkerSettings

    config = config_from_args(args)
    logging.basicConfig(level=config.server.log_level.upper(), format=LOG_FORMAT)
    journeys = args.journeys or (Path(config.followups.journeys) if config.followups.journeys else None)
    if journeys:
        JOURNEYS.use(journeys)
    mail = mail_settings(config, public_url(config, config.server.host, config.server.port))
    given = {
        "host": args.smtp_host,
        "port": args.smtp_port,
        "sender": args.sender,
        "unsubscribe_base": args.unsubscribe_base,
    }
    mail = replace(mail, **{k: v for k, v in given.items() if v is not None})
    f = config.followups
    settings = WorkerSettings(lease_s=args.lease or f.lease, max_attempts=args.max_attempts or f.max_attempts)
    worker = Worker(db_from_args(args), mail, settings)
    if args.once:
        r = worker.run_once()
        print(f"claimed {r.claimed}, sent {len(r.sent)}, retried later {len(r.retried)}, dead-lettered {len(r.dead)}")
        for key, error in r.failed:
            print(f"  {key}: {error}", file=sys.stderr)
        return 0
    print(f"Delivering follow-ups through {mail.server().where()} (Ctrl+C to stop)", flush=True)
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
    from repcompanion.hub.followups import delivery_state, list_follow_ups

    db = db_for_reading(args)
    with db.read() as conn:
        rows = list_follow_ups(conn, args.status, args.limit)
        state = delivery_state(conn, [str(r["id"]) for r in rows])
    for r in rows:
        job = state.get(str(r["id"]), {})
        r["last_error"] = job.get("last_error") or ""
        waiting = job.get("status") == "scheduled"
        r["next_attempt_at"] = job.get("next_attempt_at") if waiting else None
        if args.json:
            print(json.dumps(r, default=str))
            continue
        extra = f" attempts={r['attempts']}" if r["attempts"] else ""
        dead = f" DEAD: {r['dead_letter_reason']}" if r["dead_letter_reason"] else ""
        print(f"{r['id']}  {r['hcp_id']}  {r['action']}  {r['status']}{extra}{dead}  — {r['reason']}")
        if waiting and r["last_error"]:
            print(f"    last error: {r['last_error']}; next attempt {str(r['next_attempt_at'])[:19]} UTC")
    if not rows and not args.json:
        print("No follow-ups.")
    return 0


def run_secret(args: argparse.Namespace) -> int:
    from repcompanion.hub.followups import engagement_secret

    print(engagement_secret(db_for_reading(args)))
    return 0
