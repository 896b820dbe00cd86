"""Field commands: `login`, `sync`, `visit` (log a visit from a script) and `screen` (screen notes)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import replace
from pathlib import Path

from repcompanion.cli.common import add_workspace_option, open_workspace, print_json
from repcompanion.domain import (
    CallType,
    ProductId,
    ScreeningDecisionKind,
    ScreeningRequiredError,
    ValidationError,
)


def register(sub: argparse._SubParsersAction) -> None:
    login = sub.add_parser("login", help="log in to your hub (the token is kept in the system keyring)")
    add_workspace_option(login)
    login.add_argument("--server", required=True, metavar="URL", help="hub address, e.g. https://hub.example.com")
    login.add_argument("--user", required=True)
    login.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    login.set_defaults(func=run_login)

    sync = sub.add_parser("sync", help="send your visit notes and fetch your territory's changes")
    add_workspace_option(sync)
    sync.add_argument(
        "--password-stdin",
        action="store_true",
        help="log in first with the password on standard input (laptops and scripts without a system keyring, "
        "where a login lasts one run)",
    )
    sync.set_defaults(func=run_sync)

    visit = sub.add_parser("visit", help="log a visit (for scripting and support)")
    add_workspace_option(visit)
    visit.add_argument("--hcp", required=True, metavar="ID")
    visit.add_argument("--type", choices=[c.value for c in CallType], default=CallType.IN_PERSON.value)
    visit.add_argument("--topic", action="append", default=[], metavar="TOPIC", help="repeat for several topics")
    visit.add_argument("--product", action="append", default=[], metavar="P")
    visit.add_argument("--notes", default="", metavar="TEXT")
    visit.add_argument("--submit", action="store_true", help="submit (locks the report and queues it for the hub)")
    decision = visit.add_mutually_exclusive_group()
    decision.add_argument("--not-ae", metavar="REASON", help="the note was flagged but is not an adverse event")
    decision.add_argument(
        "--report-ae",
        metavar="DESCRIPTION",
        help="report the flagged note as a possible adverse event (opens an intake)",
    )
    visit.set_defaults(func=run_visit)

    screen = sub.add_parser("screen", help="screen notes for possible adverse events (one note per line)")
    screen.add_argument("--input", required=True, type=Path, metavar="FILE", help="a text file, or - for stdin")
    screen.add_argument("--json", action="store_true", help="one JSON object per line (the default)")
    screen.add_argument(
        "--rep-notes",
        action="store_true",
        help="every line is a rep's visit note (as in the app); without it the screener tells a rep's note from a "
        "patient's words or a case report by its words",
    )
    screen.set_defaults(func=run_screen)


def run_login(args: argparse.Namespace) -> int:
    password = (
        sys.stdin.readline().rstrip("\n")
        if args.password_stdin
        else getpass.getpass(f"Password for {args.user} on {args.server}: ")
    )
    with open_workspace(args) as ws:
        result = ws.sync.login(args.server, args.user, password)
    print(f"Logged in to {result.server_url} as {result.user} (territory {result.territory_id}).")
    if result.notice:
        print(f"Note: {result.notice}", file=sys.stderr)
    return 0


def run_sync(args: argparse.Namespace) -> int:
    from repcompanion.cli.common import progress_printer

    with open_workspace(args) as ws:
        if args.password_stdin:
            status = ws.sync.status()
            if not status.server_url or not status.user:
                raise ValidationError(
                    "This workspace has not been connected to a hub yet, so there is nobody to log in as.",
                    hint="Run once: repcompanion login --server URL --user NAME --password-stdin",
                )
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise ValidationError(
                    "No password arrived on standard input.",
                    hint="Pipe one line: ... | repcompanion sync --password-stdin",
                )
            ws.sync.login(status.server_url, status.user, password)
        result = ws.sync.run(progress=progress_printer("sync "))
    print(result.summary)
    for r in result.rejected:
        print(f"  rejected {r.kind} {r.entity_id}: {r.reason}")
    for notice in result.notices:
        print(f"  note: {notice}", file=sys.stderr)
    return 0


def run_visit(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        known = set(ws.directory.topics())
        unknown = [t for t in args.topic if t not in known]
        if unknown:
            raise ValidationError(
                f"Unknown topic(s): {', '.join(unknown)}.",
                hint=f"Topics in the approved catalogue: {', '.join(sorted(known))}.",
            )
        visits = ws.visits
        report = visits.new(args.hcp, call_type=CallType(args.type))
        report = replace(
            report, topics=tuple(args.topic), products=tuple(ProductId(p) for p in args.product), notes=args.notes
        )
        report = visits.save_draft(report).value
        result = visits.screen_note(report.notes) if report.notes.strip() else None
        out: dict[str, object] = {
            "id": report.id,
            "hcp_id": report.hcp_id,
            "status": "draft",
            "screening": result.to_json() if result is not None else None,
        }
        if result is not None and result.flag:
            if args.not_ae:
                visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason=args.not_ae)
            elif args.report_ae:
                intake = replace(visits.draft_intake(report, result), description=args.report_ae)
                visits.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake)
                out["intake"] = {"id": intake.id, "due_at": intake.due_at.isoformat()}
        if args.submit:
            out["follow_ups"] = [
                {
                    "journey": p.journey,
                    "action": p.action,
                    "status": p.status.value,
                    "reason": p.reason,
                    "content_id": p.content_id,
                    "consent": p.consent,
                }
                for p in ws.followups.preview(report)
            ]
            try:
                report = visits.submit(report).value
            except ScreeningRequiredError as exc:
                out["error"] = exc.user_message() + " Use --not-ae REASON or --report-ae DESCRIPTION."
                print_json(out)
                return 1
            out["status"] = "submitted"
        print_json(out)
    return 0


def run_screen(args: argparse.Namespace) -> int:
    from repcompanion.workspace import VisitManager

    if str(args.input) != "-" and not args.input.is_file():
        raise ValidationError(f"No such file: {args.input}.", hint="Give a text file with one note per line, or -.")
    source = sys.stdin if str(args.input) == "-" else args.input.open(encoding="utf-8", errors="replace")
    with source:
        for result in VisitManager.screen_lines(source, rep_notes=args.rep_notes):
            sys.stdout.write(json.dumps(result.to_json()) + "\n")
    return 0
