"""Numbered schema migrations, each applied in its own transaction and recorded in the database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from repcompanion.domain.errors import WorkspaceTooNewError
from repcompanion.domain.rows import PROTOCOL_1_JOINED

_ADDRESS = """
    line1 TEXT NOT NULL DEFAULT '', line2 TEXT NOT NULL DEFAULT '', city TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '', zip TEXT NOT NULL DEFAULT '', latitude REAL, longitude REAL,
    geo_precision TEXT NOT NULL DEFAULT 'none'
"""

V1_CORE = f"""
CREATE TABLE territories (id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT, state TEXT);
CREATE TABLE accounts (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, npi TEXT, parent_id TEXT, {_ADDRESS}
);
CREATE TABLE products (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, generic_name TEXT, therapeutic_area TEXT,
    sample_limit_per_visit INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE content (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, product_id TEXT NOT NULL REFERENCES products(id),
    topics TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL, mlr_code TEXT NOT NULL DEFAULT '',
    valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, audience_specialties TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hcps (
    id TEXT PRIMARY KEY, npi TEXT, first_name TEXT NOT NULL, middle_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL, credentials TEXT NOT NULL DEFAULT '', specialty_code TEXT NOT NULL DEFAULT '',
    specialty_label TEXT NOT NULL DEFAULT '', segment TEXT NOT NULL, decile INTEGER NOT NULL, {_ADDRESS},
    preferred_channel TEXT NOT NULL, do_not_contact INTEGER NOT NULL DEFAULT 0, target INTEGER NOT NULL DEFAULT 1,
    planned_visits INTEGER NOT NULL DEFAULT 0, phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1, affiliations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX hcps_npi ON hcps(npi);
CREATE TABLE alignments (
    id TEXT PRIMARY KEY, territory_id TEXT NOT NULL,
    hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE
);
CREATE INDEX alignments_hcp ON alignments(hcp_id);
CREATE TABLE consents (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE,
    channel TEXT NOT NULL, state TEXT NOT NULL, captured_at TEXT NOT NULL, source TEXT NOT NULL DEFAULT '',
    expires_at TEXT
);
CREATE INDEX consents_hcp ON consents(hcp_id, channel);
CREATE TABLE call_plans (
    id TEXT PRIMARY KEY, territory_id TEXT NOT NULL, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE,
    period_start TEXT NOT NULL, period_end TEXT NOT NULL, planned_visits INTEGER NOT NULL
);
CREATE INDEX call_plans_hcp ON call_plans(hcp_id);
CREATE TABLE events (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE, type TEXT NOT NULL,
    occurred_at TEXT NOT NULL, channel TEXT, product_id TEXT, content_id TEXT, topics TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_hcp_time ON events(hcp_id, occurred_at);
CREATE TABLE call_reports (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE, started_at TEXT NOT NULL,
    call_type TEXT NOT NULL, status TEXT NOT NULL, attendees TEXT NOT NULL DEFAULT '[]',
    products TEXT NOT NULL DEFAULT '[]', topics TEXT NOT NULL DEFAULT '[]', content_shown TEXT NOT NULL DEFAULT '[]',
    samples TEXT NOT NULL DEFAULT '[]', notes TEXT NOT NULL DEFAULT '', follow_up_requests TEXT NOT NULL DEFAULT '[]',
    duration_min INTEGER NOT NULL DEFAULT 20, created_at TEXT, submitted_at TEXT, device_id TEXT
);
CREATE INDEX call_reports_hcp ON call_reports(hcp_id, started_at);
CREATE TRIGGER call_reports_locked BEFORE UPDATE ON call_reports
    WHEN OLD.status = 'submitted' AND (
        NEW.notes IS NOT OLD.notes OR NEW.status IS NOT OLD.status OR NEW.topics IS NOT OLD.topics
        OR NEW.products IS NOT OLD.products OR NEW.samples IS NOT OLD.samples OR NEW.hcp_id IS NOT OLD.hcp_id
        OR NEW.started_at IS NOT OLD.started_at OR NEW.content_shown IS NOT OLD.content_shown)
    BEGIN SELECT RAISE(ABORT, 'submitted call report is immutable'); END;
CREATE TRIGGER call_reports_no_delete BEFORE DELETE ON call_reports
    WHEN OLD.status = 'submitted' AND (SELECT count(*) FROM hcps WHERE id = OLD.hcp_id) > 0
    BEGIN SELECT RAISE(ABORT, 'submitted call report is immutable'); END;
CREATE TABLE outbox (
    device_seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL,
    kind TEXT NOT NULL, entity_id TEXT NOT NULL, hcp_id TEXT, payload TEXT NOT NULL, created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', reason TEXT NOT NULL DEFAULT '', priority INTEGER NOT NULL DEFAULT 0,
    acked_at TEXT
);
CREATE INDEX outbox_pending ON outbox(status, priority, device_seq);
CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE pending_removals (hcp_id TEXT PRIMARY KEY, since_seq INTEGER NOT NULL);

CREATE VIRTUAL TABLE hcps_fts USING fts5(
    first_name, last_name, city, specialty_label, content='hcps', content_rowid='rowid'
);
CREATE TRIGGER hcps_ai AFTER INSERT ON hcps BEGIN
    INSERT INTO hcps_fts(rowid, first_name, last_name, city, specialty_label)
    VALUES (new.rowid, new.first_name, new.last_name, new.city, new.specialty_label);
END;
CREATE TRIGGER hcps_ad AFTER DELETE ON hcps BEGIN
    INSERT INTO hcps_fts(hcps_fts, rowid, first_name, last_name, city, specialty_label)
    VALUES ('delete', old.rowid, old.first_name, old.last_name, old.city, old.specialty_label);
END;
CREATE TRIGGER hcps_au AFTER UPDATE ON hcps BEGIN
    INSERT INTO hcps_fts(hcps_fts, rowid, first_name, last_name, city, specialty_label)
    VALUES ('delete', old.rowid, old.first_name, old.last_name, old.city, old.specialty_label);
    INSERT INTO hcps_fts(rowid, first_name, last_name, city, specialty_label)
    VALUES (new.rowid, new.first_name, new.last_name, new.city, new.specialty_label);
END;
CREATE VIRTUAL TABLE accounts_fts USING fts5(name, city, content='accounts', content_rowid='rowid');
CREATE TRIGGER accounts_ai AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_fts(rowid, name, city) VALUES (new.rowid, new.name, new.city);
END;
CREATE TRIGGER accounts_ad AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_fts(accounts_fts, rowid, name, city) VALUES ('delete', old.rowid, old.name, old.city);
END;
CREATE TRIGGER accounts_au AFTER UPDATE ON accounts BEGIN
    INSERT INTO accounts_fts(accounts_fts, rowid, name, city) VALUES ('delete', old.rowid, old.name, old.city);
    INSERT INTO accounts_fts(rowid, name, city) VALUES (new.rowid, new.name, new.city);
END;
CREATE VIRTUAL TABLE notes_fts USING fts5(notes, content='call_reports', content_rowid='rowid');
CREATE TRIGGER notes_ai AFTER INSERT ON call_reports BEGIN
    INSERT INTO notes_fts(rowid, notes) VALUES (new.rowid, new.notes);
END;
CREATE TRIGGER notes_ad AFTER DELETE ON call_reports BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, notes) VALUES ('delete', old.rowid, old.notes);
END;
CREATE TRIGGER notes_au AFTER UPDATE ON call_reports BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, notes) VALUES ('delete', old.rowid, old.notes);
    INSERT INTO notes_fts(rowid, notes) VALUES (new.rowid, new.notes);
END;
"""

V2_FEEDBACK_SAFETY = """
CREATE TABLE suggestion_feedback (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE, action TEXT NOT NULL,
    kind TEXT NOT NULL, at TEXT NOT NULL, suggestion_id TEXT, reason TEXT, note TEXT NOT NULL DEFAULT '',
    snooze_until TEXT
);
CREATE INDEX suggestion_feedback_hcp ON suggestion_feedback(hcp_id, at);
CREATE TABLE ae_intakes (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL, description TEXT NOT NULL, aware_at TEXT NOT NULL,
    created_at TEXT NOT NULL, call_report_id TEXT, product_id TEXT, reporter TEXT NOT NULL DEFAULT '',
    patient_details TEXT NOT NULL DEFAULT '', seriousness TEXT NOT NULL, categories TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, forwarded_at TEXT
);
CREATE TABLE screening_decisions (
    call_report_id TEXT PRIMARY KEY, decision TEXT NOT NULL, categories TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', intake_id TEXT
);
CREATE TABLE draft_autosave (
    key TEXT PRIMARY KEY, hcp_id TEXT, payload TEXT NOT NULL, saved_at TEXT NOT NULL
);
"""

V3_FOLLOW_UPS = """
CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE, journey TEXT NOT NULL,
    action TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, call_report_id TEXT, content_id TEXT,
    channel TEXT, due_at TEXT, sent_at TEXT, reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX follow_ups_hcp ON follow_ups(hcp_id, created_at);
CREATE TABLE data_change_requests (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE, changes TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'proposed',
    decided_at TEXT, reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX data_change_requests_hcp ON data_change_requests(hcp_id);
"""

V4_DCR_RESULTS = """
CREATE TABLE dcr_results (
    id TEXT PRIMARY KEY, hcp_id TEXT NOT NULL REFERENCES hcps(id) ON DELETE CASCADE, status TEXT NOT NULL,
    decided_at TEXT, reason TEXT NOT NULL DEFAULT '', changes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX dcr_results_hcp ON dcr_results(hcp_id);
"""

V5_RANKING_CACHE = """
CREATE TABLE ranking_cache (fingerprint TEXT PRIMARY KEY, day TEXT NOT NULL, created_at TEXT NOT NULL, payload BLOB);
"""

V6_MODEL_SCORERS = """
CREATE TABLE model_scorers (sha256 TEXT PRIMARY KEY, created_at TEXT NOT NULL, payload BLOB NOT NULL);
"""


# Nullable: a hub or a change logged by an earlier release sends rows without these columns.
V8 = """
ALTER TABLE content ADD COLUMN html_body TEXT DEFAULT '';
ALTER TABLE content ADD COLUMN link TEXT DEFAULT '';
ALTER TABLE content ADD COLUMN attachment TEXT DEFAULT '';
ALTER TABLE content ADD COLUMN withdrawn_at TEXT;
ALTER TABLE content ADD COLUMN withdrawn_reason TEXT DEFAULT '';
ALTER TABLE consents ADD COLUMN proof TEXT DEFAULT '';
"""

# Nullable: an intake recorded or queued by an earlier release has no triggering words.
V9 = """
ALTER TABLE ae_intakes ADD COLUMN triggers TEXT;
"""

#: outbox kinds whose payload is a row of a table with ';'-joined tuples before schema 7
_V7_PAYLOAD_TABLES = {"ae_intake.submit": "ae_intakes", "screening.decision": "screening_decisions"}


@lru_cache(maxsize=4096)
def _json_array(joined: str | None) -> str | None:
    """The JSON array of a ';'-joined text (exactly what the codec before schema 7 split)."""
    return joined if joined is None else json.dumps(joined.split(";") if joined else [])


def _tuples_as_json(conn: sqlite3.Connection) -> None:
    """Every tuple column a JSON array, like the call reports' always were: in the tables and in queued payloads."""
    conn.create_function("repcompanion_json_array", 1, _json_array, deterministic=True)
    try:
        for table, columns in PROTOCOL_1_JOINED.items():
            sets = ", ".join(f"{c} = repcompanion_json_array({c})" for c in columns)
            conn.execute(f"UPDATE {table} SET {sets}")
    finally:
        conn.create_function("repcompanion_json_array", 1, None)
    marks = ", ".join("?" * len(_V7_PAYLOAD_TABLES))
    queued = conn.execute(
        f"SELECT device_seq, kind, payload FROM outbox WHERE kind IN ({marks})", tuple(_V7_PAYLOAD_TABLES)
    ).fetchall()
    for device_seq, kind, payload in queued:
        row = json.loads(payload)
        for column in PROTOCOL_1_JOINED[_V7_PAYLOAD_TABLES[kind]]:
            if isinstance(row.get(column), str):
                row[column] = _json_array(row[column])
        conn.execute(
            "UPDATE outbox SET payload = ? WHERE device_seq = ?", (json.dumps(row, sort_keys=True), device_seq)
        )


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    """Run a script statement by statement (executescript would commit mid-migration)."""

    def run(conn: sqlite3.Connection) -> None:
        buffer = ""
        for line in sql.splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                conn.execute(buffer)
                buffer = ""
        if buffer.strip():
            conn.execute(buffer)

    return run


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core territory tables, outbox, sync state, full-text search", _script(V1_CORE)),
    Migration(
        2,
        "suggestion feedback, adverse-event intakes, screening decisions, draft autosave",
        _script(V2_FEEDBACK_SAFETY),
    ),
    Migration(3, "digital follow-ups and data change requests (synced down from the hub)", _script(V3_FOLLOW_UPS)),
    Migration(4, "decisions on the rep's data change requests (synced down)", _script(V4_DCR_RESULTS)),
    Migration(5, "the last ranking, for an instant first paint", _script(V5_RANKING_CACHE)),
    Migration(6, "compiled suggestion models, so ranking needs no scikit-learn", _script(V6_MODEL_SCORERS)),
    Migration(7, "topics and categories as JSON arrays, like every other tuple", _tuples_as_json),
    Migration(8, "approved HTML bodies, links, attachments and withdrawals of content; consent proof", _script(V8)),
    Migration(9, "the words that triggered an adverse-event intake's flag", _script(V9)),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='_migrations'").fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM _migrations").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, *, target: int | None = None, path: str = "workspace") -> list[int]:
    """Bring the schema up to ``target`` (default: latest); returns the versions applied.

    A database written by a newer app is refused untouched.
    """
    target = LATEST_VERSION if target is None else target
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise WorkspaceTooNewError(
            f"The workspace {path} was written by a newer RepCompanion (schema {current}; "
            f"this version understands up to {LATEST_VERSION})."
        )
    applied: list[int] = []
    for migration in MIGRATIONS:
        if migration.version <= current or migration.version > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TEXT NOT NULL)"
            )
            migration.apply(conn)
            conn.execute(
                "INSERT INTO _migrations(version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
            conn.execute(f"PRAGMA user_version = {migration.version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
