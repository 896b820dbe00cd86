"""What every ``repcompanion-hub`` command shares: the ``--db`` option, the database it opens, a password from stdin."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from repcompanion.domain.errors import RepCompanionError
from repcompanion.hub.db import HubDb
from repcompanion.hub.settings import default_db_url

#: ``command(name, help)``: a sub-command parser that already takes ``--db``
Command = Callable[[str, str], argparse.ArgumentParser]


def db_from_args(args: argparse.Namespace) -> HubDb:
    """The hub database of ``--db`` (default: hub.db in the data folder), brought up to date."""
    db = HubDb(args.db or default_db_url())
    db.migrate()
    return db


def password_from_args(args: argparse.Namespace) -> str | None:
    """The one line on stdin when ``--password-stdin`` was given, else None."""
    if getattr(args, "password_stdin", False):
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise RepCompanionError("No password arrived on standard input.", hint="Pipe one line: echo PW | ...")
        return value
    return None
