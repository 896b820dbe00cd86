"""The local workspace store: one SQLite file, repositories that return domain records, atomic writes."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from repcompanion.domain.enums import FollowUpStatus, IntakeStatus, MutationKind, ReportStatus
from repcompanion.domain.errors import ImmutableRecordError, NotFoundError, ValidationError
from repcompanion.domain.ids import HcpId
from repcompanion.domain.models import (
    Account,
    AdverseEventIntake,
    Alignment,
    CallPlan,
    CallReport,
    Consent,
    Content,
    EngagementEvent,
    FollowUpJob,
    Hcp,
    Product,
    ScreeningDecision,
    SuggestionFeedback,
    Territory,
)
from repcompanion.domain.rows import (
    SYNCED_TABLES,
    Row,
    call_report_from_row,
    call_report_to_row,
    consent_to_row,
    decision_from_row,
    decision_to_row,
    feedback_from_row,
    feedback_to_row,
    intake_from_row,
    intake_to_row,
)
from repcompanion.store.activity import Activity
from repcompanion.store.caches import CompiledModels, RankingCache
from repcompanion.store.change_requests import ChangeRequests
from repcompanion.store.db import open_connection, translate_error
from repcompanion.store.migrations import migrate
from repcompanion.store.outbox import PRIORITY_NORMAL, PRIORITY_SAFETY, Outbox
from repcompanion.store.state import SyncStateRepository
from repcompanion.store.tables import TableRepository, dict_rows, repository, upsert_sql

_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str:
    """A safe FTS5 prefix query from free text: every word must match (as a prefix)."""
    return " ".join(f'"{t}"*' for t in _FTS_TOKEN.findall(text))


class Store:
    """The workspace database. All multi-row writes go through ``atomic()``."""

    def __init__(self, conn: sqlite3.Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = Path(path)
        self._tx_depth = 0
        self._lock = threading.RLock()
        self.territories: TableRepository[Territory] = repository(conn, "territories")
        self.accounts: TableRepository[Account] = repository(conn, "accounts")
        self.products: TableRepository[Product] = repository(conn, "products")
        self.content: TableRepository[Content] = repository(conn, "content")
        self.hcps: TableRepository[Hcp] = repository(conn, "hcps")
        self.alignments: TableRepository[Alignment] = repository(conn, "alignments")
        self.consents: TableRepository[Consent] = repository(conn, "consents")
        self.call_plans: TableRepository[CallPlan] = repository(conn, "call_plans")
        self.events: TableRepository[EngagementEvent] = repository(conn, "events")
        self.follow_ups: TableRepository[FollowUpJob] = repository(conn, "follow_ups")
        self.sync_state = SyncStateRepository(conn)
        self.outbox = Outbox(conn, self.sync_state.device_id())
        self.activity = Activity(conn)
        self.change_requests = ChangeRequests(self)
        self.ranking_cache = RankingCache(self)
        self.compiled_models = CompiledModels(self)

    # -- transactions -------------------------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[Store]:
        """One transaction (nested calls become savepoints): all of it is written, or none."""
        with self._lock:
            depth = self._tx_depth
            name = f"sp{depth}"
            try:
                self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            except sqlite3.OperationalError as exc:
                raise translate_error(exc, self.path) from exc
            self._tx_depth += 1
            try:
                yield self
            except BaseException:
                self._tx_depth -= 1
                self.conn.execute("ROLLBACK" if depth == 0 else f"ROLLBACK TO {name}")
                if depth:
                    self.conn.execute(f"RELEASE {name}")
                raise
            self._tx_depth -= 1
            self.conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")

    def close(self) -> None:
        # Checkpoint through a statement first: sqlite3's close() runs the final checkpoint holding the GIL
        # (tens of ms after a big download), which froze the window; a statement releases it while it works.
        with suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        self.conn.close()

    # -- bulk territory load ----------------------------------------------------------------------------

    def load_territory(
        self,
        *,
        territories: Iterable[Territory] = (),
        accounts: Iterable[Account] = (),
        products: Iterable[Product] = (),
        content: Iterable[Content] = (),
        hcps: Iterable[Hcp] = (),
        alignments: Iterable[Alignment] = (),
        consents: Iterable[Consent] = (),
        call_plans: Iterable[CallPlan] = (),
        events: Iterable[EngagementEvent] = (),
    ) -> dict[str, int]:
        """Write a whole territory in one transaction; returns rows written per table."""
        written: dict[str, int] = {}
        pairs: tuple[tuple[TableRepository[Any], Iterable[Any]], ...] = (
            (self.territories, territories),
            (self.accounts, accounts),
            (self.products, products),
            (self.content, content),
            (self.hcps, hcps),
            (self.alignments, alignments),
            (self.consents, consents),
            (self.call_plans, call_plans),
            (self.events, events),
        )
        with self.atomic():
            for repo, records in pairs:
                written[repo.table] = repo.upsert_many(records)
        return written

    def table_counts(self) -> dict[str, int]:
        return {t: int(self.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in SYNCED_TABLES}

    # -- one HCP's records ----------------------------------------------------------------------------------

    def hcp_names(self) -> list[tuple[str, str]]:
        """(first name, last name) of every HCP."""
        return [(str(f or ""), str(la or "")) for f, la in self.conn.execute("SELECT first_name, last_name FROM hcps")]

    def specialties(self) -> dict[str, str]:
        """The territory's specialties: NUCC code → the name the HCPs carry."""
        rows = self.conn.execute("SELECT DISTINCT specialty_code, specialty_label FROM hcps WHERE specialty_code != ''")
        return {str(code): str(text) for code, text in rows}

    def hcp_locations(self) -> list[tuple[float, float]]:
        """(latitude, longitude) of every HCP whose location is known."""
        return self.conn.execute("SELECT latitude, longitude FROM hcps WHERE latitude IS NOT NULL").fetchall()

    def consents_for(self, hcp_id: str) -> list[Consent]:
        return self.consents.where("hcp_id = ?", [hcp_id])

    def events_for(self, hcp_id: str, limit: int) -> list[EngagementEvent]:
        """The HCP's latest ``limit`` engagement events, newest first."""
        return self.events.where("hcp_id = ?", [hcp_id], order_by=f"occurred_at DESC LIMIT {int(limit)}")

    def call_plan_on(self, hcp_id: str, day: date) -> CallPlan | None:
        """The HCP's call plan whose period holds ``day``."""
        iso = day.isoformat()
        plans = self.call_plans.where("hcp_id = ? AND period_start <= ? AND period_end >= ?", [hcp_id, iso, iso])
        return plans[0] if plans else None

    def follow_ups_for(self, hcp_id: str) -> list[FollowUpJob]:
        """The HCP's digital follow-ups, newest first."""
        return self.follow_ups.where("hcp_id = ?", [hcp_id], order_by="created_at DESC")

    def scheduled_follow_ups(self, action: str) -> list[FollowUpJob]:
        """Follow-ups of kind ``action`` still scheduled, across the territory."""
        return self.follow_ups.where("action = ? AND status = ?", [action, FollowUpStatus.SCHEDULED.value])

    # -- search -------------------------------------------------------------------------------------------

    def search_hcps(self, text: str, limit: int = 200) -> list[HcpId]:
        """HCPs whose name, specialty, town, institution or visit notes match every word of ``text``."""
        query = fts_query(text)
        if not query:
            return []
        sql = """
            SELECT h.id FROM hcps_fts f JOIN hcps h ON h.rowid = f.rowid WHERE hcps_fts MATCH :q
            UNION
            SELECT h.id FROM accounts_fts af JOIN accounts a ON a.rowid = af.rowid
                JOIN hcps h ON EXISTS (SELECT 1 FROM json_each(h.affiliations) j
                                        WHERE json_extract(j.value, '$.account_id') = a.id)
                WHERE accounts_fts MATCH :q
            UNION
            SELECT r.hcp_id FROM notes_fts nf JOIN call_reports r ON r.rowid = nf.rowid WHERE notes_fts MATCH :q
            LIMIT :limit
        """
        return [HcpId(r[0]) for r in self.conn.execute(sql, {"q": query, "limit": limit})]

    def search_accounts(self, text: str, limit: int = 200) -> list[str]:
        """Accounts whose name or town matches every word of ``text``."""
        query = fts_query(text)
        if not query:
            return []
        sql = (
            "SELECT a.id FROM accounts_fts af JOIN accounts a ON a.rowid = af.rowid WHERE accounts_fts MATCH ? LIMIT ?"
        )
        return [str(r[0]) for r in self.conn.execute(sql, (query, limit))]

    def search_npi(self, digits: str, limit: int = 200) -> tuple[list[HcpId], list[str]]:
        """(HCPs, accounts) whose NPI starts with ``digits``."""
        if not digits.isdigit():
            return [], []
        upper = digits[:-1] + chr(ord(digits[-1]) + 1)  # every text starting with ``digits`` sorts below this
        hcps = self.conn.execute("SELECT id FROM hcps WHERE npi >= ? AND npi < ? LIMIT ?", (digits, upper, limit))
        accounts = self.conn.execute(
            "SELECT id FROM accounts WHERE npi >= ? AND npi < ? LIMIT ?", (digits, upper, limit)
        )
        return [HcpId(r[0]) for r in hcps], [str(r[0]) for r in accounts]

    # -- call reports -------------------------------------------------------------------------------------

    def call_report(self, report_id: str) -> CallReport:
        row = self._one("SELECT * FROM call_reports WHERE id = ?", (report_id,))
        if row is None:
            raise NotFoundError(f"No call report with id {report_id}.")
        return call_report_from_row(row)

    def call_reports_for(self, hcp_id: str) -> list[CallReport]:
        return [
            call_report_from_row(r)
            for r in self._all("SELECT * FROM call_reports WHERE hcp_id = ? ORDER BY started_at DESC", (hcp_id,))
        ]

    def call_report_ids(self, status: ReportStatus) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT id FROM call_reports WHERE status = ?", (status.value,))}

    def call_reports(self, status: ReportStatus | None = None) -> list[CallReport]:
        if status is None:
            return [call_report_from_row(r) for r in self._all("SELECT * FROM call_reports ORDER BY started_at")]
        return [
            call_report_from_row(r)
            for r in self._all("SELECT * FROM call_reports WHERE status = ? ORDER BY started_at", (status.value,))
        ]

    def save_draft(self, report: CallReport) -> CallReport:
        """Save a draft (local only; nothing is pushed until it is submitted)."""
        if report.submitted:
            raise ValidationError("use submit_call_report() for submitted reports")
        with self.atomic():
            report = self._stamped_unsubmitted(report, "was submitted and cannot be changed")
            self._upsert_row("call_reports", call_report_to_row(report))
        return report

    def submit_call_report(self, report: CallReport, at: datetime | None = None) -> CallReport:
        """Lock the report and queue it for the hub, in one transaction."""
        with self.atomic():
            base = self._stamped_unsubmitted(report, "was already submitted")
            submitted = base.submit(at or datetime.now(UTC)) if not base.submitted else base
            row = call_report_to_row(submitted)
            self._upsert_row("call_reports", row)
            self.outbox.enqueue(MutationKind.CALL_REPORT_SUBMIT, submitted.id, row, hcp_id=submitted.hcp_id)
            self.conn.execute("DELETE FROM draft_autosave WHERE key = ?", (f"report:{submitted.id}",))
        return submitted

    def _stamped_unsubmitted(self, report: CallReport, locked: str) -> CallReport:
        """``report`` with this device and a creation time, once it is known to be unlocked and its HCP here."""
        existing = self._one("SELECT status FROM call_reports WHERE id = ?", (report.id,))
        if existing and existing["status"] == ReportStatus.SUBMITTED.value:
            raise ImmutableRecordError(f"call report {report.id} {locked}")
        if self._one("SELECT 1 AS x FROM hcps WHERE id = ?", (report.hcp_id,)) is None:
            raise NotFoundError(f"No HCP with id {report.hcp_id} in this territory.")
        return replace(
            report,
            device_id=report.device_id or self.outbox.device_id,
            created_at=report.created_at or datetime.now(UTC),
        )

    # -- feedback, safety ---------------------------------------------------------------------------------

    def capture_consent(self, consent: Consent) -> None:
        """Keep a consent the rep captured and queue it for the hub (``consent.capture``), in one transaction."""
        with self.atomic():
            row = consent_to_row(consent)
            self._upsert_row("consents", row)
            self.outbox.enqueue(MutationKind.CONSENT_CAPTURE, consent.id, row, hcp_id=consent.hcp_id)

    def add_feedback(self, feedback: SuggestionFeedback) -> None:
        with self.atomic():
            row = feedback_to_row(feedback)
            self._upsert_row("suggestion_feedback", row)
            self.outbox.enqueue(MutationKind.SUGGESTION_FEEDBACK, feedback.id, row, hcp_id=feedback.hcp_id)

    def feedback(self, hcp_id: str | None = None) -> list[SuggestionFeedback]:
        if hcp_id is None:
            rows = self._all("SELECT * FROM suggestion_feedback ORDER BY at")
        else:
            rows = self._all("SELECT * FROM suggestion_feedback WHERE hcp_id = ? ORDER BY at", (hcp_id,))
        return [feedback_from_row(r) for r in rows]

    def record_screening(self, decision: ScreeningDecision, intake: AdverseEventIntake | None = None) -> None:
        """Record the rep's decision on a flagged note (and the intake, queued first for the hub)."""
        with self.atomic():
            row = decision_to_row(decision)
            cols = tuple(row)
            self.conn.execute(
                f"INSERT OR REPLACE INTO screening_decisions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                tuple(row[c] for c in cols),
            )
            if intake is not None:
                self.save_intake(intake)
            self.outbox.enqueue(MutationKind.SCREENING_DECISION, decision.call_report_id, row, priority=PRIORITY_NORMAL)

    def screening_decision(self, report_id: str) -> ScreeningDecision | None:
        row = self._one("SELECT * FROM screening_decisions WHERE call_report_id = ?", (report_id,))
        return decision_from_row(row) if row else None

    def save_intake(self, intake: AdverseEventIntake, *, queue: bool = True) -> None:
        with self.atomic():
            row = intake_to_row(intake)
            self._upsert_row("ae_intakes", row)
            if queue and intake.status is IntakeStatus.QUEUED:
                self.outbox.enqueue(
                    MutationKind.AE_INTAKE, intake.id, row, hcp_id=intake.hcp_id, priority=PRIORITY_SAFETY
                )

    def intakes(self) -> list[AdverseEventIntake]:
        return [intake_from_row(r) for r in self._all("SELECT * FROM ae_intakes ORDER BY aware_at")]

    def intake(self, intake_id: str) -> AdverseEventIntake | None:
        row = self._one("SELECT * FROM ae_intakes WHERE id = ?", (intake_id,))
        return intake_from_row(row) if row else None

    # -- autosaved drafts ---------------------------------------------------------------------------------

    def autosave(self, key: str, payload: dict[str, Any], hcp_id: str | None = None) -> None:
        """Keep whatever the rep has typed so a crash or forced quit loses nothing."""
        self.conn.execute(
            "INSERT INTO draft_autosave(key, hcp_id, payload, saved_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET payload = excluded.payload, saved_at = excluded.saved_at",
            (key, hcp_id, json.dumps(payload), datetime.now(UTC).isoformat()),
        )

    def autosaved(self, key: str | None = None) -> dict[str, dict[str, Any]]:
        rows = (
            self._all("SELECT key, payload FROM draft_autosave ORDER BY saved_at")
            if key is None
            else self._all("SELECT key, payload FROM draft_autosave WHERE key = ?", (key,))
        )
        return {r["key"]: json.loads(r["payload"]) for r in rows}

    def discard_autosave(self, key: str) -> None:
        self.conn.execute("DELETE FROM draft_autosave WHERE key = ?", (key,))

    # -- replica (sync down) ------------------------------------------------------------------------------

    def remove_hcp(self, hcp_id: str, *, since_seq: int = 0) -> bool:
        """Purge an HCP and its dependent rows unless a pending upload refers to it; True if purged."""
        with self.atomic():
            if self.outbox.pending_for_hcp(hcp_id):
                self.conn.execute(
                    "INSERT OR IGNORE INTO pending_removals(hcp_id, since_seq) VALUES (?, ?)", (hcp_id, since_seq)
                )
                return False
            # Every row that hangs off the HCP (its call reports too) goes with it: ON DELETE CASCADE.
            self.conn.execute("DELETE FROM hcps WHERE id = ?", (hcp_id,))
            self.conn.execute("DELETE FROM pending_removals WHERE hcp_id = ?", (hcp_id,))
            return True

    def purge_pending_removals(self) -> list[str]:
        """After a push: purge HCPs that left the territory and no longer have pending uploads."""
        purged = []
        for (hcp_id,) in self.conn.execute("SELECT hcp_id FROM pending_removals").fetchall():
            if self.remove_hcp(hcp_id):
                purged.append(hcp_id)
        return purged

    def pending_removals(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT hcp_id FROM pending_removals ORDER BY hcp_id")]

    # -- helpers ------------------------------------------------------------------------------------------

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(dict_rows(self.conn.execute(sql, params)))

    def _upsert_row(self, table: str, row: Row) -> None:
        self.conn.execute(upsert_sql(table, tuple(row)), tuple(row.values()))

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Read-only SQL for reports and feature extraction."""
        return self._all(sql, params)

    def integrity_problems(self) -> list[str]:
        """Foreign-key and reference problems, in words (empty when the territory is whole)."""
        problems = [
            f"{r[0]} row {r[1]} refers to a missing {r[2]}" for r in self.conn.execute("PRAGMA foreign_key_check")
        ]
        checks = {
            "events with unknown content": "SELECT count(*) FROM events e WHERE e.content_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM content c WHERE c.id = e.content_id)",
            "events with unknown product": "SELECT count(*) FROM events e WHERE e.product_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.id = e.product_id)",
            "affiliations to unknown accounts": "SELECT count(*) FROM hcps h, json_each(h.affiliations) j "
            "WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = json_extract(j.value, '$.account_id'))",
        }
        for label, sql in checks.items():
            n = int(self.conn.execute(sql).fetchone()[0])
            if n:
                problems.append(f"{n} {label}")
        return problems


def open_store(path: Path | str, *, key: bytes | None = None) -> Store:
    """Open or create the workspace database at ``path`` and bring its schema up to date."""
    conn = open_connection(path, key=key)
    try:
        migrate(conn, path=str(path))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise translate_error(exc, path) from exc
    except BaseException:
        conn.close()
        raise
    return Store(conn, path)
