"""The audit log of admin actions: who (the OS user), what, when and with which arguments (never secrets)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from repcompanion.hub.db import HubDb, redacted
from repcompanion.hub.db.schema import audit_log

#: argument names whose values never reach the log (any name containing one of these words)
SECRET_WORDS = ("password", "secret", "token", "passphrase", "key")
#: argparse plumbing that says nothing about the action
_PLUMBING = frozenset({"func"})


def os_user() -> str:
    """The operating-system account running the command (sudo's caller when run through sudo)."""
    for var in ("SUDO_USER", "LOGNAME", "USER", "USERNAME"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def clean_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe arguments with secrets dropped and database passwords hidden."""
    out: dict[str, Any] = {}
    for name, value in arguments.items():
        if name in _PLUMBING or name.startswith("_") or callable(value):
            continue
        if any(word in name.lower() for word in SECRET_WORDS) and not isinstance(value, bool):
            out[name] = "<hidden>"
            continue
        if name == "db" and isinstance(value, str):
            value = redacted(value)
        out[name] = value if isinstance(value, (str, int, float, bool, type(None), list, tuple)) else str(value)
    return out


def record(db: HubDb, action: str, arguments: Mapping[str, Any] | None = None, *, actor: str | None = None) -> None:
    """Append one admin action to the audit log (its own transaction: recorded even if the caller fails later)."""
    row = {
        "at": datetime.now(UTC).isoformat(),
        "actor": actor or os_user(),
        "action": action,
        "arguments": json.dumps(clean_arguments(arguments or {}), sort_keys=True, default=str),
        "host": socket.gethostname(),
    }
    with db.write() as conn:
        conn.execute(audit_log.insert().values(**row))


def record_args(db: HubDb, action: str, args: argparse.Namespace) -> None:
    """``record`` for a CLI command: its parsed arguments, secrets removed."""
    record(db, action, vars(args))


def entries(db: HubDb, *, limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
    """The newest ``limit`` audit entries (optionally of one action), newest first."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if action:
        query = query.where(audit_log.c.action == action)
    with db.read() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for r in rows:
        r["arguments"] = json.loads(r["arguments"])
    return rows


__all__ = ["SECRET_WORDS", "clean_arguments", "entries", "os_user", "record", "record_args"]
