"""Keeping a visit's draft: where it is autosaved, and the save → screen → submit step run on the db thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from repcompanion.domain import CallReport, ScreeningDecisionKind

AUTOSAVE_MS = 3000
AUTOSAVE_PREFIX = "visit:"

ScreeningDecision = tuple[ScreeningDecisionKind, str, Any]
"""The rep's decision on a flagged note as ``Workspace.record_screening`` takes it: (kind, reason, intake)."""


def autosave_key(report_id: str) -> str:
    """The workspace autosave slot of the report ``report_id`` (restored after a crash)."""
    return f"{AUTOSAVE_PREFIX}{report_id}"


@dataclass
class SaveOutcome:
    report: CallReport
    screen: Any
    restricted: list[Any]
    submitted: bool


def save_visit(ws: Any, report: CallReport, *, submit: bool, decision: ScreeningDecision | None) -> SaveOutcome:
    """Save ``report`` as a draft and screen its note; submit it too when asked and nothing stands in the way.

    A note with restricted words is never submitted; a flagged note only with the rep's ``decision``, which is
    recorded first. Either way the autosaved copy is no longer needed.
    """
    saved = ws.save_draft(report)
    result = ws.screen_note(report.notes)
    restricted = list(ws.check_restricted(report.notes))
    if submit and not restricted and (not result.flag or decision is not None):
        if result.flag and decision is not None:
            kind, reason, intake = decision
            ws.record_screening(saved, kind, reason=reason, intake=intake)
        saved = ws.submit_visit(saved)
    ws.discard_autosave(autosave_key(report.id))
    return SaveOutcome(saved, result, restricted, saved.submitted)
