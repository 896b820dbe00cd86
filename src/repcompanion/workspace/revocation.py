"""Wipe a workspace whose laptop the administrator revoked: database files, keys and tokens, with the reason.

The database is SQLCipher-encrypted, so deleting its files and forgetting its key from the keyring is a
cryptographic erase even where the file system keeps old blocks.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.workspace.paths import DB_FILE
from repcompanion.workspace.security import forget_workspace_key

if TYPE_CHECKING:
    from repcompanion.workspace.core import Workspace

log = logging.getLogger(__name__)


def workspace_files(folder: Path) -> list[Path]:
    """The database, its WAL/SHM/journal files and any half-finished first-sync staging copy."""
    return sorted(p for p in folder.glob(f"{DB_FILE}*") if p.is_file())


def _forget_tokens(ws: Workspace) -> None:
    try:
        ws.sync.forget_login()  # on the network thread's connection: the wipe runs there
    except Exception as exc:  # the wipe goes on: the hub refuses these tokens anyway
        log.warning("could not forget the saved login of a revoked laptop: %s", exc)


def revocation_message(reason: str, revoked_at: str = "", *, flushed: bool = True, unsent: int = 0) -> str:
    day = revoked_at[:10] if revoked_at else "an earlier date"
    why = f" ({reason})" if reason else ""
    if flushed:
        sent = "Your unsent notes were uploaded first"
    else:
        sent = f"{unsent} change{'s' if unsent != 1 else ''} could not be uploaded and were erased with it"
    return (
        f"This laptop was removed from RepCompanion by your administrator on {day}{why}. "
        f"{sent}; the local copy of your territory was erased."
    )


def wipe_workspace(ws: Workspace, reason: str, revoked_at: str = "", *, flushed: bool = True, unsent: int = 0) -> str:
    """Close ``ws``, delete its database files and its key and saved login; the message to show the rep.

    After ``DeviceRevoked``: pass the error's ``reason``, ``revoked_at``, ``flushed`` and ``unsent``. The
    workspace object must not be used afterwards.
    """
    folder = Path(ws.folder)
    _forget_tokens(ws)
    with contextlib.suppress(Exception):
        ws.close()
    for path in workspace_files(folder):
        path.unlink(missing_ok=True)
    forget_workspace_key(folder)
    left = workspace_files(folder)
    if left:
        raise OSError(f"Could not erase {', '.join(p.name for p in left)} in {folder}.")
    return revocation_message(reason, revoked_at, flushed=flushed, unsent=unsent)


__all__ = ["revocation_message", "wipe_workspace", "workspace_files"]
