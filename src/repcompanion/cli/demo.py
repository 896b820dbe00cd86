"""`repcompanion demo` (build a demo workspace) and `repcompanion app` (open the desktop app)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from repcompanion.cli.common import (
    add_workspace_option,
    open_workspace,
    print_json,
    progress_printer,
    with_passphrase,
)
from repcompanion.workspace import Workspace, default_folder

VIEWS = ("today", "hcp", "visit", "numbers", "plan", "directory")


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="build a demo workspace from a simulated (or real NPPES) territory")
    add_workspace_option(demo)
    demo.add_argument("--hcps", type=int, default=300, help="number of HCPs (default 300)")
    demo.add_argument("--seed", type=int, default=7, help="random seed; the same seed builds the same territory")
    demo.add_argument(
        "--state", default=None, help="US state of the territory (default MA; with --from-nppes: keep only this state)"
    )
    demo.add_argument("--force", action="store_true", help="replace an existing demo workspace")
    demo.add_argument(
        "--from-nppes",
        type=Path,
        metavar="FILE",
        help="use the real providers of an NPPES CSV (engagement history is still simulated)",
    )
    demo.add_argument("--nucc", type=Path, metavar="FILE", help="NUCC taxonomy CSV for specialty labels")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON")
    demo.add_argument("--screenshot", type=Path, metavar="PATH", help="render a view of the app to a PNG and exit")
    demo.add_argument("--view", choices=VIEWS, default="today", help="the view for --screenshot")
    demo.set_defaults(func=run_demo)

    app = sub.add_parser("app", help="open the desktop app")
    add_workspace_option(app)
    app.add_argument("--demo", action="store_true", help="build a demo workspace first if there is none")
    app.set_defaults(func=run_app)


def _build(folder: Path, args: argparse.Namespace) -> None:
    if args.from_nppes:
        ws = open_workspace(args)
        states = (args.state,) if args.state else ()
        outcome = ws.importing.demo_from_nppes(
            args.from_nppes, states=states, seed=args.seed, nucc_path=args.nucc, progress=progress_printer("demo ")
        )
        print(outcome.value.summary_text(), file=sys.stderr)
    else:
        ws = with_passphrase(
            lambda passphrase: Workspace.create_demo(
                folder,
                hcps=args.hcps,
                seed=args.seed,
                state=args.state or "MA",
                progress=progress_printer("demo "),
                passphrase=passphrase,
            )
        )
    summary = ws.summary().as_dict()
    ws.close()
    if args.json:
        print_json(summary)
    else:
        print(f"Demo workspace in {folder}")
        for key in (
            "territory",
            "demo",
            "hcps",
            "accounts",
            "products",
            "content",
            "consents",
            "call_plans",
            "events",
            "history_from",
            "history_to",
        ):
            print(f"  {key.replace('_', ' '):<14} {summary[key]}")


def run_demo(args: argparse.Namespace) -> int:
    folder = args.workspace or default_folder()
    if Workspace.exists(folder) and args.force:
        Workspace.erase(folder)
    if not Workspace.exists(folder):
        _build(folder, args)
    elif not args.screenshot:
        print(f"A workspace already exists in {folder}; use --force to rebuild it or --workspace DIR.", file=sys.stderr)
        if args.json:
            with open_workspace(args) as ws:
                print_json(ws.summary().as_dict())
    if args.screenshot:
        from repcompanion.ui.app import render_screenshot

        render_screenshot(folder, args.screenshot, args.view)
        print(f"Saved the {args.view} view to {args.screenshot}")
    return 0


def run_app(args: argparse.Namespace) -> int:
    from repcompanion.ui.app import run_app as start

    return start(args.workspace, demo=args.demo)
