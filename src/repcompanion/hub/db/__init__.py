"""The one hub database: engine and transactions, every table on one MetaData, Alembic, hub settings, the change log."""

from repcompanion.hub.db import derived, schema
from repcompanion.hub.db.changelog import (
    append_changes,
    check_id,
    delete_rows,
    head,
    now_text,
    row_json,
    upsert_rows,
)
from repcompanion.hub.db.engine import HubDb, read_setting, redacted, write_setting
from repcompanion.hub.db.schema import metadata

__all__ = [
    "HubDb",
    "append_changes",
    "check_id",
    "delete_rows",
    "derived",
    "head",
    "metadata",
    "now_text",
    "read_setting",
    "redacted",
    "row_json",
    "schema",
    "upsert_rows",
    "write_setting",
]
