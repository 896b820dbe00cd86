"""Sync state: the device id, the cursor and the last sync, as a small key-value table."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from repcompanion.domain.ids import DeviceId, TerritoryId, uuid7
from repcompanion.domain.models import SyncState


class SyncStateRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _set(self, key: str, value: str | None) -> None:
        self._conn.execute(
            "INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def device_id(self) -> DeviceId:
        """This workspace's device id, created on first use."""
        value = self._get("device_id")
        if value is None:
            value = uuid7()
            self._set("device_id", value)
        return DeviceId(value)

    def get(self) -> SyncState:
        last = self._get("last_sync_at")
        territory = self._get("territory_id")
        return SyncState(
            device_id=self.device_id(),
            cursor=int(self._get("cursor") or 0),
            server_url=self._get("server_url") or "",
            user=self._get("user") or "",
            territory_id=TerritoryId(territory) if territory else None,
            last_sync_at=datetime.fromisoformat(last) if last else None,
            last_error=self._get("last_error") or "",
            initial_complete=self._get("initial_complete") == "1",
        )

    def set_cursor(self, cursor: int) -> None:
        self._set("cursor", str(int(cursor)))

    def update(
        self,
        *,
        server_url: str | None = None,
        user: str | None = None,
        territory_id: str | None = None,
        last_sync_at: datetime | None = None,
        last_error: str | None = None,
        initial_complete: bool | None = None,
    ) -> None:
        if server_url is not None:
            self._set("server_url", server_url)
        if user is not None:
            self._set("user", user)
        if territory_id is not None:
            self._set("territory_id", territory_id)
        if last_sync_at is not None:
            self._set("last_sync_at", last_sync_at.isoformat())
        if last_error is not None:
            self._set("last_error", last_error)
        if initial_complete is not None:
            self._set("initial_complete", "1" if initial_complete else "0")

    def get_value(self, key: str) -> str | None:
        return self._get(key)

    def set_value(self, key: str, value: str | None) -> None:
        self._set(key, value)
