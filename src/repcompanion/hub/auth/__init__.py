"""Who may call the hub: the password policy, argon2id passwords, tokens, the caller check, devices and approval."""

from repcompanion.hub.auth.callers import Caller, forget_cached_device, forget_cached_user
from repcompanion.hub.auth.devices import (
    DeviceInfo,
    DeviceRevokedError,
    UnknownDeviceError,
    approve_device,
    list_devices,
    revoke_device,
)
from repcompanion.hub.auth.passwords import MIN_LENGTH, WeakPasswordError, check_password
from repcompanion.hub.auth.sessions import (
    TokenSigner,
    authenticate,
    check_user_password,
    hash_password,
    login,
    refresh,
    signer_for,
)

__all__ = [
    "MIN_LENGTH",
    "Caller",
    "DeviceInfo",
    "DeviceRevokedError",
    "TokenSigner",
    "UnknownDeviceError",
    "WeakPasswordError",
    "approve_device",
    "authenticate",
    "check_password",
    "check_user_password",
    "forget_cached_device",
    "forget_cached_user",
    "hash_password",
    "list_devices",
    "login",
    "refresh",
    "revoke_device",
    "signer_for",
]
