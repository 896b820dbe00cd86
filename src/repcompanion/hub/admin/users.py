"""Users: add, list, disable and enable, reset a password, move a rep to another territory, set a role and a rep's
manager. Passwords follow the policy (``auth.passwords``) and are stored as argon2id; every change that should end
a user's sessions ends them (refresh tokens retired, cached caller checks dropped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from repcompanion.domain.errors import HubError
from repcompanion.hub.auth import check_password, forget_cached_user, hash_password
from repcompanion.hub.db import HubDb, now_text, schema
from repcompanion.hub.errors import UnknownTerritoryError, UserExistsError
from repcompanion.hub.sync import territory_exists

#: what a user may be: reps sync a territory; the others use the hub's console and reports
ROLES = ("rep", "manager", "brand", "medical", "admin")
#: roles that hold a territory (and may sync a laptop)
TERRITORY_ROLES = frozenset({"rep", "manager"})


class UnknownUserError(HubError):
    hint = "List users with `repcompanion-hub user list`."


class UserAdminError(HubError):
    """A user change that does not make sense (a rep with no territory, a manager who is not one...)."""


@dataclass(frozen=True)
class UserView:
    name: str
    role: str
    territory_id: str
    manager: str
    active: bool
    disabled_at: str
    disabled_reason: str
    created_at: str
    password_changed_at: str
    device_approval_required: bool
    devices: int
    last_seen: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserAdminError(f"There is no role {role!r}.", hint=f"Roles: {', '.join(ROLES)}.")


def _user(conn: Connection, name: str) -> dict[str, Any]:
    found = conn.execute(select(schema.users).where(schema.users.c.name == name)).mappings().first()
    if found is None:
        raise UnknownUserError(f"There is no user called {name}.")
    return dict(found)


def _end_sessions(conn: Connection, name: str) -> None:
    rt = schema.refresh_tokens
    conn.execute(rt.update().where(rt.c.user_name == name, rt.c.used_at.is_(None)).values(used_at=now_text()))


def add_user(
    db: HubDb,
    name: str,
    password: str,
    territory_id: str | None,
    *,
    role: str = "rep",
    manager: str | None = None,
) -> None:
    """Add a user; a rep (or a manager with a territory) needs an existing territory."""
    _check_role(role)
    if not name.strip():
        raise UserExistsError("A user needs a name.", hint="Give one.")
    check_password(password, user=name)
    if role == "rep" and not territory_id:
        raise UserAdminError(f"A rep needs a territory; {name} has none.", hint="Give --territory T.")
    with db.write() as conn:
        if territory_id and not territory_exists(conn, territory_id):
            raise UnknownTerritoryError(f"There is no territory {territory_id} on this hub.")
        if conn.execute(select(schema.users.c.name).where(schema.users.c.name == name)).first() is not None:
            raise UserExistsError(f"There is already a user called {name}.")
        if manager:
            _require_manager(conn, manager)
        now = now_text()
        conn.execute(
            schema.users.insert().values(
                name=name,
                password_hash=hash_password(password),
                territory_id=territory_id or "",
                active=1,
                created_at=now,
                role=role,
                manager=manager,
                password_changed_at=now,
            )
        )


def _require_manager(conn: Connection, name: str) -> None:
    if _user(conn, name)["role"] not in ("manager", "admin"):
        raise UserAdminError(
            f"{name} is not a manager.", hint=f"Make them one: `repcompanion-hub user role {name} manager`."
        )


def list_users(db: HubDb, *, role: str | None = None, manager: str | None = None) -> list[UserView]:
    """Every user (or those of a role, or the reps a manager manages), with their devices' last contact."""
    u, d = schema.users, schema.devices
    with db.read() as conn:
        query = select(u).order_by(u.c.name)
        if role:
            query = query.where(u.c.role == role)
        if manager:
            query = query.where(u.c.manager == manager)
        users = [dict(r) for r in conn.execute(query).mappings()]
        seen: dict[str, tuple[int, str]] = {}
        for r in conn.execute(select(d.c.user_name, d.c.last_seen)):
            count, last = seen.get(r[0], (0, ""))
            seen[r[0]] = (count + 1, max(last, r[1] or ""))
    return [
        UserView(
            name=x["name"],
            role=x["role"],
            territory_id=x["territory_id"],
            manager=x["manager"] or "",
            active=bool(x["active"]),
            disabled_at=x["disabled_at"] or "",
            disabled_reason=x["disabled_reason"] or "",
            created_at=x["created_at"],
            password_changed_at=x["password_changed_at"] or "",
            device_approval_required=bool(x["device_approval_required"]),
            devices=seen.get(x["name"], (0, ""))[0],
            last_seen=seen.get(x["name"], (0, ""))[1],
        )
        for x in users
    ]


def set_active(db: HubDb, name: str, active: bool, *, reason: str = "") -> None:
    """Disable a user (no login, no pull, no push; sessions end now) or enable them again."""
    with db.write() as conn:
        _user(conn, name)
        values: dict[str, Any] = (
            {"active": 1, "disabled_at": None, "disabled_reason": ""}
            if active
            else {"active": 0, "disabled_at": now_text(), "disabled_reason": reason}
        )
        conn.execute(schema.users.update().where(schema.users.c.name == name).values(**values))
        if not active:
            _end_sessions(conn, name)
    forget_cached_user(name)


def reset_password(db: HubDb, name: str, password: str) -> None:
    """Set a new password (the policy applies) and end the user's sessions: every laptop logs in again."""
    check_password(password, user=name)
    with db.write() as conn:
        _user(conn, name)
        conn.execute(
            schema.users.update()
            .where(schema.users.c.name == name)
            .values(password_hash=hash_password(password), password_changed_at=now_text())
        )
        _end_sessions(conn, name)
    forget_cached_user(name)


def move_user(db: HubDb, name: str, territory_id: str) -> str:
    """Move a user to another territory; returns the territory they left. Their sessions end, so each laptop
    logs in again and downloads the new territory whole; reports still queued for the old one become orphan
    reports for the manager."""
    with db.write() as conn:
        user = _user(conn, name)
        if not territory_exists(conn, territory_id):
            raise UnknownTerritoryError(f"There is no territory {territory_id} on this hub.")
        if user["territory_id"] == territory_id:
            raise UserAdminError(f"{name} is already in territory {territory_id}; nothing was changed.")
        conn.execute(schema.users.update().where(schema.users.c.name == name).values(territory_id=territory_id))
        _end_sessions(conn, name)
    forget_cached_user(name)
    return str(user["territory_id"])


def set_role(db: HubDb, name: str, role: str) -> None:
    """Change a user's role (a rep keeps their territory; reps managed by a former manager keep the link until
    they get another manager)."""
    _check_role(role)
    with db.write() as conn:
        user = _user(conn, name)
        if role in ("rep",) and not user["territory_id"]:
            raise UserAdminError(f"{name} has no territory, so cannot be a rep.", hint="Move them to one first.")
        conn.execute(schema.users.update().where(schema.users.c.name == name).values(role=role))
        if role not in TERRITORY_ROLES:
            _end_sessions(conn, name)
    forget_cached_user(name)


def set_manager(db: HubDb, rep: str, manager: str | None) -> None:
    """Set (or clear, with None) the manager of a rep."""
    with db.write() as conn:
        user = _user(conn, rep)
        if user["role"] != "rep":
            raise UserAdminError(f"{rep} is a {user['role']}, not a rep; only reps have a manager.")
        if manager:
            if manager == rep:
                raise UserAdminError(f"{rep} cannot manage themselves.")
            _require_manager(conn, manager)
        conn.execute(schema.users.update().where(schema.users.c.name == rep).values(manager=manager or None))


__all__ = [
    "ROLES",
    "TERRITORY_ROLES",
    "UnknownUserError",
    "UserAdminError",
    "UserView",
    "add_user",
    "list_users",
    "move_user",
    "reset_password",
    "set_active",
    "set_manager",
    "set_role",
]
