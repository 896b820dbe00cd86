"""Opening the workspace database: the one place every SQLite connection is made."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from repcompanion.domain.errors import (
    WorkspaceCorruptError,
    WorkspaceLockedError,
    WorkspaceReadOnlyError,
)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000

#: Replaced by the encryption layer (SQLCipher) when it is enabled: (path, key) -> connection.
ConnectionFactory = Callable[[str, "bytes | None"], sqlite3.Connection]


def plain_connect(path: str, key: bytes | None = None) -> sqlite3.Connection:
    """A plain (unencrypted) SQLite connection; ``key`` is ignored."""
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)


_factory: ConnectionFactory = plain_connect


def set_connection_factory(factory: ConnectionFactory | None) -> None:
    """Install the function that makes connections (None restores plain SQLite)."""
    global _factory
    _factory = factory or plain_connect


def is_plain_database(path: Path | str) -> bool:
    """True when ``path`` starts with the plain SQLite header (an unencrypted workspace)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _writable(path: Path) -> bool:
    """Writable for us, and not marked read-only (root ignores permissions; we still honour the mark)."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _check_file(path: Path, encrypted: bool) -> None:
    if not path.exists():
        parent = path.parent
        if not parent.exists():
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WorkspaceReadOnlyError(f"Cannot create the workspace folder {parent}: {exc.strerror}.") from exc
        if not _writable(parent):
            raise WorkspaceReadOnlyError(f"The workspace folder {parent} is read-only.")
        return
    if path.is_dir():
        raise WorkspaceCorruptError(f"{path} is a folder, not a RepCompanion workspace database.")
    if not os.access(path, os.R_OK):
        raise WorkspaceReadOnlyError(f"The workspace file {path} cannot be read (permissions).")
    if not _writable(path) or not _writable(path.parent):
        raise WorkspaceReadOnlyError(
            f"The workspace {path} is read-only: RepCompanion needs to write there to keep your notes."
        )
    if encrypted or path.stat().st_size == 0:
        return
    if not is_plain_database(path):
        raise WorkspaceCorruptError(f"{path} is not a RepCompanion workspace (it is not an SQLite database).")


def open_connection(path: Path | str, *, key: bytes | None = None) -> sqlite3.Connection:
    """Open (or create) the database at ``path`` with the workspace's pragmas.

    WAL journal with synchronous=FULL (a crash never loses an acknowledged write), foreign keys on,
    a busy timeout, and autocommit mode so transactions are explicit (``Store.atomic``).
    """
    path = Path(path)
    in_memory = str(path) == ":memory:"
    if not in_memory:
        _check_file(path, encrypted=key is not None)
    try:
        conn = _factory(str(path), key)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise translate_error(exc, path) from exc
    if not in_memory and mode and str(mode[0]).lower() != "wal":
        conn.close()
        raise WorkspaceLockedError(f"Could not switch {path} to write-ahead logging (another program holds it).")
    return conn


def translate_error(exc: sqlite3.Error, path: Path | str) -> Exception:
    """Turn an SQLite error into a workspace error a rep can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return WorkspaceLockedError(f"The workspace {path} is in use by another program.")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return WorkspaceReadOnlyError(f"The workspace {path} cannot be written ({exc}).")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return WorkspaceCorruptError(f"The workspace {path} is damaged ({exc}).")
    return WorkspaceCorruptError(f"The workspace {path} cannot be opened ({exc}).")
