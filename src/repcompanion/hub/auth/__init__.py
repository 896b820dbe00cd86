"""Who may call the hub: argon2id passwords, access and refresh tokens, the caller check, device revocation."""

from repcompanion.hub.auth.callers import Caller, forget_cached_device
from repcompanion.hub.auth.devices import (
    DeviceInfo,
    DeviceRevokedError,
    UnknownDeviceError,
    list_devices,
    revoke_device,
)
from repcompanion.hub.auth.sessions import (
    TokenSigner,
    authenticate,
    hash_password,
    login,
    refresh,
    signer_for,
)

__all__ = [
    "Caller",
    "DeviceInfo",
    "DeviceRevokedError",
    "TokenSigner",
    "UnknownDeviceError",
    "authenticate",
    "forget_cached_device",
    "hash_password",
    "list_devices",
    "login",
    "refresh",
    "revoke_device",
    "signer_for",
]
