"""What every ``repcompanion-hub`` command shares: ``--db`` and ``--config`` wherever they are written, the
configuration, the database a command opens (created only by ``init``), and a password from stdin.

``--db`` and ``--config`` are accepted at every level of the command line — ``repcompanion-hub --db URL import
nppes F``, ``import --db URL nppes F`` and ``import nppes F --db URL`` mean the same — and given twice with
different values they are refused, never silently one of them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from typing import Literal

from repcompanion.domain.errors import RepCompanionError
from repcompanion.hub.db import HubDb
from repcompanion.hub.settings import HubConfig, load_config

#: ``command(name, help)``: a sub-command parser (``--db`` and ``--config`` are added to every parser at the end)
Command = Callable[[str, str], argparse.ArgumentParser]

#: the options every level accepts: (flag, what it names, metavar)
GLOBAL_OPTIONS = (
    (
        "--db",
        "database URL: sqlite:///path/hub.db or postgresql+psycopg://user@host/db (default: [database] url of the "
        "configuration, $REPCOMPANION_HUB_DATABASE_URL, else hub.db in the data folder); accepted before or after "
        "the command",
        "URL",
    ),
    (
        "--config",
        "configuration file (TOML; default $REPCOMPANION_HUB_CONFIG); accepted before or after the command",
        "FILE",
    ),
)
_MARK = "_given:"


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every sub-command parser below it, each once."""
    seen: set[int] = set()
    todo = [parser]
    while todo:
        p = todo.pop(0)
        if id(p) in seen:
            continue
        seen.add(id(p))
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--db`` and ``--config`` to every level; each level keeps its own value (merged by :func:`merge`)."""
    for level, p in enumerate(_parsers(parser)):
        for flag, help_, metavar in GLOBAL_OPTIONS:
            p.add_argument(
                flag, dest=f"{_MARK}{flag[2:]}:{level}", metavar=metavar, default=argparse.SUPPRESS, help=help_
            )


def merge(args: argparse.Namespace) -> argparse.Namespace:
    """Set ``args.db`` and ``args.config`` from wherever they were written; the same option twice with different
    values is an error (nothing runs)."""
    for flag, _, _ in GLOBAL_OPTIONS:
        name = flag[2:]
        values = {v for k, v in vars(args).items() if k.startswith(f"{_MARK}{name}:")}
        if len(values) > 1:
            shown = " and ".join(sorted(_shown(name, v) for v in values))
            raise RepCompanionError(
                f"{flag} was given more than once with different values ({shown}); nothing was done.",
                hint=f"Give {flag} once (before or after the command).",
            )
        for key in [k for k in vars(args) if k.startswith(f"{_MARK}{name}:")]:
            delattr(args, key)
        setattr(args, name, values.pop() if values else None)
    return args


def _shown(name: str, value: str) -> str:
    from repcompanion.hub.db import redacted

    return redacted(value) if name == "db" else value


def config_from_args(args: argparse.Namespace) -> HubConfig:
    """The configuration (``--config`` or ``$REPCOMPANION_HUB_CONFIG``, and the environment), read once."""
    cached = getattr(args, "_config", None)
    if cached is None:
        cached = load_config(getattr(args, "config", None))
        args._config = cached
    return cached


def db_url_from_args(args: argparse.Namespace) -> str:
    """``--db``, else the configuration's database URL, else hub.db in the data folder."""
    return getattr(args, "db", None) or config_from_args(args).database_url()


def open_db(args: argparse.Namespace, mode: Literal["create", "write", "read"]) -> HubDb:
    """The hub database of ``--db``: ``create`` makes it (``init``); ``write`` needs an existing one and upgrades
    it; ``read`` needs an existing, current one and writes nothing (a read-only command never creates a database)."""
    url = db_url_from_args(args)
    if mode == "create":
        sqlite_folder(url)
    db = HubDb(url)
    if mode == "create":
        db.create()
    else:
        db.require(upgrade=mode == "write")
    return db


def sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database URL (owner-only), so that ``init`` can make the database there."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return  # HubDb says what is wrong with the URL
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def db_from_args(args: argparse.Namespace) -> HubDb:
    """The existing hub database of ``--db``, brought up to date (commands that write)."""
    return open_db(args, "write")


def db_for_reading(args: argparse.Namespace) -> HubDb:
    """The existing hub database of ``--db``, as it is (commands that only read)."""
    return open_db(args, "read")


def password_from_args(args: argparse.Namespace) -> str | None:
    """The one line on stdin when ``--password-stdin`` was given, else None."""
    if getattr(args, "password_stdin", False):
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise RepCompanionError("No password arrived on standard input.", hint="Pipe one line: echo PW | ...")
        return value
    return None
