"""Generic repositories over the synced tables, returning domain records."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from repcompanion.domain.errors import NotFoundError
from repcompanion.domain.rows import SYNCED_TABLES, Row, TableCodec

T = TypeVar("T")


def upsert_sql(table: str, columns: Sequence[str]) -> str:
    """An UPSERT that updates in place (REPLACE would cascade-delete children and skip FTS triggers)."""
    cols = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    return f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}"


def dict_rows(cur: sqlite3.Cursor) -> Iterator[Row]:
    """The rows of an executed cursor as ``{column: value}`` dicts."""
    names = [d[0] for d in cur.description]
    for values in cur:
        yield dict(zip(names, values, strict=True))


class TableRepository(Generic[T]):
    """Reads and writes one synced table through its codec."""

    def __init__(self, conn: sqlite3.Connection, codec: TableCodec) -> None:
        self._conn = conn
        self.codec = codec
        self.table = codec.table
        self._upsert = upsert_sql(codec.table, codec.columns)
        marks = ", ".join("?" for _ in codec.columns)
        self._insert = f"INSERT INTO {codec.table} ({', '.join(codec.columns)}) VALUES ({marks})"
        self._select = f"SELECT {', '.join(codec.columns)} FROM {codec.table}"

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        return dict_rows(self._conn.execute(sql, params))

    def upsert_many(self, records: Iterable[T]) -> int:
        """Insert or update records; the caller's transaction makes a batch atomic."""
        if self._conn.execute(f"SELECT 1 FROM {self.table} LIMIT 1").fetchone() is None:
            # Into an empty table a plain INSERT is about twice as fast as an UPSERT; a duplicate id in the
            # batch rolls the fast attempt back and the UPSERT merges it instead.
            values = list(map(self.codec.values, records))
            self._conn.execute("SAVEPOINT bulk_insert")
            try:
                cur = self._conn.executemany(self._insert, values)
            except sqlite3.IntegrityError:
                self._conn.execute("ROLLBACK TO bulk_insert")
                self._conn.execute("RELEASE bulk_insert")
                return self._conn.executemany(self._upsert, values).rowcount
            self._conn.execute("RELEASE bulk_insert")
            return cur.rowcount
        return self._conn.executemany(self._upsert, map(self.codec.values, records)).rowcount

    def get(self, record_id: str) -> T:
        record = self.find(record_id)
        if record is None:
            noun = self.table[:-1] if self.table.endswith("s") else self.table
            raise NotFoundError(f"No {noun} with id {record_id}.")
        return record

    def find(self, record_id: str) -> T | None:
        for row in self._rows(f"{self._select} WHERE id = ?", (record_id,)):
            return self.codec.from_row(row)
        return None

    def all(self) -> list[T]:
        return [self.codec.from_row(r) for r in self._rows(f"{self._select} ORDER BY rowid")]

    def where(self, clause: str, params: Sequence[Any] = (), order_by: str = "rowid") -> list[T]:
        return [
            self.codec.from_row(r) for r in self._rows(f"{self._select} WHERE {clause} ORDER BY {order_by}", params)
        ]

    def count(self, clause: str = "1", params: Sequence[Any] = ()) -> int:
        return int(self._conn.execute(f"SELECT count(*) FROM {self.table} WHERE {clause}", params).fetchone()[0])

    def delete(self, record_id: str) -> bool:
        return self._conn.execute(f"DELETE FROM {self.table} WHERE id = ?", (record_id,)).rowcount > 0


def repository(conn: sqlite3.Connection, table: str) -> TableRepository[Any]:
    return TableRepository(conn, SYNCED_TABLES[table])
