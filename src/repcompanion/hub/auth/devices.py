"""Device revocation on the hub: revoke a laptop, list devices, and what a revoked device is told.

A revoked device is refused everywhere with 403 ``device_revoked`` (message and reason, plus the
``X-RepCompanion-Revoked-At`` / ``-Reason`` headers). With ``HubSettings.revoked_may_flush`` it may still
push its outbox once: pushes are accepted until the device has been refused on another endpoint after its
first accepted post-revocation push (the client pushes, then learns it is revoked on the pull).

A revoked device never logs in again, and its user's next new device waits for an administrator's approval
(``device approve``): a stolen password alone does not put the territory on a new laptop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, select

from repcompanion.domain.errors import HubError
from repcompanion.hub.auth.callers import forget_cached_device
from repcompanion.hub.db import HubDb, schema
from repcompanion.hub.db.schema import device_revocations
from repcompanion.protocol import REVOKED_AT_HEADER, REVOKED_REASON_HEADER


class UnknownDeviceError(HubError):
    hint = "List devices with `repcompanion-hub device list [--user NAME]`."


class DeviceRevokedError(HubError):
    """A revoked device called the hub: answered 403 ``device_revoked``."""

    def __init__(self, revoked_at: str, reason: str) -> None:
        day = revoked_at[:10] or "an earlier date"
        why = f" ({reason})" if reason else ""
        super().__init__(
            f"This laptop was removed from RepCompanion by your administrator on {day}{why}.",
            hint="Ask your administrator if this is a mistake; the laptop must be set up again to sync.",
        )
        self.revoked_at = revoked_at
        self.reason = reason

    def headers(self) -> dict[str, str]:
        return {REVOKED_AT_HEADER: self.revoked_at, REVOKED_REASON_HEADER: quote(self.reason, safe=" ")}


@dataclass(frozen=True)
class DeviceInfo:
    device_id: str
    user: str
    name: str
    first_seen: str
    last_seen: str
    revoked: bool
    revoked_at: str
    reason: str
    approved: bool = True

    @property
    def state(self) -> str:
        if self.revoked:
            return f"REVOKED {self.revoked_at[:19]} ({self.reason or 'no reason given'})"
        return "active" if self.approved else "WAITING FOR APPROVAL (`repcompanion-hub device approve`)"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def revoke_device(db: HubDb, device_id: str, reason: str, *, by: str) -> DeviceInfo:
    """Mark a device revoked and end its refresh tokens; its access tokens stop working within the caller cache."""
    d, r = schema.devices, device_revocations
    with db.write() as conn:
        found = conn.execute(select(d).where(d.c.device_id == device_id)).mappings().first()
        if found is None:
            raise UnknownDeviceError(f"There is no device {device_id!r} on this hub.")
        conn.execute(d.update().where(d.c.device_id == device_id).values(revoked=1))
        conn.execute(r.delete().where(r.c.device_id == device_id))
        conn.execute(
            r.insert().values(
                device_id=device_id, user_name=found["user_name"], revoked_at=_now(), revoked_by=by, reason=reason
            )
        )
        rt = schema.refresh_tokens
        conn.execute(rt.update().where(rt.c.device_id == device_id, rt.c.used_at.is_(None)).values(used_at=_now()))
        u = schema.users
        conn.execute(u.update().where(u.c.name == found["user_name"]).values(device_approval_required=1))
    forget_cached_device(device_id)
    return next(i for i in list_devices(db) if i.device_id == device_id)


def approve_device(db: HubDb, device_id: str) -> DeviceInfo:
    """Let a device that waits for approval log in (and so its user's devices no longer need approval)."""
    d = schema.devices
    with db.write() as conn:
        found = conn.execute(select(d).where(d.c.device_id == device_id)).mappings().first()
        if found is None:
            raise UnknownDeviceError(f"There is no device {device_id!r} on this hub.")
        if found["revoked"]:
            raise UnknownDeviceError(
                f"Device {device_id} was revoked; a revoked device is never approved again.",
                hint="The laptop must be set up again (it gets a new device id), then approve that one.",
            )
        conn.execute(d.update().where(d.c.device_id == device_id).values(approved=1))
        u = schema.users
        conn.execute(u.update().where(u.c.name == found["user_name"]).values(device_approval_required=0))
    return next(i for i in list_devices(db) if i.device_id == device_id)


def list_devices(db: HubDb, user: str | None = None) -> list[DeviceInfo]:
    d, r = schema.devices, device_revocations
    query = (
        select(d, r.c.revoked_at, r.c.reason)
        .select_from(d.outerjoin(r, r.c.device_id == d.c.device_id))
        .order_by(d.c.user_name, d.c.device_id)
    )
    if user:
        query = query.where(d.c.user_name == user)
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        DeviceInfo(
            device_id=x["device_id"],
            user=x["user_name"],
            name=x["name"],
            first_seen=x["first_seen"],
            last_seen=x["last_seen"],
            revoked=bool(x["revoked"]),
            revoked_at=x["revoked_at"] or "",
            reason=x["reason"] or "",
            approved=bool(x["approved"]),
        )
        for x in rows
    ]


def refuse(conn: Connection, device_id: str) -> DeviceRevokedError:
    """The error for a revoked device's non-push request; closes its flush window once it has flushed."""
    r = device_revocations
    row = conn.execute(select(r).where(r.c.device_id == device_id)).mappings().first()
    if row is None:
        return DeviceRevokedError("", "")
    if row["flush_started_at"] is not None and row["flushed_at"] is None:
        conn.execute(r.update().where(r.c.device_id == device_id).values(flushed_at=_now()))
    return DeviceRevokedError(row["revoked_at"], row["reason"])


def may_flush(conn: Connection, device_id: str) -> DeviceRevokedError | None:
    """None when the revoked device may still push (its flush has started now), else the error to answer."""
    r = device_revocations
    row: Any = conn.execute(select(r).where(r.c.device_id == device_id)).mappings().first()
    if row is None or row["flushed_at"] is not None:
        return DeviceRevokedError(row["revoked_at"] if row else "", row["reason"] if row else "")
    if row["flush_started_at"] is None:
        conn.execute(r.update().where(r.c.device_id == device_id).values(flush_started_at=_now()))
    return None


__all__ = [
    "DeviceInfo",
    "DeviceRevokedError",
    "UnknownDeviceError",
    "approve_device",
    "list_devices",
    "refuse",
    "revoke_device",
]
