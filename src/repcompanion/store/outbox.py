"""The outbox: local changes waiting for the hub, pushed in order and acknowledged one by one."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from repcompanion.domain.enums import MutationKind, MutationStatus
from repcompanion.domain.ids import DeviceId, MutationId, uuid7
from repcompanion.domain.models import Mutation

#: Adverse-event intakes go first on every push (pharmacovigilance's 24-hour clock).
PRIORITY_SAFETY = 0
PRIORITY_NORMAL = 10

_COLUMNS = "device_seq, id, device_id, kind, entity_id, payload, created_at, status, reason, priority"


def _mutation(row: tuple[Any, ...]) -> Mutation:
    seq, mid, device, kind, entity, payload, created, status, reason, priority = row
    return Mutation(
        id=MutationId(mid),
        device_id=DeviceId(device),
        device_seq=int(seq),
        kind=MutationKind(kind),
        entity_id=entity,
        payload=json.loads(payload),
        created_at=datetime.fromisoformat(created),
        status=MutationStatus(status),
        reason=reason,
        priority=int(priority),
    )


class Outbox:
    def __init__(self, conn: sqlite3.Connection, device_id: DeviceId) -> None:
        self._conn = conn
        self.device_id = device_id

    def enqueue(
        self,
        kind: MutationKind,
        entity_id: str,
        payload: dict[str, Any],
        *,
        hcp_id: str | None = None,
        priority: int = PRIORITY_NORMAL,
    ) -> Mutation:
        """Queue a mutation; call inside the transaction that made the change."""
        now = datetime.now(UTC)
        mid = uuid7()
        cur = self._conn.execute(
            "INSERT INTO outbox(id, device_id, kind, entity_id, hcp_id, payload, created_at, priority) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                mid,
                self.device_id,
                kind.value,
                entity_id,
                hcp_id,
                json.dumps(payload, sort_keys=True),
                now.isoformat(),
                priority,
            ),
        )
        return Mutation(
            MutationId(mid), self.device_id, int(cur.lastrowid or 0), kind, entity_id, payload, now, priority=priority
        )

    def pending(self, limit: int = 500) -> list[Mutation]:
        """Pending mutations, safety first, then in the order they were made."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending' ORDER BY priority, device_seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [_mutation(r) for r in rows]

    def pending_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0])

    def rejected(self) -> list[Mutation]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'rejected' ORDER BY device_seq"
        ).fetchall()
        return [_mutation(r) for r in rows]

    def all(self) -> list[Mutation]:
        return [_mutation(r) for r in self._conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY device_seq")]

    def mark(self, results: Iterable[tuple[str, MutationStatus, str]]) -> int:
        """Record the hub's answer per mutation id: applied, duplicate or rejected with a reason."""
        now = datetime.now(UTC).isoformat()
        cur = self._conn.executemany(
            "UPDATE outbox SET status = ?, reason = ?, acked_at = ? WHERE id = ? AND status = 'pending'",
            ((status.value, reason, now, mid) for mid, status, reason in results),
        )
        return cur.rowcount

    def pending_for_hcp(self, hcp_id: str) -> int:
        return int(
            self._conn.execute(
                "SELECT count(*) FROM outbox WHERE status = 'pending' AND hcp_id = ?", (hcp_id,)
            ).fetchone()[0]
        )
