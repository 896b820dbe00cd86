"""Console sign-ins: a random cookie (only its SHA-256 is stored), a CSRF token per sign-in that every form carries,
an idle timeout and a longest session, logout. A disabled user's or a rep's session ends at their next request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from repcompanion.hub.console.roles import ROLE_PAGES, Viewer, territories_of
from repcompanion.hub.db import HubDb, schema

COOKIE = "repcompanion_console"
#: the sign-in form's own CSRF cookie (double submit: there is no session yet)
LOGIN_COOKIE = "repcompanion_console_login"
#: a session's last-seen time is written at most this often (not on every page view)
TOUCH_S = 60.0


class SessionEnded(Exception):
    """The cookie names no live session; ``why`` is what the login page tells the user."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Session:
    token_hash: str
    viewer: Viewer


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def start(db: HubDb, user: str) -> tuple[str, str]:
    """A new session for ``user``: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    at = _now().isoformat()
    with db.write() as conn:
        conn.execute(
            schema.console_sessions.insert().values(
                token_hash=_hash(token), user_name=user, csrf=csrf, created_at=at, last_seen_at=at
            )
        )
    return token, csrf


def end(db: HubDb, token: str) -> None:
    s = schema.console_sessions
    with db.write() as conn:
        conn.execute(
            s.update().where(s.c.token_hash == _hash(token), s.c.ended_at.is_(None)).values(ended_at=_now().isoformat())
        )


def check(db: HubDb, token: str | None, *, idle_s: float, longest_s: float) -> Session:
    """The live session behind ``token``; SessionEnded saying why there is none (and ending a stale one)."""
    if not token:
        raise SessionEnded("Sign in to use the console.")
    s, u = schema.console_sessions, schema.users
    hashed = _hash(token)
    with db.read() as conn:
        row = (
            conn.execute(
                select(s, u.c.role, u.c.active, u.c.territory_id)
                .select_from(s.join(u, u.c.name == s.c.user_name))
                .where(s.c.token_hash == hashed)
            )
            .mappings()
            .first()
        )
        scope = territories_of(conn, row["user_name"], row["role"], row["territory_id"]) if row else None
    if row is None or row["ended_at"]:
        raise SessionEnded("You were signed out. Sign in again.")
    now = _now()
    last = datetime.fromisoformat(row["last_seen_at"])
    stale = ""
    if now - last > timedelta(seconds=idle_s):
        stale = f"Your session ended after {int(idle_s // 60)} minutes without activity. Sign in again."
    elif now - datetime.fromisoformat(row["created_at"]) > timedelta(seconds=longest_s):
        stale = f"Your session ended after {int(longest_s // 3600)} hours. Sign in again."
    elif not row["active"]:
        stale = "Your account was disabled. Ask your administrator."
    elif row["role"] not in ROLE_PAGES:
        stale = f"The console is for managers, brand, medical and admin users; {row['user_name']} is a {row['role']}."
    if stale:
        end(db, token)
        raise SessionEnded(stale)
    if (now - last).total_seconds() > TOUCH_S:
        with db.write() as conn:
            conn.execute(s.update().where(s.c.token_hash == hashed).values(last_seen_at=now.isoformat()))
    return Session(hashed, Viewer(row["user_name"], row["role"], scope, row["csrf"]))


def csrf_ok(expected: str, sent: str | None) -> bool:
    return bool(expected) and bool(sent) and hmac.compare_digest(expected.encode(), str(sent).encode())


__all__ = ["COOKIE", "LOGIN_COOKIE", "Session", "SessionEnded", "check", "csrf_ok", "end", "start"]
