"""A rep's visits beyond one save: empty visits, the safety state of a draft, and the drafts still to finish."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from repcompanion.domain import (
    AdverseEventIntake,
    CallReport,
    NotFoundError,
    ReportStatus,
    ScreeningDecision,
    ScreeningDecisionKind,
    ValidationError,
)
from repcompanion.workspace.ui_support import report_from_payload, report_to_payload

if TYPE_CHECKING:
    from repcompanion.intel.safety import RestrictedHit, ScreenResult

#: Autosave slots of visit notes start with this (``autosave_key``); other autosaves are not visits.
AUTOSAVE_PREFIX = "visit:"


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


def visit_safety(ws: Any, report: CallReport) -> VisitSafety:
    """Screen ``report``'s note and read the decision (and reported intake) recorded for it."""
    notes = report.notes
    screen = ws.screen_note(notes) if notes.strip() else None
    restricted = list(ws.check_restricted(notes)) if notes.strip() else []
    decision = ws.store.screening_decision(report.id)
    intake = ws.store.intake(decision.intake_id) if decision is not None and decision.intake_id else None
    return VisitSafety(screen, restricted, decision, intake)


@dataclass(frozen=True)
class DraftVisit:
    """A visit not submitted yet, as last written, with its note's safety state."""

    report: CallReport  # the autosaved copy when it is newer than the saved draft
    hcp_name: str
    saved: bool  # a draft was saved (else only an autosaved copy exists: the app stopped before a save)
    unsaved_changes: bool  # an autosaved copy holds changes the saved draft does not
    safety: VisitSafety


def _autosaved_reports(ws: Any) -> dict[str, CallReport]:
    found = {}
    for key, payload in ws.autosaved().items():
        if key.startswith(AUTOSAVE_PREFIX) and payload.get("hcp_id") and payload.get("id"):
            try:
                report = report_from_payload(payload)
            except (KeyError, ValueError, ValidationError):
                continue
            found[report.id] = report
    return found


def _as_last_written(saved: CallReport | None, autosaved: CallReport | None) -> tuple[CallReport, bool]:
    """The newer of a draft and its autosaved copy, and whether the copy holds changes the draft does not."""
    if saved is None or autosaved is None or saved.submitted:
        report = saved or autosaved
        assert report is not None
        return report, saved is None
    if report_to_payload(autosaved) == report_to_payload(saved):
        return saved, False
    return replace(autosaved, created_at=saved.created_at, device_id=saved.device_id), True


def reopen_visit(ws: Any, report_id: str) -> DraftVisit:
    """The report ``report_id`` as last written (its autosaved copy, for a draft that has one) and its safety."""
    autosaved = _autosaved_reports(ws).get(report_id)
    try:
        saved: CallReport | None = ws.call_report(report_id)
    except NotFoundError:
        if autosaved is None:
            raise
        saved = None
    report, unsaved = _as_last_written(saved, autosaved)
    name = ws.hcp(report.hcp_id).display_name
    return DraftVisit(report, name, saved is not None, unsaved, visit_safety(ws, report))


def visit_drafts(ws: Any) -> list[DraftVisit]:
    """Every visit not submitted yet — saved drafts and copies autosaved before the app stopped — newest first."""
    saved = {r.id: r for r in ws.store.call_reports(ReportStatus.DRAFT)}
    submitted = {
        r["id"] for r in ws.store.query("SELECT id FROM call_reports WHERE status = ?", [ReportStatus.SUBMITTED.value])
    }
    autosaved = {rid: r for rid, r in _autosaved_reports(ws).items() if rid not in submitted}
    names: dict[str, str] = {}
    lines = []
    for rid in saved.keys() | autosaved.keys():
        report, unsaved = _as_last_written(saved.get(rid), autosaved.get(rid))
        if ws.store.hcps.find(report.hcp_id) is None:
            continue  # the HCP left the territory; its drafts went with it
        if report.hcp_id not in names:
            names[report.hcp_id] = ws.hcp(report.hcp_id).display_name
        lines.append(DraftVisit(report, names[report.hcp_id], rid in saved, unsaved, visit_safety(ws, report)))
    lines.sort(key=lambda d: (d.report.started_at, d.report.id), reverse=True)
    return lines
