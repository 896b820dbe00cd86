"""Workspace encryption keys: a random key in the OS keyring, or a passphrase stretched with Argon2id.

Beside ``workspace.db`` lives ``workspace.key.json``, a small non-secret header::

    {"format": 1, "workspace_id": "…", "kdf": "keyring" | "argon2id",
     "salt": "<hex>", "params": {"time_cost": 3, "memory_cost": 65536, "parallelism": 2},
     "key_check": "<hex HMAC-SHA256(key, label)>"}

It never holds the key: ``key_check`` only lets us say "wrong passphrase" before SQLCipher is asked.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keyring
import keyring.backends.fail
import keyring.errors
from argon2.low_level import Type, hash_secret_raw

from repcompanion.domain.errors import WorkspaceCorruptError, WorkspaceKeyError
from repcompanion.store import Store, open_store
from repcompanion.store.crypto import (
    KEY_BYTES,
    enable_encryption,
    encrypt_in_place,
    is_plain_database,
    recover_interrupted_encryption,
)
from repcompanion.workspace.errors import MIN_PASSPHRASE_CHARS, KeyringKeyMissingError, PassphraseRequiredError
from repcompanion.workspace.paths import database_path

KEYRING_SERVICE = "RepCompanion-workspace"
HEADER_FILE = "workspace.key.json"
HEADER_FORMAT = 1
PASSPHRASE_ENV = "REPCOMPANION_PASSPHRASE"
_CHECK_LABEL = b"RepCompanion workspace key check v1"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: 64 MiB and 3 passes by default (tests pass a cheaper one)."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024  # KiB
    parallelism: int = 2


def derive_key(passphrase: str, salt: bytes, params: KdfParams = KdfParams()) -> bytes:
    """The 32-byte workspace key from a passphrase (Argon2id, memory-hard)."""
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def key_check(key: bytes) -> str:
    return hmac.new(key, _CHECK_LABEL, hashlib.sha256).hexdigest()


def header_path(folder: Path) -> Path:
    return Path(folder) / HEADER_FILE


def read_header(folder: Path) -> dict[str, Any] | None:
    path = header_path(folder)
    if not path.exists():
        return None
    try:
        header = json.loads(path.read_text(encoding="utf-8"))
        if header.get("format") != HEADER_FORMAT or header.get("kdf") not in ("keyring", "argon2id"):
            raise ValueError("unknown format")
        return header
    except (ValueError, OSError) as exc:
        raise WorkspaceCorruptError(
            f"The key header {path} cannot be read ({exc}); the workspace was not opened."
        ) from exc


def _write_header(folder: Path, header: dict[str, Any]) -> None:
    path = header_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(header, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def keyring_available() -> bool:
    """True when a real keyring backend (not the 'fail' placeholder) is configured."""
    backend = keyring.get_keyring()
    return getattr(backend, "priority", 0) > 0 and not isinstance(backend, keyring.backends.fail.Keyring)


def _keyring_store(workspace_id: str, key: bytes) -> bool:
    """Keep ``key`` in the keyring; False when no backend can hold it (then a passphrase is needed)."""
    if not keyring_available():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, workspace_id, key.hex())
        return keyring.get_password(KEYRING_SERVICE, workspace_id) == key.hex()
    except (keyring.errors.KeyringError, RuntimeError):
        return False


def _keyring_load(workspace_id: str, folder: Path) -> bytes:
    try:
        stored = keyring.get_password(KEYRING_SERVICE, workspace_id)
    except (keyring.errors.KeyringError, RuntimeError) as exc:
        raise KeyringKeyMissingError(
            f"The keyring holding the key of the workspace in {folder} cannot be used ({exc})."
        ) from exc
    if not stored:
        raise KeyringKeyMissingError(f"The keyring has no key for the workspace in {folder} (id {workspace_id}).")
    return bytes.fromhex(stored)


def _new_key(folder: Path, passphrase: str | None, params: KdfParams) -> bytes:
    workspace_id = str(uuid.uuid4())
    key = secrets.token_bytes(KEY_BYTES)
    if _keyring_store(workspace_id, key):
        header: dict[str, Any] = {"format": HEADER_FORMAT, "workspace_id": workspace_id, "kdf": "keyring"}
    else:
        if passphrase is None:
            raise PassphraseRequiredError(
                f"No system keyring is available to protect the workspace in {folder}; choose a passphrase."
            )
        if len(passphrase) < MIN_PASSPHRASE_CHARS:
            raise WorkspaceKeyError(
                f"The passphrase is too short (at least {MIN_PASSPHRASE_CHARS} characters).",
                hint="Choose a longer passphrase; nothing was created.",
            )
        salt = secrets.token_bytes(16)
        key = derive_key(passphrase, salt, params)
        header = {
            "format": HEADER_FORMAT,
            "workspace_id": workspace_id,
            "kdf": "argon2id",
            "salt": salt.hex(),
            "params": asdict(params),
        }
    header["key_check"] = key_check(key)
    _write_header(folder, header)
    return key


def workspace_key(folder: Path, *, passphrase: str | None = None, params: KdfParams | None = None) -> bytes:
    """The key of the workspace in ``folder``, creating one (keyring first, else passphrase) for a new or plain one.

    Raises ``PassphraseRequiredError`` when a passphrase is needed and missing, ``WorkspaceKeyError`` when it is
    wrong, ``KeyringKeyMissingError`` when the keyring lost the key. Nothing on disk changes on any of them.
    """
    folder = Path(folder)
    passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV)
    header = read_header(folder)
    db = database_path(folder)
    if header is None:
        if db.exists() and db.stat().st_size > 0 and not is_plain_database(db):
            if db.stat().st_size % 512:
                # SQLCipher files are whole pages; this is some other file.
                raise WorkspaceCorruptError(
                    f"{db} is not a RepCompanion workspace (it is not an SQLite database, plain or encrypted)."
                )
            raise WorkspaceKeyError(
                f"The workspace {db} is encrypted but its key header {HEADER_FILE} is missing.",
                hint=f"Restore {HEADER_FILE} from a backup of the folder, or move the folder aside and sync again.",
            )
        return _new_key(folder, passphrase, params or KdfParams())
    if header["kdf"] == "keyring":
        key = _keyring_load(header["workspace_id"], folder)
    else:
        if passphrase is None:
            raise PassphraseRequiredError(f"The workspace in {folder} is protected by a passphrase.")
        key = derive_key(passphrase, bytes.fromhex(header["salt"]), KdfParams(**header["params"]))
    if not hmac.compare_digest(key_check(key), str(header.get("key_check", ""))):
        raise WorkspaceKeyError(f"Wrong passphrase or key for the workspace in {folder}.")
    return key


def unlock_workspace(
    folder: Path | str, *, passphrase: str | None = None, params: KdfParams | None = None
) -> tuple[Store, bytes]:
    """Open (creating, or encrypting a plain one first) the SQLCipher store in ``folder``; returns it and its key.

    The key is what ``SyncClient(..., key=key)`` needs so a first sync's staging database is encrypted too.
    """
    folder = Path(folder)
    db = database_path(folder)
    recover_interrupted_encryption(db)
    enable_encryption()
    key = workspace_key(folder, passphrase=passphrase, params=params)
    if is_plain_database(db):
        encrypt_in_place(db, key)  # verified row by row, atomic swap, no plain copy kept
    try:
        return open_store(db, key=key), key
    except WorkspaceKeyError as exc:
        # The key matched the header's key check, so SQLCipher's refusal means the file itself is damaged.
        raise WorkspaceCorruptError(
            f"The encrypted workspace {db} is damaged: its key is right but the file cannot be decrypted."
        ) from exc


def open_encrypted_store(
    folder: Path | str, *, passphrase: str | None = None, params: KdfParams | None = None
) -> Store:
    """``unlock_workspace`` without the key (for callers that never sync)."""
    return unlock_workspace(folder, passphrase=passphrase, params=params)[0]


def forget_workspace_key(folder: Path | str) -> None:
    """Remove the workspace's key from the keyring and its header (used when a workspace is wiped)."""
    folder = Path(folder)
    header = read_header(folder)
    if header and header["kdf"] == "keyring":
        with contextlib.suppress(keyring.errors.KeyringError, RuntimeError):
            keyring.delete_password(KEYRING_SERVICE, header["workspace_id"])
    header_path(folder).unlink(missing_ok=True)


__all__ = [
    "HEADER_FILE",
    "KEYRING_SERVICE",
    "PASSPHRASE_ENV",
    "KdfParams",
    "KeyringKeyMissingError",
    "PassphraseRequiredError",
    "derive_key",
    "forget_workspace_key",
    "keyring_available",
    "open_encrypted_store",
    "unlock_workspace",
    "workspace_key",
]
