"""`repcompanion-hub safety list|forward`: adverse-event intakes, their 24-hour clocks, forwarding to PV."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

from repcompanion.hub.cli.args import Command, db_for_reading, db_from_args
from repcompanion.hub.delivery import DeliveryReport

PASSWORD_ENV = "REPCOMPANION_HUB_SMTP_PASSWORD"


def add_safety(sub: Any, command: Command) -> None:
    s = sub.add_parser(
        "safety",
        help="Adverse-event intakes: their 24-hour clocks and forwarding to pharmacovigilance.",
        description="Adverse-event intakes: their 24-hour clocks and forwarding to pharmacovigilance.",
    )
    actions = s.add_subparsers(dest="safety_command", required=True, metavar="ACTION", help="list or forward")

    ls = actions.add_parser(
        "list",
        help="Every intake with its 24-hour clock (time left or OVERDUE) and whether it was forwarded.",
        description="Every intake with its 24-hour clock (time left or OVERDUE) and whether it was forwarded.",
    )
    ls.add_argument("--overdue", action="store_true", help="only intakes not forwarded within 24 hours")
    ls.add_argument("--json", action="store_true", help="one JSON object per intake per line")
    ls.set_defaults(func=cmd_list)

    fw = actions.add_parser(
        "forward",
        help="Send unforwarded intakes to the pharmacovigilance mailbox over SMTP (once, or --loop).",
        description="Send unforwarded intakes to the pharmacovigilance mailbox over SMTP (once, or --loop). "
        f"An SMTP password, if needed, is read from ${PASSWORD_ENV}.",
    )
    fw.add_argument("--smtp-host", required=True, metavar="H", help="SMTP server host")
    fw.add_argument("--smtp-port", type=int, default=25, metavar="P", help="SMTP server port (default 25)")
    fw.add_argument("--to", required=True, metavar="PV@...", help="the pharmacovigilance mailbox")
    fw.add_argument(
        "--quality-to",
        default="",
        metavar="QA@...",
        help="the quality mailbox for product-quality complaints (default: they go to --to)",
    )
    fw.add_argument("--from", dest="sender", default="repcompanion-hub@localhost", help="sender address")
    fw.add_argument("--starttls", action="store_true", help="upgrade the connection with STARTTLS")
    fw.add_argument("--smtp-user", metavar="USER", help=f"log in as USER (password from ${PASSWORD_ENV})")
    fw.add_argument("--timeout", type=float, default=15.0, metavar="S", help="SMTP timeout in seconds (default 15)")
    fw.add_argument("--loop", action="store_true", help="keep forwarding until interrupted")
    fw.add_argument("--interval", type=float, default=30.0, metavar="S", help="seconds between passes (default 30)")
    fw.set_defaults(func=cmd_forward)


def cmd_list(args: argparse.Namespace) -> int:
    from repcompanion.hub.safety import intake_clocks

    now = datetime.now(UTC)
    clocks = intake_clocks(db_for_reading(args), overdue_only=args.overdue, now=now)
    if args.json:
        for c in clocks:
            print(json.dumps(c.to_dict(now)))
        return 0
    if not clocks:
        print("No overdue intakes." if args.overdue else "No adverse-event intakes on this hub.")
        return 0
    header = f"{'INTAKE':<38} {'AWARE (UTC)':<17} {'DUE (UTC)':<17} {'SERIOUSNESS':<12} {'REP':<10} HCP / CLOCK"
    print(header)
    for c in clocks:
        print(
            f"{c.id:<38} {c.aware_at.astimezone(UTC):%Y-%m-%d %H:%M} {c.due_at.astimezone(UTC):%Y-%m-%d %H:%M} "
            f"{c.seriousness:<12} {c.user_name:<10} {c.hcp_name} ({c.hcp_id}) — {c.clock(now)}"
        )
        if c.forwarded_at is None and c.last_error:
            retry = f"; next try {c.next_attempt_at:%H:%M:%S} UTC" if c.next_attempt_at else ""
            print(f"{'':<38} not sent after {c.attempts} attempt(s): {c.last_error}{retry}")
    overdue = sum(c.overdue(now) for c in clocks)
    waiting = sum(c.forwarded_at is None for c in clocks)
    print(f"{len(clocks)} intake(s): {waiting} not forwarded, {overdue} OVERDUE.")
    return 0


def _print_result(result: DeliveryReport) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    for intake_id in result.sent:
        print(f"{stamp} forwarded intake {intake_id}", flush=True)
    for intake_id, error in result.failed:
        print(f"{stamp} NOT forwarded {intake_id}: {error} (will retry)", file=sys.stderr, flush=True)


def cmd_forward(args: argparse.Namespace) -> int:
    from repcompanion.hub.safety import PvMailbox, forward_forever, forward_pending

    mailbox = PvMailbox(
        host=args.smtp_host,
        port=args.smtp_port,
        to=args.to,
        quality_to=args.quality_to,
        sender=args.sender,
        timeout_s=args.timeout,
        starttls=args.starttls,
        username=args.smtp_user,
        password=os.environ.get(PASSWORD_ENV) if args.smtp_user else None,
    )
    db = db_from_args(args)
    if args.loop:
        print(
            f"Forwarding intakes to {args.to} via {args.smtp_host}:{args.smtp_port} every {args.interval:g} s "
            "(Ctrl+C to stop)",
            flush=True,
        )
        forward_forever(db, mailbox, interval_s=args.interval, report=_print_result)
        return 0
    result = forward_pending(db, mailbox)
    _print_result(result)
    print(f"Forwarded {len(result.sent)}, failed {len(result.failed)}, {result.waiting} waiting for their next retry.")
    return 1 if result.failed else 0
