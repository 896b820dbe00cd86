"""The `repcompanion` command: a thin layer over the Workspace (library first, CLI thin)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from repcompanion import __version__
from repcompanion.domain.errors import RepCompanionError

#: Subcommand modules; each has ``register(subparsers)`` and sets ``func`` on its parser.
COMMAND_MODULES = ("demo", "data", "field", "intel", "plan", "directory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="repcompanion",
        description="RepCompanion: your territory, priorities, route and visit notes — offline.",
    )
    parser.add_argument("--version", action="version", version=f"repcompanion {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"repcompanion.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from repcompanion.workspace.logs import configure_logging

    try:
        configure_logging()
    except OSError as exc:  # a read-only log folder must not stop the rep's work
        print(f"repcompanion: logging is off ({exc.strerror}: {exc.filename})", file=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except RepCompanionError as exc:
        print(f"repcompanion: {exc.user_message()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("repcompanion: interrupted; nothing was lost (saved work stays in the workspace).", file=sys.stderr)
        return 130
