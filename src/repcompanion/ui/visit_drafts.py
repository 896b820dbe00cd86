"""Keeping a visit's draft: where it is autosaved, and the save → screen → submit step run on the db thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from repcompanion.domain import AdverseEventIntake, CallReport, ScreeningDecisionKind
from repcompanion.workspace.visits import AUTOSAVE_PREFIX, autosave_key

__all__ = [
    "AUTOSAVE_MS",
    "AUTOSAVE_PREFIX",
    "DecisionChoice",
    "SaveOutcome",
    "autosave_key",
    "report_intake",
    "save_visit",
]

AUTOSAVE_MS = 3000

DecisionChoice = tuple[ScreeningDecisionKind, str, Any]
"""The rep's decision on a flagged note as ``Workspace.record_screening`` takes it: (kind, reason, intake)."""


@dataclass
class SaveOutcome:
    report: CallReport
    screen: Any
    restricted: list[Any]
    submitted: bool
    decided: bool  # a decision on the flagged note is recorded


def save_visit(
    ws: Any, report: CallReport, *, submit: bool, decision: DecisionChoice | None, confirm_empty: bool = False
) -> SaveOutcome:
    """Save ``report`` as a draft and screen its note; submit it too when asked and nothing stands in the way.

    The rep's ``decision`` on a flagged note is recorded with the draft. A note with restricted words is never
    submitted; a flagged note only with a decision. Either way the autosaved copy is no longer needed.
    """
    saved = ws.save_draft(report)
    result = ws.screen_note(report.notes)
    restricted = list(ws.check_restricted(report.notes))
    decided = bool(result.flag and decision is not None)
    if decided and decision is not None:
        kind, reason, intake = decision
        ws.record_screening(saved, kind, reason=reason, intake=intake)
    if submit and not restricted and (not result.flag or decided):
        saved = ws.submit_visit(saved, confirm_empty=confirm_empty)
    ws.discard_autosave(autosave_key(report.id))
    return SaveOutcome(saved, result, restricted, saved.submitted, decided)


def report_intake(ws: Any, report: CallReport, intake: AdverseEventIntake) -> tuple[AdverseEventIntake, CallReport]:
    """Queue ``intake`` now and keep ``report`` as a saved draft (its autosaved copy is then not needed)."""
    reported = ws.report_intake(report, intake)
    ws.discard_autosave(autosave_key(report.id))
    return reported, ws.call_report(report.id)
