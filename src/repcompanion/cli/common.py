"""Options and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from repcompanion.domain import Progress
from repcompanion.workspace import Workspace, default_folder


def add_workspace_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        type=Path,
        metavar="DIR",
        help=f"workspace folder (default: {default_folder()})",
    )


def with_passphrase(opener: Callable[[str | None], Workspace]) -> Workspace:
    """Run ``opener``; with no system keyring, ask for the workspace passphrase on a terminal and run it again."""
    from repcompanion.workspace import PassphraseRequiredError

    try:
        return opener(None)
    except PassphraseRequiredError:
        if not sys.stdin.isatty():
            raise
        import getpass

        return opener(getpass.getpass("Workspace passphrase (protects the local copy of your territory): "))


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Open the workspace, asking for its passphrase on a terminal when there is no system keyring."""
    return with_passphrase(lambda passphrase: Workspace.open(args.workspace, passphrase=passphrase))


def print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, indent=None, default=str)
    sys.stdout.write("\n")


def progress_printer(prefix: str = "") -> Progress:
    """A terminal progress bar on stderr for the library's progress(fraction, message) callbacks."""
    width = 30
    interactive = sys.stderr.isatty()

    def report(fraction: float, message: str) -> None:
        filled = int(max(0.0, min(1.0, fraction)) * width)
        line = f"{prefix}[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}% {message}"
        if interactive:
            sys.stderr.write("\r" + line[:120].ljust(120))
            if fraction >= 1.0:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return report
