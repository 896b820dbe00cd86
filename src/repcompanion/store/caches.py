"""What the workspace keeps to start fast: the last ranking, and compiled suggestion models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repcompanion.store.store import Store

_STAMP_SQL = (
    "SELECT (SELECT max(rowid) FROM events), (SELECT count(*) FROM events), (SELECT max(rowid) FROM consents), "
    "(SELECT max(rowid) FROM follow_ups), (SELECT max(rowid) FROM suggestion_feedback), "
    "(SELECT count(*) FROM suggestion_feedback), (SELECT max(device_seq) FROM outbox), "
    "(SELECT count(*) FROM hcps), (SELECT count(*) FROM content), (SELECT count(*) FROM call_plans)"
)


class RankingCache:
    """The last ranking kept (one row), under the fingerprint of what it was made from."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def inputs_stamp(self) -> list[object]:
        """High-water marks and counts of every table a ranking depends on: equal stamps, same inputs."""
        return list(self._store.conn.execute(_STAMP_SQL).fetchone())

    def has(self, fingerprint: str) -> bool:
        row = self._store.conn.execute("SELECT 1 FROM ranking_cache WHERE fingerprint = ?", (fingerprint,))
        return row.fetchone() is not None

    def payload(self, fingerprint: str) -> bytes | None:
        row = self._store.conn.execute(
            "SELECT payload FROM ranking_cache WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        return None if row is None else row[0]

    def latest(self) -> tuple[str, str] | None:
        """(day, fingerprint) of the ranking kept last, whatever it was made for."""
        row = self._store.conn.execute(
            "SELECT day, fingerprint FROM ranking_cache ORDER BY created_at DESC LIMIT 1"
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def replace(self, fingerprint: str, day: str, payload: bytes) -> None:
        """Keep this ranking instead of the last one, in one transaction."""
        with self._store.atomic() as store:
            store.conn.execute("DELETE FROM ranking_cache")
            store.conn.execute(
                "INSERT INTO ranking_cache(fingerprint, day, created_at, payload) VALUES (?, ?, ?, ?)",
                (fingerprint, day, datetime.now(UTC).isoformat(), payload),
            )


class CompiledModels:
    """Suggestion models compiled for fast loading, by the sha256 of the model file they came from."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, sha256: str) -> bytes | None:
        row = self._store.conn.execute("SELECT payload FROM model_scorers WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else row[0]

    def keep(self, sha256: str, payload: bytes, *, newest: int) -> None:
        """Keep ``payload`` for ``sha256`` and only the ``newest`` compiled models in all, in one transaction."""
        with self._store.atomic() as store:
            store.conn.execute(
                "INSERT OR REPLACE INTO model_scorers(sha256, created_at, payload) VALUES (?, ?, ?)",
                (sha256, datetime.now(UTC).isoformat(), payload),
            )
            store.conn.execute(
                "DELETE FROM model_scorers WHERE sha256 NOT IN "
                "(SELECT sha256 FROM model_scorers ORDER BY created_at DESC LIMIT ?)",
                (newest,),
            )
