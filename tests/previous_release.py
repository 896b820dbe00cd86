"""A hub and a rep's workspace as the previous release (sync protocol 1) wrote them, rebuilt from their rows.

``fixtures/previous_release.json`` was written by ``fixtures/make_previous_release.py`` run on the previous
release's checkout: a seeded hub (Alembic revision 0008), a laptop that synced it, pushed a visit with an
adverse-event intake and its screening decision, queued another one and kept a draft (workspace schema 6), and
the hub's protocol-1 pull of the whole territory. Here the schema is built by the same migrations (they did not
change) and the rows are inserted as they were.
"""

from __future__ import annotations

import json
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, Table, text

from repcompanion.hub.db import HubDb
from repcompanion.hub.db.engine import MIGRATIONS
from repcompanion.store.migrations import migrate

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "previous_release.json"
PASSWORD = "correct-horse-battery"
USER = "rep01"
HUB_URL = "http://hub.test"
#: the tuple columns the previous release wrote ';'-joined
JOINED = {
    "content": ("topics", "audience_specialties"),
    "events": ("topics",),
    "ae_intakes": ("categories",),
    "screening_decisions": ("categories",),
}


@cache
def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def split(joined: str) -> list[str]:
    """How the previous release read a ';'-joined tuple."""
    return joined.split(";") if joined else []


def build_workspace(path: Path) -> Path:
    """The laptop's workspace file (plain SQLite) at the previous release's schema, with its rows."""
    data = fixture()
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=data["workspace_schema"])
    conn.execute("BEGIN")
    for table, rows in data["workspace"].items():
        columns = list(rows[0])
        marks = ", ".join("?" * len(columns))
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", [[r[c] for c in columns] for r in rows]
        )
    conn.execute("COMMIT")
    conn.close()
    return path


def build_hub(url: str) -> HubDb:
    """The hub database at the previous release's revision (0008), with its rows; not upgraded."""
    data = fixture()
    db = HubDb(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with db.write() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, data["hub_revision"][0])
        metadata = MetaData()
        for table, rows in data["hub"].items():
            conn.execute(Table(table, metadata, autoload_with=conn).insert(), rows)
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('changes', 'seq'), (SELECT max(seq) FROM changes))")
            )
    return db


__all__ = ["FIXTURE", "HUB_URL", "JOINED", "PASSWORD", "USER", "build_hub", "build_workspace", "fixture", "split"]
