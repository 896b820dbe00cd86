"""The Workspace facade: what the app and the CLI use to read, change and sync a rep's territory."""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from repcompanion.domain import (
    CONTACT_EVENTS,
    Account,
    ActionType,
    AdverseEventIntake,
    Affiliation,
    CallReport,
    CallReportId,
    CallType,
    Channel,
    Consent,
    Content,
    DismissReason,
    EngagementEvent,
    EventType,
    FeedbackKind,
    FollowUpJob,
    Hcp,
    HcpId,
    NotFoundError,
    Product,
    Progress,
    ReportStatus,
    ScreeningDecision,
    ScreeningDecisionKind,
    Suggestion,
    SuggestionFeedback,
    effective_consent,
    no_progress,
    uuid7,
)
from repcompanion.store import Store
from repcompanion.workspace.paths import database_path, default_folder
from repcompanion.workspace.syncing import SyncMixin

log = logging.getLogger(__name__)
#: Pins the working day for demos and benchmarks (``YYYY-MM-DD``); unset, it is the calendar day.
TODAY_ENV = "REPCOMPANION_TODAY"


class Workspace(SyncMixin):
    """One rep's local territory: the store, plus the intelligence and sync that work on it."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._today_override: date | None = None
        self._client: Any = None
        self._credentials: Any = None
        self._priorities: Any = None
        self._key: bytes | None = None
        self._sync_conn: Store | None = None

    # -- opening ------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | None = None, *, passphrase: str | None = None) -> Workspace:
        """Open (creating if needed) the encrypted workspace in ``folder`` (default: the platform data folder).

        The database is SQLCipher-encrypted with a random key kept in the OS keyring; with no keyring the
        key comes from the rep's passphrase (PassphraseRequiredError asks for it). A plain workspace from an
        earlier version is encrypted in place first, every row verified.
        """
        from repcompanion.workspace.logs import register_store_names
        from repcompanion.workspace.security import unlock_workspace

        folder = Path(folder) if folder else default_folder()
        store, key = unlock_workspace(folder, passphrase=passphrase)
        register_store_names(store)
        ws = cls(store, folder)
        ws._key = key
        return ws

    @classmethod
    def exists(cls, folder: Path | None = None) -> bool:
        return database_path(Path(folder) if folder else None).exists()

    @classmethod
    def create_demo(
        cls,
        folder: Path | None = None,
        *,
        hcps: int = 300,
        seed: int = 7,
        state: str = "MA",
        today: date | None = None,
        progress: Progress = no_progress,
        passphrase: str | None = None,
    ) -> Workspace:
        """Generate a simulated territory and write it through the store into ``folder``."""
        from repcompanion.simulate import generate_territory

        progress(0.0, f"Generating a demo territory of {hcps} HCPs")
        demo = generate_territory(hcps=hcps, seed=seed, state=state, today=today or date.today())
        progress(0.6, "Writing it to the workspace")
        ws = cls.open(folder, passphrase=passphrase)
        ws.store.load_territory(
            territories=[demo.territory],
            accounts=demo.accounts,
            products=demo.products,
            content=demo.content,
            hcps=demo.hcps,
            alignments=demo.alignments,
            consents=demo.consents,
            call_plans=demo.call_plans,
            events=demo.events,
        )
        with ws.store.atomic():
            ws.store.sync_state.update(territory_id=demo.territory.id)
            ws.store.sync_state.set_value("demo", f"simulated: {hcps} HCPs, seed {seed}, state {state}")
            ws.store.sync_state.set_value("demo_today", demo.today.isoformat())
        progress(0.8, "Ranking today's priorities")
        ws.warm_ranking()
        progress(1.0, "Demo workspace ready")
        return ws

    def demo_from_nppes(
        self,
        nppes_path: Path,
        *,
        states: tuple[str, ...] = (),
        seed: int = 7,
        nucc_path: Path | None = None,
        progress: Progress = no_progress,
    ) -> Any:
        """Fill this workspace with real NPPES providers and a simulated history (labelled as simulated)."""
        from repcompanion.workspace.importing import demo_from_nppes

        return demo_from_nppes(
            self.store, nppes_path, states=states, seed=seed, nucc_path=nucc_path, today=self.today(), progress=progress
        )

    def export_fhir(self, out: Path, *, nucc_path: Path | None = None) -> int:
        """Write this territory's HCPs and institutions as a FHIR R4 Bundle; returns the entry count."""
        from repcompanion.workspace.importing import export_territory_fhir

        return export_territory_fhir(self.store, out, nucc_path=nucc_path)

    def import_file(self, fmt: str, path: Path, **options: Any) -> Any:
        """Import an NPPES or FHIR file into this workspace in one transaction; returns the import report."""
        from repcompanion.workspace.importing import import_file

        return import_file(self.store, fmt, path, **options)

    def close(self) -> None:
        if self._sync_conn is not None:
            self._sync_conn.close()
            self._sync_conn = None
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- time ---------------------------------------------------------------------------------------------

    def today(self) -> date:
        """The working day: today, or a pinned day (tests, demos; ``REPCOMPANION_TODAY=YYYY-MM-DD``)."""
        if self._today_override is not None:
            return self._today_override
        pinned = os.environ.get(TODAY_ENV)
        if pinned:
            try:
                return date.fromisoformat(pinned)
            except ValueError:
                log.warning("%s=%r is not a YYYY-MM-DD date; using today", TODAY_ENV, pinned)
        return date.today()

    def pin_today(self, day: date | None) -> None:
        self._today_override = day

    def now(self) -> datetime:
        d = self.today()
        now = datetime.now(UTC)
        return now if d == now.date() else datetime(d.year, d.month, d.day, 12, 0, tzinfo=UTC)

    # -- reading ------------------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        counts = self.store.table_counts()
        state = self.store.sync_state
        span = self.store.query("SELECT min(occurred_at) AS first, max(occurred_at) AS last FROM events")[0]
        return {
            "workspace": str(self.folder),
            "territory": self.territory_name(),
            "demo": state.get_value("demo") or "",
            **counts,
            "history_from": (span["first"] or "")[:10],
            "history_to": (span["last"] or "")[:10],
            "pending_uploads": self.store.outbox.pending_count(),
        }

    def territory_name(self) -> str:
        """The territory's name ("" before the first sync), without the counts ``summary`` gathers."""
        territory = self.store.territories.all()
        return territory[0].name if territory else ""

    def hcps(self) -> list[Hcp]:
        return self.store.hcps.all()

    def hcp(self, hcp_id: str) -> Hcp:
        return self.store.hcps.get(hcp_id)

    def search(self, text: str) -> list[HcpId]:
        return self.store.search_hcps(text)

    def accounts(self) -> list[Account]:
        return self.store.accounts.all()

    def affiliations(self, hcp_id: str) -> list[tuple[Account, Affiliation]]:
        result = []
        for aff in self.hcp(hcp_id).affiliations:
            account = self.store.accounts.find(aff.account_id)
            if account is not None:
                result.append((account, aff))
        return result

    def consents(self, hcp_id: str) -> dict[Channel, Consent | None]:
        records = self.store.consents.where("hcp_id = ?", [hcp_id])
        at = self.now()
        result: dict[Channel, Consent | None] = {}
        for channel in Channel:
            c = effective_consent(records, channel, at)
            result[channel] = c
        return result

    def timeline(self, hcp_id: str, limit: int = 200) -> list[EngagementEvent]:
        return self.store.events.where("hcp_id = ?", [hcp_id], order_by="occurred_at DESC")[:limit]

    def call_plan_progress(self, hcp_id: str) -> tuple[int, int]:
        """(visits held in the current call-plan period, visits planned)."""
        day = self.today().isoformat()
        plans = self.store.call_plans.where("hcp_id = ? AND period_start <= ? AND period_end >= ?", [hcp_id, day, day])
        if not plans:
            return 0, self.hcp(hcp_id).planned_visits
        plan = plans[0]
        done = self.store.events.count(
            "hcp_id = ? AND type = ? AND occurred_at >= ? AND occurred_at <= ?",
            [hcp_id, EventType.VISIT.value, plan.period_start.isoformat(), plan.period_end.isoformat() + "T23:59:59"],
        )
        return done, plan.planned_visits

    def products(self) -> list[Product]:
        return self.store.products.all()

    def content(self) -> list[Content]:
        return self.store.content.all()

    def approved_content(self, hcp_id: str) -> list[Content]:
        """Content that may be used with this HCP today: MLR-approved, in date, for the HCP's specialty."""
        specialty = self.hcp(hcp_id).specialty_code
        day = self.today()
        return [c for c in self.store.content.all() if c.is_valid_on(day) and c.is_for_specialty(specialty)]

    def topics(self) -> list[str]:
        """Topics of the approved catalogue, most used first."""
        counts: Counter[str] = Counter()
        day = self.today()
        for c in self.store.content.all():
            if c.is_valid_on(day):
                counts.update(c.topics)
        return [t for t, _ in counts.most_common()]

    # -- visits -------------------------------------------------------------------------------------------

    def call_reports(self, hcp_id: str) -> list[CallReport]:
        return self.store.call_reports_for(hcp_id)

    def call_report(self, report_id: str) -> CallReport:
        return self.store.call_report(report_id)

    def new_visit(self, hcp_id: str, *, call_type: CallType = CallType.IN_PERSON) -> CallReport:
        if self.store.hcps.find(hcp_id) is None:
            raise NotFoundError(f"No HCP with id {hcp_id} in this territory.")
        return CallReport(CallReportId(uuid7()), HcpId(hcp_id), self.now().replace(microsecond=0), call_type)

    def save_draft(self, report: CallReport) -> CallReport:
        return self.store.save_draft(report)

    def submit_visit(self, report: CallReport, *, confirm_empty: bool = False) -> CallReport:
        """Lock the report, queue it for the hub and record the visit in the HCP's timeline.

        A visit with no product, topic, content, sample or note is refused (EmptyVisitError) unless
        ``confirm_empty``. The note is screened first: a possible adverse event needs the rep's recorded
        decision (``record_screening``) or the submit is refused with ScreeningRequiredError (the draft is kept).
        """
        from repcompanion.domain import visit_event
        from repcompanion.workspace import safety
        from repcompanion.workspace.visits import EmptyVisitError, is_empty_visit

        if is_empty_visit(report) and not confirm_empty:
            raise EmptyVisitError("This visit has no product, topic or note; it was not submitted.")
        self.save_draft(report)
        safety.check_before_submit(self.store, report)
        with self.store.atomic():
            submitted = self.store.submit_call_report(report)
            visit = visit_event(submitted)
            self.store.events.upsert_many([visit])
        if self._priorities is not None:
            self._priorities.events_added([visit], self.today())
        return submitted

    # -- priorities ---------------------------------------------------------------------------------------

    @property
    def _ranking(self) -> Any:
        if self._priorities is None:
            from repcompanion.workspace.priorities import Priorities

            self._priorities = Priorities(self.store, self.folder)
        return self._priorities

    def priorities(self, day: date | None = None, *, top: int | None = None) -> list[Suggestion]:
        """Today's ranked next-best actions, one per HCP, each with its exact explanation."""
        return self._ranking.ranked(day or self.today(), top)

    def priority_lines(self, day: date | None = None) -> list[Any]:
        """The day's ranking as light list lines (``ranking_cache.RankedLine``), best first; for lists that show
        one line per HCP without each suggestion's full explanation."""
        return self._ranking.ranked_lines(day or self.today())

    def previous_priority_lines(self, day: date | None = None) -> tuple[date, list[Any]] | None:
        """The last ranking kept, with the day it was made for, when it is out of date (None when current)."""
        return self._ranking.previous_lines(day or self.today())

    def suggestions_for(self, hcp_id: str, day: date | None = None) -> list[Suggestion]:
        """The HCP's current suggestion (empty when every action is blocked; see ``blocked_for``)."""
        s = self._ranking.for_hcp(hcp_id, day or self.today())
        return [s] if s is not None else []

    def blocked_for(self, hcp_id: str, day: date | None = None) -> dict[str, str]:
        """Every action (or action:content) the rules block for this HCP, with the rule's reason."""
        return self._ranking.blocked(hcp_id, day or self.today())

    def give_feedback(
        self,
        hcp_id: str,
        action: ActionType,
        kind: FeedbackKind,
        *,
        reason: DismissReason | None = None,
        snooze_until: date | None = None,
        note: str = "",
    ) -> SuggestionFeedback:
        """Accept, dismiss (with a reason), snooze (until a date) or complete: the ranking changes at once."""
        return self._ranking.feedback(
            hcp_id, action, kind, self.today(), reason=reason, snooze_until=snooze_until, note=note
        )

    # -- day plan -----------------------------------------------------------------------------------------

    def plan_day(
        self,
        day: date | None = None,
        *,
        start: tuple[float, float] | None = None,
        hours: tuple[Any, Any] | None = None,
        locked: Any = (),
        time_limit_s: float = 1.0,
    ) -> Any:
        """Route the day's most valuable allowed visits into the working hours; returns (plan, candidates, settings)."""
        from repcompanion.workspace import planning

        day = day or self.today()
        engine_candidates = self._ranking.engine(day).candidates(day)
        return planning.plan(
            self.store, engine_candidates, day, start=start, hours=hours, locked=locked, time_limit_s=time_limit_s
        )

    def replan(self, plan: Any, order: list[str], candidates: Any, settings: Any, locked: Any = ()) -> Any:
        """Keep the rep's order (drag to reorder), recompute the times; PlanError names a visit that cannot fit."""
        from repcompanion.workspace.planning import recompute_times

        return recompute_times(order, candidates, settings, locked)

    def replace_cancelled(self, plan: Any, hcp_id: str, candidates: Any, settings: Any) -> Any:
        """Fill a cancelled visit's slot with the best nearby candidate; the other visits stay as they are."""
        from repcompanion.workspace.planning import replace_cancelled

        return replace_cancelled(plan, hcp_id, candidates, settings)

    def export_ics(self, plan: Any, path: Path) -> Path:
        """Write the day to an .ics calendar file (Outlook, Google Calendar)."""
        from repcompanion.workspace.planning import to_ics

        path.write_bytes(to_ics(plan))
        return path

    def set_plan_start(self, latitude: float, longitude: float) -> None:
        """Remember where the rep's day starts (home or office)."""
        self.store.sync_state.set_value("plan_start", f"{latitude},{longitude}")

    # -- follow-ups and last contacts -----------------------------------------------------------------------

    def follow_ups_for(self, hcp_id: str) -> list[FollowUpJob]:
        """The digital follow-ups journeys planned for this HCP, newest first, with their delivery status."""
        return self.store.follow_ups.where("hcp_id = ?", [hcp_id], order_by="created_at DESC")

    def last_contacts(self) -> dict[str, date]:
        """The day of each HCP's most recent company-initiated contact (visit, call, email, invitation).

        One short backwards walk of the (hcp_id, occurred_at) index per HCP: contacts are frequent, so each
        walk stops after a few rows (a GROUP BY over the whole history takes seconds on a large territory).
        """
        marks = ",".join("?" * len(CONTACT_EVENTS))
        rows = self.store.query(
            "SELECT h.id AS hcp_id, (SELECT e.occurred_at FROM events e WHERE e.hcp_id = h.id "
            f"AND e.type IN ({marks}) ORDER BY e.occurred_at DESC LIMIT 1) AS last FROM hcps h",
            [e.value for e in CONTACT_EVENTS],
        )
        return {r["hcp_id"]: date.fromisoformat(r["last"][:10]) for r in rows if r["last"]}

    def visits_logged_on(self, day: date) -> int:
        """Call reports the rep submitted for visits held on ``day`` (the day's progress)."""
        rows = self.store.query(
            "SELECT count(*) AS n FROM call_reports WHERE status = ? AND substr(started_at, 1, 10) = ?",
            [ReportStatus.SUBMITTED.value, day.isoformat()],
        )
        return int(rows[0]["n"]) if rows else 0

    # -- note safety --------------------------------------------------------------------------------------

    def screen_note(self, text: str) -> Any:
        """Screen visit-note text for possible adverse events and complaints (offline)."""
        from repcompanion.workspace import safety

        return safety.screen(text)

    def check_restricted(self, text: str) -> list[Any]:
        from repcompanion.workspace import safety

        return safety.restricted(text)

    def draft_intake(self, report: CallReport, result: Any | None = None) -> AdverseEventIntake:
        """An adverse-event intake prefilled from the note; the 24-hour clock starts now."""
        from repcompanion.workspace import safety

        result = result if result is not None else self.screen_note(report.notes)
        reporter = self.store.sync_state.get().user or "field representative"
        return safety.draft_intake(report, result, reporter=reporter, aware_at=datetime.now(UTC).replace(microsecond=0))

    def record_screening(
        self,
        report: CallReport,
        decision: ScreeningDecisionKind,
        *,
        reason: str = "",
        intake: AdverseEventIntake | None = None,
    ) -> ScreeningDecision:
        """Record 'report' (with its intake, queued ahead of everything) or 'not an adverse event' + reason.

        A draft is saved with the decision, in the same transaction.
        """
        from repcompanion.workspace import safety

        result = self.screen_note(report.notes)
        with self.store.atomic():
            if not report.submitted:
                self.save_draft(report)
            return safety.record_decision(
                self.store,
                report,
                decision,
                categories=tuple(result.categories),
                at=datetime.now(UTC),
                reason=reason,
                intake=intake,
            )

    def report_intake(self, report: CallReport, intake: AdverseEventIntake) -> AdverseEventIntake:
        """Report ``intake`` now: it is queued for the hub ahead of everything, with the 'report' decision, and
        ``report`` is kept as a draft — one transaction, whatever becomes of the visit afterwards."""
        self.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake)
        reported = self.store.intake(intake.id)
        assert reported is not None
        return reported

    def intakes(self) -> list[AdverseEventIntake]:
        return self.store.intakes()

    def overdue_intakes(self) -> list[AdverseEventIntake]:
        now = datetime.now(UTC)
        return [i for i in self.store.intakes() if i.overdue(now)]

    # -- autosave -----------------------------------------------------------------------------------------

    def autosave(self, key: str, payload: dict[str, Any], hcp_id: str | None = None) -> None:
        self.store.autosave(key, payload, hcp_id)

    def autosaved(self) -> dict[str, dict[str, Any]]:
        return self.store.autosaved()

    def discard_autosave(self, key: str) -> None:
        self.store.discard_autosave(key)

    def warm_ranking(self) -> None:
        """Rank today now (on the caller's worker thread) so the app's next list appears at once.

        A ranking that fails here must not fail the sync or the import that called it; it is logged and the
        app ranks again (and reports the error) when the list is shown.
        """
        try:
            self.priorities()
        except Exception:
            log.exception("ranking after a data change failed; it will run again on demand")

    # -- numbers ------------------------------------------------------------------------------------------

    def numbers(self, weeks: int = 12) -> dict[str, Any]:
        """Call-plan attainment, reach and frequency against targets, suggestion acceptance, engagement trend."""
        from repcompanion.workspace.numbers import numbers

        return numbers(self, weeks)
