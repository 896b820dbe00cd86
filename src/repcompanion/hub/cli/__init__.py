"""``repcompanion-hub``: the hub's command line, thin over the hub's packages (one module per group of commands)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from repcompanion.domain.errors import RepCompanionError
from repcompanion.hub.cli import admin, data, dcr, followups, models, safety, server, service, sync
from repcompanion.hub.cli.args import add_global_options, db_from_args, merge, password_from_args

__all__ = ["build_parser", "db_from_args", "main", "password_from_args"]

#: every sub-command, in the order ``--help`` lists them
COMMANDS = (
    server.add_init,
    service.add_run,
    server.add_serve,
    admin.add_seed,
    admin.add_user_commands,
    sync.add_realign,
    sync.add_compact,
    sync.add_status,
    admin.add_device,
    admin.add_orphans,
    admin.add_audit,
    data.add_import,
    data.add_export,
    data.add_content,
    dcr.add_dcr,
    followups.add_worker,
    followups.add_journeys,
    followups.add_followups,
    models.add_model,
    safety.add_safety,
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="repcompanion-hub", description="The RepCompanion hub: territory store and sync API."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, description=help_)

    for add in COMMANDS:
        add(sub, command)
    add_global_options(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(merge(args).func(args))
    except RepCompanionError as exc:
        print(f"repcompanion-hub: {exc.user_message()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
