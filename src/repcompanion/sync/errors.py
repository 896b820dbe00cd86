"""Why a sync or a login failed, in words a rep can act on; the outbox is never touched by any of them.

    SyncError (repcompanion.domain.errors)
     ├── HubUnreachable        no usable answer: network down, DNS, refused, timeout, 5xx after retries
     ├── HubProtocolError      an answer that is not sync data: malformed JSON, wrong content type,
     │                         an HTML page from a proxy or captive portal, a page that breaks the protocol
     ├── AuthError             the hub refused who we are
     │    ├── LoginRequired    wrong password, no saved login, refresh token expired or revoked
     │    └── DeviceRevoked    an administrator revoked this laptop
     ├── UpgradeRequired       426: the hub speaks a protocol this app does not (the hub's hint says what to install)
     └── SyncCancelled         the rep pressed Cancel; what was downloaded so far is kept and resumes next time

Every message says what happened; ``hint`` says what to do. None of these errors loses local work:
changes waiting in the outbox stay queued until the hub acknowledges them.
"""

from __future__ import annotations

from repcompanion.domain.errors import SyncError

_NOTHING_LOST = "Your changes are kept on this laptop and will be sent at the next successful sync."


class HubUnreachable(SyncError):
    hint = f"Check the network connection (or VPN) and try again later. {_NOTHING_LOST}"


class HubProtocolError(SyncError):
    hint = (
        "This is usually a proxy, a captive portal (hotel or hospital Wi-Fi sign-in page) or a wrong server "
        f"address. Sign in to the network or check the address with your IT department. {_NOTHING_LOST}"
    )


class AuthError(SyncError):
    hint = f"Log in again with `repcompanion login`. {_NOTHING_LOST}"


class LoginRequired(AuthError):
    hint = f"Log in with `repcompanion login --server URL --user NAME`. {_NOTHING_LOST}"


class DeviceRevoked(AuthError):
    """``revoked_at`` (ISO time, may be empty) and ``reason`` as the administrator gave them; ``flushed``: the
    outbox was uploaded before the refusal (set by the sync engine); ``unsent``: changes it could not upload."""

    hint = (
        "Ask your administrator if this is a mistake; the laptop must be set up again to sync. "
        "Changes that could not be sent are listed in the message."
    )

    def __init__(self, message: str, *, hint: str | None = None, revoked_at: str = "", reason: str = "") -> None:
        super().__init__(message, hint=hint)
        self.revoked_at = revoked_at
        self.reason = reason
        self.flushed = False
        self.unsent = 0


class UpgradeRequired(SyncError):
    hint = f"Install the current version of RepCompanion. {_NOTHING_LOST}"


class SyncCancelled(SyncError):
    hint = "What was already downloaded is kept; the next sync continues where this one stopped."

    def __init__(self, message: str, *, hint: str | None = None, report: object | None = None) -> None:
        super().__init__(message, hint=hint)
        #: the SyncReport of the work done before the cancel (typed loosely to keep this module import-free)
        self.report = report


__all__ = [
    "AuthError",
    "DeviceRevoked",
    "HubProtocolError",
    "HubUnreachable",
    "LoginRequired",
    "SyncCancelled",
    "SyncError",
    "UpgradeRequired",
]
