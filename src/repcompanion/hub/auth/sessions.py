"""Signing in: argon2id passwords, signed access tokens, rotated refresh tokens, and the caller behind a token.

Access token: ``v1.<base64url(json claims)>.<base64url(HMAC-SHA256)>`` signed with the hub's secret (created
by ``init``, kept in the database so every hub process shares it). Refresh token: 32 random bytes; only
its SHA-256 is stored; each use retires it and issues a new one (a reused token means "log in again").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, and_, select

from repcompanion.hub.auth import callers, devices
from repcompanion.hub.auth.callers import Caller
from repcompanion.hub.db import HubDb, now_text, schema
from repcompanion.hub.errors import AccessDeniedError, AuthError
from repcompanion.hub.settings import HubSettings
from repcompanion.protocol.models import LoginRequest, RefreshRequest, TokenReply

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3, p=4)
_DUMMY_HASH = _hasher.hash("not a real password")
BAD_LOGIN = "Wrong user name or password."
_CHECK = "Check the user name and password; ask your administrator to reset it."


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._key = bytes.fromhex(secret)

    def sign(self, claims: dict[str, object]) -> str:
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        mac = hmac.new(self._key, f"v1.{body}".encode(), hashlib.sha256).digest()
        return f"v1.{body}.{_b64(mac)}"

    def verify(self, token: str, *, now: float | None = None) -> dict[str, object]:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1":
            raise AuthError("The access token is not one this hub issued.", hint="Log in again.")
        try:
            mac = _unb64(parts[2])
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, UnicodeDecodeError) as exc:
            raise AuthError("The access token is damaged.", hint="Log in again.") from exc
        expected = hmac.new(self._key, f"v1.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected) or not isinstance(claims, dict):
            raise AuthError("The access token is not one this hub issued.", hint="Log in again.")
        if float(claims.get("exp", 0)) <= (time.time() if now is None else now):
            raise AuthError("The access token has expired.", code="token_expired", hint="Refresh it and retry.")
        return claims


def signer_for(db: HubDb) -> TokenSigner:
    with db.read() as conn:
        return TokenSigner(db.setting(conn, "token_secret"))


def _issue(
    conn: Connection, signer: TokenSigner, settings: HubSettings, user: str, territory: str, device: str
) -> TokenReply:
    now = time.time()
    access = signer.sign(
        {
            "sub": user,
            "dev": device,
            "ter": territory,
            "iat": int(now),
            "exp": now + settings.access_ttl_s,
            "jti": secrets.token_hex(6),
        }
    )
    refresh = secrets.token_urlsafe(32)
    created = datetime.now(UTC)
    conn.execute(
        schema.refresh_tokens.insert().values(
            token_hash=hashlib.sha256(refresh.encode()).hexdigest(),
            user_name=user,
            device_id=device,
            expires_at=(created + timedelta(seconds=settings.refresh_ttl_s)).isoformat(),
            created_at=created.isoformat(),
        )
    )
    return TokenReply(
        access_token=access, refresh_token=refresh, expires_in=settings.access_ttl_s, user=user, territory_id=territory
    )


def _touch_device(conn: Connection, device_id: str, user: dict[str, object], name: str) -> bool:
    """Record the device's contact; False when it waits for an administrator's approval (a new device of a user
    one of whose devices was revoked). A revoked device is refused."""
    d = schema.devices
    found = conn.execute(select(d.c.revoked, d.c.approved).where(d.c.device_id == device_id)).first()
    at = now_text()
    if found is None:
        approved = 0 if user["device_approval_required"] else 1
        conn.execute(
            d.insert().values(
                device_id=device_id, user_name=user["name"], name=name, first_seen=at, last_seen=at, approved=approved
            )
        )
        return bool(approved)
    if found[0]:
        raise devices.refuse(conn, device_id)
    values = {"user_name": user["name"], "last_seen": at} | ({"name": name} if name else {})
    conn.execute(d.update().where(d.c.device_id == device_id).values(**values))
    return bool(found[1])


def _awaiting_approval(user: str, device_id: str) -> AccessDeniedError:
    return AccessDeniedError(
        f"This laptop (device {device_id}) must be approved by your administrator before {user} can sync on it: "
        "a laptop of yours was removed from RepCompanion.",
        code="device_not_approved",
        hint=f"Ask your administrator to run `repcompanion-hub device approve {device_id}`, then log in again.",
    )


def _may_sync(user: dict[str, object]) -> None:
    if not user["active"]:
        why = f" ({user['disabled_reason']})" if user.get("disabled_reason") else ""
        raise AccessDeniedError(
            f"The user {user['name']} is disabled{why}.", code="user_disabled", hint="Contact your administrator."
        )
    if not user["territory_id"]:
        raise AccessDeniedError(
            f"The user {user['name']} ({user['role']}) has no territory, so has nothing to sync.",
            code="no_territory",
            hint="Laptops sync a rep's territory; ask your administrator to give you one.",
        )


def check_user_password(db: HubDb, name: str, password: str) -> dict[str, object]:
    """The user ``name`` if ``password`` is theirs and they are active (the console's sign-in; no device, no token).
    AuthError (the same message for an unknown user and a wrong password), or AccessDeniedError when disabled."""
    with db.read() as conn:
        user = conn.execute(select(schema.users).where(schema.users.c.name == name)).mappings().first()
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError) as exc:
        raise AuthError(BAD_LOGIN, hint=_CHECK) from exc
    if user is None:
        raise AuthError(BAD_LOGIN, hint=_CHECK)
    if not user["active"]:
        why = f" ({user['disabled_reason']})" if user.get("disabled_reason") else ""
        raise AccessDeniedError(
            f"The user {name} is disabled{why}.", code="user_disabled", hint="Contact your administrator."
        )
    return dict(user)


def login(db: HubDb, signer: TokenSigner, settings: HubSettings, req: LoginRequest) -> TokenReply:
    with db.read() as conn:
        user = conn.execute(select(schema.users).where(schema.users.c.name == req.username)).mappings().first()
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, req.password)
    except (VerifyMismatchError, VerificationError, InvalidHashError) as exc:
        raise AuthError(
            BAD_LOGIN, hint="Check the user name and password; ask your administrator to reset it."
        ) from exc
    if user is None:
        raise AuthError(BAD_LOGIN, hint="Check the user name and password; ask your administrator to reset it.")
    _may_sync(dict(user))
    with db.write() as conn:
        if _touch_device(conn, req.device_id, dict(user), req.device_name):
            return _issue(conn, signer, settings, user["name"], user["territory_id"], req.device_id)
    raise _awaiting_approval(user["name"], req.device_id)  # the waiting device is recorded for `device list`


def refresh(db: HubDb, signer: TokenSigner, settings: HubSettings, req: RefreshRequest) -> TokenReply:
    token_hash = hashlib.sha256(req.refresh_token.encode()).hexdigest()
    rt = schema.refresh_tokens
    again = "Log in again; nothing waiting to be sent is lost."
    with db.write() as conn:
        found = conn.execute(select(rt).where(rt.c.token_hash == token_hash)).mappings().first()
        if found is None or found["device_id"] != req.device_id:
            raise AuthError("The sign-in has ended (unknown refresh token).", hint=again)
        if found["used_at"] is not None:
            raise AuthError("The sign-in has ended (this refresh token was already used).", hint=again)
        if found["expires_at"] <= now_text():
            raise AuthError("The sign-in has expired.", hint=again)
        conn.execute(rt.update().where(rt.c.token_hash == token_hash).values(used_at=now_text()))
        user = conn.execute(select(schema.users).where(schema.users.c.name == found["user_name"])).mappings().first()
        if user is None or not user["active"] or not user["territory_id"]:
            raise AuthError("The user is disabled or has no territory.", hint="Contact your administrator.")
        if _touch_device(conn, req.device_id, dict(user), ""):
            return _issue(conn, signer, settings, user["name"], user["territory_id"], req.device_id)
    raise _awaiting_approval(user["name"], req.device_id)


def authenticate(db: HubDb, signer: TokenSigner, token: str | None, *, flush: bool = False) -> Caller:
    """The caller behind a bearer token (its current territory, device not revoked, user active).

    A revoked device gets ``DeviceRevokedError`` (403), except that with ``flush`` (a push, when the hub
    lets revoked devices upload their outbox once) it is let through until its flush window closes.
    """
    if not token:
        raise AuthError("This request needs an access token.", hint="Log in first.")
    claims = signer.verify(token)
    user, device = str(claims.get("sub", "")), str(claims.get("dev", ""))
    key = (f"{db.url}|{user}", device)
    cached = callers.cached(key)
    caller = cached if cached is not None else _load_caller(db, user, device, flush=flush)
    if caller is None:
        return Caller(user=user, territory_id=_territory_of(db, user), device_id=device)
    if cached is None:
        callers.remember(key, caller)
    issued_for = claims.get("ter")
    if issued_for is not None and issued_for != caller.territory_id:
        raise AuthError(
            f"Your territory is now {caller.territory_id or 'none'} (this sign-in was for {issued_for}).",
            hint="Log in again: the laptop then downloads your new territory; nothing waiting to be sent is lost.",
        )
    return caller


def _territory_of(db: HubDb, user: str) -> str:
    with db.read() as conn:
        return str(conn.execute(select(schema.users.c.territory_id).where(schema.users.c.name == user)).scalar_one())


def _load_caller(db: HubDb, user: str, device: str, *, flush: bool = False) -> Caller | None:
    """The (cacheable) caller; None for a revoked device that may still flush its outbox (never cached)."""
    u, d = schema.users, schema.devices
    with db.read() as conn:
        row = conn.execute(
            select(u.c.territory_id, u.c.active, d.c.revoked, d.c.approved, u.c.disabled_reason, u.c.role)
            .select_from(u.join(d, and_(d.c.user_name == u.c.name, d.c.device_id == device)))
            .where(u.c.name == user)
        ).first()
    if row is None:
        raise AuthError("The user or device behind this token is no longer known.", hint="Log in again.")
    if not row[1] or not row[0]:
        _may_sync({"name": user, "active": row[1], "territory_id": row[0], "disabled_reason": row[4], "role": row[5]})
    if not row[3] and not row[2]:
        raise _awaiting_approval(user, device)
    if row[2]:
        with db.write() as conn:
            refused = devices.may_flush(conn, device) if flush else devices.refuse(conn, device)
        if refused is not None:
            raise refused
        return None
    return Caller(user=user, territory_id=row[0], device_id=device)
