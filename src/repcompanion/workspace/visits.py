"""A rep's visits: new, saved, screened and submitted call reports, adverse-event intakes, and drafts to finish."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from itertools import islice
from typing import TYPE_CHECKING

from repcompanion.domain import (
    ActionType,
    AdverseEventIntake,
    CallReport,
    CallReportId,
    CallType,
    FeedbackId,
    FeedbackKind,
    HcpId,
    NotFoundError,
    ReportStatus,
    ScreeningDecision,
    ScreeningDecisionKind,
    SuggestionFeedback,
    ValidationError,
    uuid7,
    visit_event,
)
from repcompanion.workspace import safety
from repcompanion.workspace.changes import Changes, Outcome
from repcompanion.workspace.ui_support import report_from_payload, report_to_payload

if TYPE_CHECKING:
    from repcompanion.intel.safety import RestrictedHit, ScreenResult
    from repcompanion.workspace.core import Workspace

log = logging.getLogger(__name__)
#: Autosave slots of visit notes start with this (``autosave_key``); other autosaves are not visits.
AUTOSAVE_PREFIX = "visit:"
#: The note on the feedback a submitted visit records for the suggestion it did.
VISIT_DONE_NOTE = "done: visit logged"
#: Notes screened per model call by ``VisitManager.screen_lines``.
SCREEN_BATCH = 64

DecisionChoice = tuple[ScreeningDecisionKind, str, AdverseEventIntake | None]
"""The rep's decision on a flagged note: (kind, reason, intake) as ``VisitManager.record_screening`` takes it."""


def autosave_key(report_id: str) -> str:
    """The workspace autosave slot of the report ``report_id`` (restored after a crash)."""
    return f"{AUTOSAVE_PREFIX}{report_id}"


class EmptyVisitError(ValidationError):
    hint = "Tick a product or a topic, or write a note. If nothing was discussed, confirm that you want to log it."


def is_empty_visit(report: CallReport) -> bool:
    """Nothing recorded: no product, topic, content shown, sample or note."""
    return not (report.products or report.topics or report.content_shown or report.samples or report.notes.strip())


class DraftSafety(StrEnum):
    """Where a visit stands with note safety."""

    CLEAR = "clear"  # nothing flagged
    UNDECIDED = "undecided"  # the note may describe an adverse event and the rep has not decided yet
    REPORTED = "reported"  # an intake was reported and is queued (or sent)
    NOT_AN_AE = "not_an_ae"  # the rep decided it is not an adverse event, with a reason


@dataclass(frozen=True)
class VisitSafety:
    """A visit's note screened now, with the decision and intake recorded for it."""

    screen: ScreenResult | None  # None for an empty note
    restricted: list[RestrictedHit]
    decision: ScreeningDecision | None
    intake: AdverseEventIntake | None

    @property
    def state(self) -> DraftSafety:
        if self.decision is not None:
            if self.decision.decision is ScreeningDecisionKind.REPORT:
                return DraftSafety.REPORTED
            return DraftSafety.NOT_AN_AE
        if self.screen is not None and self.screen.flag:
            return DraftSafety.UNDECIDED
        return DraftSafety.CLEAR


@dataclass(frozen=True)
class DraftVisit:
    """A visit not submitted yet, as last written, with its note's safety state."""

    report: CallReport  # the autosaved copy when it is newer than the saved draft
    hcp_name: str
    saved: bool  # a draft was saved (else only an autosaved copy exists: the app stopped before a save)
    unsaved_changes: bool  # an autosaved copy holds changes the saved draft does not
    safety: VisitSafety


@dataclass(frozen=True)
class VisitSave:
    """What ``VisitManager.save`` did: the report as saved (or submitted), its note screened, and the changes."""

    report: CallReport
    screen: ScreenResult
    restricted: tuple[RestrictedHit, ...]
    submitted: bool
    decided: bool  # a decision on the flagged note is recorded
    changes: Changes


@dataclass(frozen=True)
class ReportedIntake:
    """An adverse event reported from a visit: the queued intake, the visit kept as a draft, and the changes."""

    intake: AdverseEventIntake
    report: CallReport
    changes: Changes


def _as_last_written(saved: CallReport | None, autosaved: CallReport | None) -> tuple[CallReport, bool]:
    """The newer of a draft and its autosaved copy, and whether the copy holds changes the draft does not."""
    if saved is None or autosaved is None or saved.submitted:
        report = saved or autosaved
        assert report is not None
        return report, saved is None
    if report_to_payload(autosaved) == report_to_payload(saved):
        return saved, False
    return replace(autosaved, created_at=saved.created_at, device_id=saved.device_id), True


class VisitManager:
    """``ws.visits``: log a visit, screen its note, report an adverse event, submit, and finish drafts."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    # -- call reports -----------------------------------------------------------------------------------------

    def new(self, hcp_id: str, *, call_type: CallType = CallType.IN_PERSON) -> CallReport:
        if self._ws.store.hcps.find(hcp_id) is None:
            raise NotFoundError(f"No HCP with id {hcp_id} in this territory.")
        return CallReport(CallReportId(uuid7()), HcpId(hcp_id), self._ws.now().replace(microsecond=0), call_type)

    def get(self, report_id: str) -> CallReport:
        return self._ws.store.call_report(report_id)

    def for_hcp(self, hcp_id: str) -> list[CallReport]:
        return self._ws.store.call_reports_for(hcp_id)

    def logged_on(self, day: date) -> int:
        """Call reports the rep submitted for visits held on ``day`` (the day's progress), on the rep's clock."""
        return self._ws.store.activity.submitted_visits_between(*self._ws.day.day_bounds(day))

    def save_draft(self, report: CallReport) -> Outcome[CallReport]:
        """Keep ``report`` as a draft (local only; nothing is uploaded until it is submitted)."""
        saved = self._ws.store.save_draft(report)
        return Outcome(saved, Changes.of([saved.hcp_id], visits=True))

    def submit(self, report: CallReport, *, confirm_empty: bool = False) -> Outcome[CallReport]:
        """Lock the report, queue it for the hub and record the visit in the HCP's timeline.

        A visit with no product, topic, content, sample or note is refused (EmptyVisitError) unless
        ``confirm_empty``. The note is screened first: a possible adverse event needs the rep's recorded
        decision (``record_screening``) or the submit is refused with ScreeningRequiredError (the draft is kept).
        """
        if is_empty_visit(report) and not confirm_empty:
            raise EmptyVisitError("This visit has no product, topic or note; it was not submitted.")
        store = self._ws.store
        store.save_draft(report)
        safety.check_before_submit(store, report)
        done = self._suggestion_done(report)
        with store.atomic():
            submitted = store.submit_call_report(report)
            visit = visit_event(submitted)
            store.events.upsert_many([visit])
            if done is not None:
                store.add_feedback(done)
        self._ws.ranking.events_added([visit], [done] if done is not None else [])
        changes = Changes.of([submitted.hcp_id], timeline=True, ranking=True, visits=True, numbers=True, uploads=True)
        return Outcome(submitted, changes)

    def _suggestion_done(self, report: CallReport) -> SuggestionFeedback | None:
        """The feedback that a visit held today does the HCP's suggested visit (or remote meeting): completed."""
        day = report.started_at.astimezone(self._ws.day.zone()).date()
        if day != self._ws.today():
            return None
        try:
            action = self._ws.ranking.current_action(report.hcp_id)
        except Exception:  # a ranking that fails must never stop a visit being submitted
            log.exception("could not read the suggestion a visit may have done; the visit is submitted without it")
            return None
        wanted = (
            ActionType.REMOTE_MEETING if report.call_type in (CallType.REMOTE, CallType.PHONE) else ActionType.VISIT
        )
        if action is not wanted:
            return None
        return SuggestionFeedback(
            id=FeedbackId(uuid7()),
            hcp_id=report.hcp_id,
            action=action,
            kind=FeedbackKind.COMPLETED,
            at=datetime.now(UTC),
            note=VISIT_DONE_NOTE,
        )

    def save(
        self, report: CallReport, *, submit: bool, decision: DecisionChoice | None, confirm_empty: bool = False
    ) -> VisitSave:
        """Save ``report`` as a draft and screen its note; submit it too when asked and nothing stands in the way.

        The rep's ``decision`` on a flagged note is recorded with the draft. A note with restricted words is never
        submitted; a flagged note only with a decision. Either way the autosaved copy is no longer needed.
        """
        saved = self.save_draft(report)
        report, changes = saved.value, saved.changes
        result = self.screen_note(report.notes)
        restricted = tuple(self.restricted(report.notes))
        decided = bool(result.flag and decision is not None)
        if decided and decision is not None:
            kind, reason, intake = decision
            changes |= self.record_screening(report, kind, reason=reason, intake=intake).changes
        if submit and not restricted and (not result.flag or decided):
            done = self.submit(report, confirm_empty=confirm_empty)
            report, changes = done.value, changes | done.changes
        self.discard_autosave(autosave_key(report.id))
        return VisitSave(report, result, restricted, report.submitted, decided, changes)

    # -- note safety ------------------------------------------------------------------------------------------

    def screen_note(self, text: str) -> ScreenResult:
        """Screen visit-note text for possible adverse events and complaints (offline)."""
        return safety.screen(text)

    def restricted(self, text: str) -> list[RestrictedHit]:
        """Restricted phrases (off-label claims, superlatives, disparagement) found in ``text``."""
        return safety.restricted(text)

    @staticmethod
    def screen_lines(lines: Iterable[str], *, rep_notes: bool = False) -> Iterator[ScreenResult]:
        """One result per input line (one note per line), screened in batches so a large file streams with one
        model call per batch; span offsets are into the line without its line ending. ``rep_notes``: every line is
        a rep's visit note, decided as the app decides one."""
        from repcompanion.intel.safety import get_screener

        screener = get_screener()
        iterator = iter(lines)
        while batch := [line.rstrip("\r\n") for line in islice(iterator, SCREEN_BATCH)]:
            yield from screener.screen_many(batch, rep_notes=rep_notes)

    def draft_intake(self, report: CallReport, result: ScreenResult | None = None) -> AdverseEventIntake:
        """An adverse-event intake prefilled from the note; the 24-hour clock starts now."""
        result = result if result is not None else self.screen_note(report.notes)
        reporter = self._ws.store.sync_state.get().user or "field representative"
        return safety.draft_intake(report, result, reporter=reporter, aware_at=datetime.now(UTC).replace(microsecond=0))

    def record_screening(
        self,
        report: CallReport,
        decision: ScreeningDecisionKind,
        *,
        reason: str = "",
        intake: AdverseEventIntake | None = None,
    ) -> Outcome[ScreeningDecision]:
        """Record 'report' (with its intake, queued ahead of everything) or 'not an adverse event' + reason.

        A draft is saved with the decision, in the same transaction.
        """
        result = self.screen_note(report.notes)
        store = self._ws.store
        with store.atomic():
            if not report.submitted:
                store.save_draft(report)
            recorded = safety.record_decision(
                store,
                report,
                decision,
                categories=tuple(result.categories),
                at=datetime.now(UTC),
                reason=reason,
                intake=intake,
            )
        return Outcome(recorded, Changes.of([report.hcp_id], visits=True, uploads=True))

    def report_intake(self, report: CallReport, intake: AdverseEventIntake) -> ReportedIntake:
        """Report ``intake`` now: it is queued for the hub ahead of everything, with the 'report' decision, and
        ``report`` is kept as a draft — one transaction, whatever becomes of the visit afterwards (its autosaved
        copy is then not needed)."""
        changes = self.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake).changes
        reported = self._ws.store.intake(intake.id)
        assert reported is not None
        self.discard_autosave(autosave_key(report.id))
        return ReportedIntake(reported, self.get(report.id), changes)

    def intakes(self) -> list[AdverseEventIntake]:
        return self._ws.store.intakes()

    def overdue_intakes(self) -> list[AdverseEventIntake]:
        now = datetime.now(UTC)
        return [i for i in self._ws.store.intakes() if i.overdue(now)]

    def safety(self, report: CallReport) -> VisitSafety:
        """Screen ``report``'s note and read the decision (and reported intake) recorded for it."""
        notes = report.notes
        screen = self.screen_note(notes) if notes.strip() else None
        restricted = self.restricted(notes) if notes.strip() else []
        decision = self._ws.store.screening_decision(report.id)
        intake = self._ws.store.intake(decision.intake_id) if decision is not None and decision.intake_id else None
        return VisitSafety(screen, restricted, decision, intake)

    # -- autosave and drafts ------------------------------------------------------------------------------------

    def autosave(self, key: str, payload: Mapping[str, object], hcp_id: str | None = None) -> None:
        """Keep what the rep typed so a crash or a forced quit loses nothing (a recovery copy, not a draft)."""
        self._ws.store.autosave(key, dict(payload), hcp_id)

    def autosaved(self) -> dict[str, dict[str, object]]:
        return self._ws.store.autosaved()

    def discard_autosave(self, key: str) -> None:
        self._ws.store.discard_autosave(key)

    def _autosaved_reports(self) -> dict[str, CallReport]:
        found: dict[str, CallReport] = {}
        for key, payload in self.autosaved().items():
            if key.startswith(AUTOSAVE_PREFIX) and payload.get("hcp_id") and payload.get("id"):
                try:
                    report = report_from_payload(payload)
                except (KeyError, ValueError, ValidationError):
                    continue
                found[report.id] = report
        return found

    def reopen(self, report_id: str) -> DraftVisit:
        """The report ``report_id`` as last written (its autosaved copy, for a draft that has one) and its safety."""
        autosaved = self._autosaved_reports().get(report_id)
        try:
            saved: CallReport | None = self.get(report_id)
        except NotFoundError:
            if autosaved is None:
                raise
            saved = None
        report, unsaved = _as_last_written(saved, autosaved)
        name = self._ws.directory.hcp(report.hcp_id).display_name
        return DraftVisit(report, name, saved is not None, unsaved, self.safety(report))

    def drafts(self) -> list[DraftVisit]:
        """Every visit not submitted yet — saved drafts and copies autosaved before the app stopped — newest first."""
        store = self._ws.store
        saved: dict[str, CallReport] = {r.id: r for r in store.call_reports(ReportStatus.DRAFT)}
        submitted = store.call_report_ids(ReportStatus.SUBMITTED)
        autosaved = {rid: r for rid, r in self._autosaved_reports().items() if rid not in submitted}
        names: dict[str, str] = {}
        lines = []
        for rid in saved.keys() | autosaved.keys():
            report, unsaved = _as_last_written(saved.get(rid), autosaved.get(rid))
            if store.hcps.find(report.hcp_id) is None:
                continue  # the HCP left the territory; its drafts went with it
            if report.hcp_id not in names:
                names[report.hcp_id] = self._ws.directory.hcp(report.hcp_id).display_name
            lines.append(DraftVisit(report, names[report.hcp_id], rid in saved, unsaved, self.safety(report)))
        lines.sort(key=lambda d: (d.report.started_at, d.report.id), reverse=True)
        return lines
