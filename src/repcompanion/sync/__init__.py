"""The client sync engine: push the outbox and pull the territory through the hub's protocol."""

from repcompanion.sync.client import SyncClient, normalize_server_url
from repcompanion.sync.credentials import NO_KEYRING_NOTICE, CredentialStore, Tokens
from repcompanion.sync.errors import (
    AuthError,
    DeviceRevoked,
    HubProtocolError,
    HubUnreachable,
    LoginRequired,
    SyncCancelled,
    SyncError,
    UpgradeRequired,
)
from repcompanion.sync.report import LoginResult, Rejection, SyncReport

__all__ = [
    "NO_KEYRING_NOTICE",
    "AuthError",
    "CredentialStore",
    "DeviceRevoked",
    "HubProtocolError",
    "HubUnreachable",
    "LoginRequired",
    "LoginResult",
    "Rejection",
    "SyncCancelled",
    "SyncClient",
    "SyncError",
    "SyncReport",
    "Tokens",
    "UpgradeRequired",
    "normalize_server_url",
]
