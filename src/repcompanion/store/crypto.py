"""SQLCipher encryption at rest: the keyed connection factory and the in-place plain → encrypted migration.

The store never looks a key up itself: callers (``repcompanion.workspace.security``) pass a raw 32-byte key.
The key is handed to SQLCipher as a raw hex key (``x'…'``), so SQLCipher skips its own KDF and opening is fast;
the memory-hard derivation from a passphrase happens once, above this layer.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from repcompanion.domain.errors import WorkspaceCorruptError, WorkspaceError, WorkspaceKeyError

try:
    from sqlcipher3 import dbapi2 as sqlcipher
except ImportError as _missing:  # a missing or broken native module: say what to install instead of a traceback
    raise WorkspaceError(
        f"SQLCipher, which encrypts the workspace on this computer, cannot be loaded ({_missing}).",
        hint="Install the laptop's dependencies: pip install 'repcompanion[app]' (or 'repcompanion[client]' "
        "without the desktop app); they include the sqlcipher3 wheel for Windows, macOS and Linux.",
    ) from _missing
from repcompanion.store.db import BUSY_TIMEOUT_MS, is_plain_database, plain_connect, set_connection_factory

KEY_BYTES = 32
ENCRYPTED_SUFFIX = ".encrypting"
BACKUP_SUFFIX = ".plain-backup"


def _hex_key(key: bytes) -> str:
    """SQLCipher's quoted raw-key literal (``"x'…'"``) for a key of exactly ``KEY_BYTES`` bytes."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"an SQLCipher key must be {KEY_BYTES} bytes, got {len(key)}")
    return f"\"x'{key.hex()}'\""


def _as_sqlite3(exc: BaseException) -> BaseException:
    """The ``sqlite3`` twin of an SQLCipher error (same class name and message)."""
    twin_class = getattr(sqlite3, type(exc).__name__, sqlite3.DatabaseError)
    twin = twin_class(*exc.args)
    for attr in ("sqlite_errorcode", "sqlite_errorname"):
        if hasattr(exc, attr):
            setattr(twin, attr, getattr(exc, attr))
    return twin


# sqlcipher3 raises its own exception classes, unrelated to sqlite3's. The store (and everything above it)
# catches sqlite3.IntegrityError / OperationalError / DatabaseError, so encrypted connections re-raise as those.
class _Cursor(sqlcipher.Cursor):
    def execute(self, *args: Any) -> Any:
        try:
            return super().execute(*args)
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc

    def executemany(self, *args: Any) -> Any:
        try:
            return super().executemany(*args)
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc

    def executescript(self, *args: Any) -> Any:
        try:
            return super().executescript(*args)
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc

    def fetchmany(self, *args: Any) -> Any:
        try:
            return super().fetchmany(*args)
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc

    def fetchall(self) -> Any:
        try:
            return super().fetchall()
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc


class EncryptedConnection(sqlcipher.Connection):
    """An SQLCipher connection whose errors are ``sqlite3`` errors, so the store's handlers apply unchanged."""

    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def execute(self, *args: Any) -> Any:
        return self.cursor().execute(*args)

    def executemany(self, *args: Any) -> Any:
        return self.cursor().executemany(*args)

    def executescript(self, *args: Any) -> Any:
        return self.cursor().executescript(*args)

    def commit(self) -> None:
        try:
            super().commit()
        except sqlcipher.Error as exc:
            raise _as_sqlite3(exc) from exc


def sqlcipher_connect(path: str, key: bytes | None) -> Any:
    """Connection factory for ``set_connection_factory``: keyed SQLCipher when ``key`` is given, else plain.

    The key is set before anything else touches the file and then proven with one read; a wrong key raises
    ``WorkspaceKeyError`` before any write, so the file is left byte-for-byte as it was.
    """
    if key is None:
        return plain_connect(path)
    conn = sqlcipher.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
        factory=EncryptedConnection,
    )
    try:
        # A wrong key is reported to the user as WorkspaceKeyError; SQLCipher's own stderr log would only add noise.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_hex_key(key)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc).lower():
            raise WorkspaceKeyError(
                f"The workspace {path} cannot be unlocked: the encryption key or passphrase is wrong "
                "(or the file is not a RepCompanion workspace)."
            ) from exc
        raise WorkspaceCorruptError(f"The encrypted workspace {path} cannot be opened ({exc}).") from exc
    return conn


def enable_encryption() -> None:
    """Route every store connection through SQLCipher (plain SQLite still serves ``key=None``)."""
    set_connection_factory(sqlcipher_connect)


def _tables(conn: Any, schema: str = "main") -> list[str]:
    # FTS shadow tables are ordinary tables too, so they are counted like the rest.
    rows = conn.execute(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def table_counts(conn: Any, schema: str = "main") -> dict[str, int]:
    """Rows per table (virtual tables excluded; their shadow tables are included)."""
    return {t: int(conn.execute(f'SELECT count(*) FROM {schema}."{t}"').fetchone()[0]) for t in _tables(conn, schema)}


def content_digest(conn: Any, schema: str = "main") -> str:
    """SHA-256 over every row of every table in primary-key/rowid order: equal digests, equal content."""
    digest = hashlib.sha256()
    for table in _tables(conn, schema):
        digest.update(table.encode())
        cols = [r[1] for r in conn.execute(f'PRAGMA {schema}.table_info("{table}")')]
        order = ", ".join(str(i + 1) for i in range(len(cols)))
        for row in conn.execute(f'SELECT * FROM {schema}."{table}" ORDER BY {order}'):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return
    _fsync(path)


def encrypt_in_place(db_path: Path | str, key: bytes) -> dict[str, int]:
    """Encrypt the plain workspace at ``db_path`` with ``key``, in place; returns the verified row counts.

    Steps: checkpoint the WAL into the plain file; ``sqlcipher_export`` into ``<db>.encrypting`` beside it
    (same ``user_version``); reopen that file with the key and check every table's row count and a content
    digest against the original; fsync; move the original to ``<db>.plain-backup``, ``os.replace`` the
    encrypted file over ``<db>``, fsync the folder, and only then delete the backup and the old WAL/SHM.
    Any failure before the swap leaves the original untouched and removes the half-written copy.
    """
    db_path = Path(db_path)
    if not is_plain_database(db_path):
        raise WorkspaceCorruptError(f"{db_path} is not a plain SQLite workspace, so there is nothing to encrypt.")
    tmp = db_path.with_name(db_path.name + ENCRYPTED_SUFFIX)
    backup = db_path.with_name(db_path.name + BACKUP_SUFFIX)
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)

    src = sqlcipher.connect(str(db_path), isolation_level=None)
    try:
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        expected = table_counts(src)
        expected_digest = content_digest(src)
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        src.execute(f"ATTACH DATABASE ? AS encrypted KEY {_hex_key(key)}", (str(tmp),))
        src.execute("SELECT sqlcipher_export('encrypted')")
        src.execute(f"PRAGMA encrypted.user_version = {version}")
        src.execute("DETACH DATABASE encrypted")
    except BaseException:
        src.close()
        tmp.unlink(missing_ok=True)
        raise
    src.close()

    try:
        check = sqlcipher_connect(str(tmp), key)
        try:
            got = table_counts(check)
            got_digest = content_digest(check)
            got_version = int(check.execute("PRAGMA user_version").fetchone()[0])
        finally:
            check.close()
        if got != expected or got_digest != expected_digest or got_version != version:
            raise WorkspaceCorruptError(
                f"Encrypting {db_path} did not reproduce every row; the plain workspace was left as it was."
            )
        _fsync(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise

    os.replace(db_path, backup)
    os.replace(tmp, db_path)
    _fsync_dir(db_path.parent)
    for stale in (backup, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        stale.unlink(missing_ok=True)
    _fsync_dir(db_path.parent)
    return got


def recover_interrupted_encryption(db_path: Path | str) -> None:
    """Finish or undo an ``encrypt_in_place`` that a crash interrupted, so no plain copy lingers.

    Backup but no database: the crash hit between the two renames, so the plain file goes back (and will be
    encrypted again). Backup and an encrypted database: the swap was complete and verified, so the backup goes.
    """
    db_path = Path(db_path)
    backup = db_path.with_name(db_path.name + BACKUP_SUFFIX)
    db_path.with_name(db_path.name + ENCRYPTED_SUFFIX).unlink(missing_ok=True)
    if not backup.exists():
        return
    if not db_path.exists():
        os.replace(backup, db_path)
    elif not is_plain_database(db_path):
        backup.unlink()
    _fsync_dir(db_path.parent)


__all__ = [
    "BACKUP_SUFFIX",
    "KEY_BYTES",
    "content_digest",
    "enable_encryption",
    "encrypt_in_place",
    "is_plain_database",
    "recover_interrupted_encryption",
    "sqlcipher_connect",
    "table_counts",
]
