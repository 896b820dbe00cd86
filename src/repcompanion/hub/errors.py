"""Hub errors a user or an admin can cause, each saying what happened and what to do.

HubError (repcompanion.domain.errors)
 ├── HubDatabaseError        the database cannot be reached or is not a hub database
 ├── UnknownTerritoryError   a territory id that the hub does not have
 ├── UnknownHcpError         an HCP id that the hub does not have (or not where it was expected)
 ├── UserExistsError         ``user add`` for a name that is taken
 ├── AuthError               login, refresh or access token refused (``code`` tells the client what to do)
 └── AccessDeniedError       a known user or device that may not sync (disabled, awaiting approval): 403
"""

from __future__ import annotations

from repcompanion.domain.errors import HubError


class HubDatabaseError(HubError):
    hint = "Check --db (e.g. sqlite:///hub.db or postgresql+psycopg://user@host/db) and that the server is running."


class UnknownTerritoryError(HubError):
    hint = "List territories with `repcompanion-hub status`, or seed some with `repcompanion-hub seed`."


class UnknownHcpError(HubError):
    hint = "Check the HCP id and the territory it is aligned to (`repcompanion-hub status`)."


class UserExistsError(HubError):
    hint = "Pick another user name; each rep has one user."


class AuthError(HubError):
    """``code`` is ``login_required`` (log in again) or ``token_expired`` (refresh, then retry)."""

    def __init__(self, message: str, *, code: str = "login_required", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


class AccessDeniedError(HubError):
    """The caller is known but may not do this (``code``: user_disabled, device_not_approved, no_territory)."""

    def __init__(self, message: str, *, code: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


__all__ = [
    "AccessDeniedError",
    "AuthError",
    "HubDatabaseError",
    "UnknownHcpError",
    "UnknownTerritoryError",
    "UserExistsError",
]
