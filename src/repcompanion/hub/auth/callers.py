"""Who is calling (from a valid access token), and the short-lived cache of callers already checked."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Caller:
    """Who is calling: from a valid access token, checked against the users and devices tables."""

    user: str
    territory_id: str
    device_id: str


#: seconds a (user, device) check is reused: a revoked device or a moved rep takes effect within this time
CALLER_CACHE_S = 5.0
_callers: dict[tuple[str, str], tuple[float, Caller]] = {}


def cached(key: tuple[str, str]) -> Caller | None:
    """The caller checked for ``key`` (``(hub url|user, device)``) less than CALLER_CACHE_S ago, else None."""
    found = _callers.get(key)
    return found[1] if found is not None and found[0] > time.monotonic() else None


def remember(key: tuple[str, str], caller: Caller) -> None:
    if len(_callers) > 10_000:
        _callers.clear()
    _callers[key] = (time.monotonic() + CALLER_CACHE_S, caller)


def forget_cached_user(user: str) -> None:
    """Drop cached checks of a user (after they were disabled, moved or given a new password in this process)."""
    for key in [k for k in _callers if k[0].rpartition("|")[2] == user]:
        _callers.pop(key, None)


def forget_cached_device(device_id: str) -> None:
    """Drop cached checks of a device (after a revocation in this process)."""
    for key in [k for k in _callers if k[1] == device_id]:
        _callers.pop(key, None)
