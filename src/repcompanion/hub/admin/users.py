"""Rep users: add one to a territory (its password stored as argon2id)."""

from __future__ import annotations

from sqlalchemy import select

from repcompanion.hub.auth import hash_password
from repcompanion.hub.db import HubDb, now_text, schema
from repcompanion.hub.errors import UnknownTerritoryError, UserExistsError
from repcompanion.hub.sync import territory_exists


def add_user(db: HubDb, name: str, password: str, territory_id: str) -> None:
    if not name.strip() or not password:
        raise UserExistsError("A user needs a name and a non-empty password.", hint="Give both.")
    with db.write() as conn:
        if not territory_exists(conn, territory_id):
            raise UnknownTerritoryError(f"There is no territory {territory_id} on this hub.")
        if conn.execute(select(schema.users.c.name).where(schema.users.c.name == name)).first() is not None:
            raise UserExistsError(f"There is already a user called {name}.")
        conn.execute(
            schema.users.insert().values(
                name=name,
                password_hash=hash_password(password),
                territory_id=territory_id,
                active=1,
                created_at=now_text(),
            )
        )
