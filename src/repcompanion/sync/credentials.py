"""Hub tokens in the OS keyring (one entry per server and user), or in memory for one run when there is none.

Tokens are never written to files, settings or logs: ``Tokens`` hides them from ``repr`` and this module
logs only that a keyring is missing.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "RepCompanion"
NO_KEYRING_NOTICE = "No system keyring is available: you will need to log in again next time RepCompanion starts."

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tokens:
    """What the hub handed out at login or refresh (the token values never appear in repr or logs)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    user: str = ""
    territory_id: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {"a": self.access_token, "r": self.refresh_token, "u": self.user, "t": self.territory_id}, sort_keys=True
        )

    @classmethod
    def from_json(cls, text: str) -> Tokens | None:
        try:
            data: Any = json.loads(text)
            return cls(str(data["a"]), str(data["r"]), str(data.get("u", "")), str(data.get("t", "")))
        except (ValueError, KeyError, TypeError):
            return None


def _entry(server_url: str, user: str) -> str:
    return f"{server_url.rstrip('/')}|{user}"


def _is_fail_backend(backend: KeyringBackend) -> bool:
    # keyring's "fail" backend (nothing usable installed) has priority 0; a chainer with no members is as bad
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name == "keyring.backends.fail.Keyring":
        return True
    members = getattr(backend, "backends", None)
    return members is not None and not list(members)


class CredentialStore:
    """Saves, loads and forgets the tokens of (server, user).

    With no usable keyring backend it keeps tokens in memory for this run only, and ``save`` returns
    ``NO_KEYRING_NOTICE`` exactly once so the CLI or UI can tell the rep.
    """

    def __init__(self, backend: KeyringBackend | None = None, *, service: str = SERVICE) -> None:
        self.service = service
        self._backend = backend
        self._memory: dict[str, str] = {}
        self._memory_only = False
        self._noticed = False

    @property
    def persistent(self) -> bool:
        """False once we had to fall back to memory (tokens die with this process)."""
        return not self._memory_only and not _is_fail_backend(self._get_backend())

    def _get_backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    def _fall_back(self, exc: Exception | None) -> str | None:
        self._memory_only = True
        if self._noticed:
            return None
        self._noticed = True
        log.warning("no usable system keyring (%s); hub tokens are kept in memory for this run", type(exc).__name__)
        return NO_KEYRING_NOTICE

    def save(self, server_url: str, user: str, tokens: Tokens) -> str | None:
        """Store the tokens; returns the no-keyring notice the first time we fall back to memory."""
        key = _entry(server_url, user)
        self._memory[key] = tokens.to_json()
        if self._memory_only:
            return None
        backend = self._get_backend()
        if _is_fail_backend(backend):
            return self._fall_back(None)
        try:
            backend.set_password(self.service, key, tokens.to_json())
        except (keyring.errors.KeyringError, OSError) as exc:
            return self._fall_back(exc)
        return None

    def load(self, server_url: str, user: str) -> Tokens | None:
        key = _entry(server_url, user)
        if key in self._memory:
            return Tokens.from_json(self._memory[key])
        if self._memory_only:
            return None
        backend = self._get_backend()
        if _is_fail_backend(backend):
            return None
        try:
            text = backend.get_password(self.service, key)
        except (keyring.errors.KeyringError, OSError):
            return None
        if text is None:
            return None
        tokens = Tokens.from_json(text)
        if tokens is not None:
            self._memory[key] = text
        return tokens

    def forget(self, server_url: str, user: str) -> None:
        """Drop the tokens (after a refused refresh, or at logout)."""
        key = _entry(server_url, user)
        self._memory.pop(key, None)
        if self._memory_only:
            return
        backend = self._get_backend()
        if _is_fail_backend(backend):
            return
        with contextlib.suppress(keyring.errors.PasswordDeleteError, keyring.errors.KeyringError, OSError):
            backend.delete_password(self.service, key)


__all__ = ["NO_KEYRING_NOTICE", "SERVICE", "CredentialStore", "Tokens"]
