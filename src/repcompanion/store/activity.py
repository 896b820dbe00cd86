"""Reads over the rep's activity (engagement events and submitted visits) for lists, plans and numbers."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, date, datetime

from repcompanion.domain.enums import EventType, ReportStatus

#: Parameters per ``IN (...)`` list: well below SQLite's limit on bound variables.
_CHUNK = 500


class Activity:
    """Named queries over ``events`` and ``call_reports``; each returns plain values, never SQL to the caller."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def span(self) -> tuple[str, str]:
        """When the first and the last engagement event happened (ISO text; "" when there is none)."""
        first, last = self._conn.execute("SELECT min(occurred_at), max(occurred_at) FROM events").fetchone()
        return first or "", last or ""

    def last_contacts(self, types: Sequence[str], hcp_ids: Collection[str] | None = None) -> dict[str, str]:
        """When each HCP (of ``hcp_ids``, default all) last had an event of ``types`` (ISO text; none: left out).

        One short backwards walk of the (hcp_id, occurred_at) index per HCP: contacts are frequent, so each
        walk stops after a few rows (a GROUP BY over the whole history takes seconds on a large territory).
        """
        marks = ",".join("?" * len(types))
        sql = (
            "SELECT h.id, (SELECT e.occurred_at FROM events e WHERE e.hcp_id = h.id "
            f"AND e.type IN ({marks}) ORDER BY e.occurred_at DESC LIMIT 1) FROM hcps h"
        )
        if hcp_ids is None:
            rows = self._conn.execute(sql, list(types)).fetchall()
        else:
            ids = list(hcp_ids)
            rows = []
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                where = f" WHERE h.id IN ({','.join('?' * len(chunk))})"
                rows += self._conn.execute(sql + where, [*types, *chunk]).fetchall()
        return {hcp_id: last for hcp_id, last in rows if last}

    def submitted_visits_on(self, day: date) -> int:
        """Call reports submitted for visits held on ``day`` (UTC)."""
        row = self._conn.execute(
            "SELECT count(*) FROM call_reports WHERE status = ? AND substr(started_at, 1, 10) = ?",
            (ReportStatus.SUBMITTED.value, day.isoformat()),
        ).fetchone()
        return int(row[0])

    def submitted_visits_between(self, start: datetime, end: datetime) -> int:
        """Call reports submitted for visits held from ``start`` up to ``end`` (a day on the rep's clock)."""
        row = self._conn.execute(
            "SELECT count(*) FROM call_reports WHERE status = ? AND started_at >= ? AND started_at < ?",
            (ReportStatus.SUBMITTED.value, start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()),
        ).fetchone()
        return int(row[0])

    def visited_between(self, start: datetime, end: datetime) -> set[str]:
        """HCPs with a visit from ``start`` up to ``end`` (UTC): a visit event, or a call report (draft or submitted).

        One seek of the (hcp_id, occurred_at) index per HCP: a scan of every event by time takes a second on a
        large territory.
        """
        bounds = (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat())
        rows = self._conn.execute(
            "SELECT h.id FROM hcps h WHERE EXISTS (SELECT 1 FROM events e WHERE e.hcp_id = h.id "
            "AND e.occurred_at >= ? AND e.occurred_at < ? AND e.type = ?) "
            "UNION SELECT hcp_id FROM call_reports WHERE started_at >= ? AND started_at < ?",
            (*bounds, EventType.VISIT.value, *bounds),
        ).fetchall()
        return {r[0] for r in rows}

    def visits_between(self, hcp_id: str, start: date, end: date) -> int:
        """Visits to ``hcp_id`` held from ``start`` to ``end`` (both days included)."""
        row = self._conn.execute(
            "SELECT count(*) FROM events WHERE hcp_id = ? AND type = ? AND occurred_at >= ? AND occurred_at <= ?",
            (hcp_id, EventType.VISIT.value, start.isoformat(), end.isoformat() + "T23:59:59"),
        ).fetchone()
        return int(row[0])

    def visits_since(self, day: date) -> list[tuple[str, str]]:
        """(HCP, when) of every visit held on or after ``day``."""
        return self._conn.execute(
            "SELECT hcp_id, occurred_at FROM events WHERE type = ? AND occurred_at >= ?",
            (EventType.VISIT.value, day.isoformat()),
        ).fetchall()

    def discussed_visit_times(self) -> list[tuple[str, str]]:
        """(HCP, when) of every visit at which a topic was discussed (when the HCP takes visits)."""
        return self._conn.execute(
            "SELECT hcp_id, occurred_at FROM events WHERE type = ? AND topics NOT IN ('', '[]')",
            (EventType.VISIT.value,),
        ).fetchall()

    def weekly_counts(self, since: date) -> list[tuple[str, str, int]]:
        """(week ``YYYY-WW``, event type, count) of the events since ``since``, oldest week first."""
        return self._conn.execute(
            "SELECT strftime('%Y-%W', occurred_at) AS week, type, count(*) FROM events "
            "WHERE occurred_at >= ? GROUP BY week, type ORDER BY week",
            (since.isoformat(),),
        ).fetchall()

    def event_days(
        self, page_rows: int, utc_offset_minutes: int = 0
    ) -> tuple[list[str], Iterator[list[tuple[object, ...]]]]:
        """Every event as (hcp_id, type, day number on a clock ``utc_offset_minutes`` from UTC, topics), a page of
        ``page_rows`` at a time, with the column names; each call reads afresh."""
        cur = self._conn.execute(
            "SELECT hcp_id, type, CAST(julianday(occurred_at, ?) - 2440587.5 AS INTEGER) AS day, topics FROM events",
            (f"{utc_offset_minutes:+d} minutes",),
        )
        columns = [d[0] for d in cur.description]

        def pages() -> Iterator[list[tuple[object, ...]]]:
            while rows := cur.fetchmany(page_rows):
                yield rows

        return columns, pages()
