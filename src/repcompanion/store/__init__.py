"""The local SQLite store: schema migrations, repositories returning domain records, the outbox."""

from repcompanion.store.db import open_connection, set_connection_factory
from repcompanion.store.migrations import LATEST_VERSION, MIGRATIONS, migrate, schema_version
from repcompanion.store.outbox import PRIORITY_NORMAL, PRIORITY_SAFETY, Outbox
from repcompanion.store.store import Store, fts_query, open_store
from repcompanion.store.tables import TableRepository, upsert_sql

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "PRIORITY_NORMAL",
    "PRIORITY_SAFETY",
    "Outbox",
    "Store",
    "TableRepository",
    "fts_query",
    "migrate",
    "open_connection",
    "open_store",
    "schema_version",
    "set_connection_factory",
    "upsert_sql",
]
