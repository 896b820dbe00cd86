"""The note-safety workflow: screen on save, a decision before submit, intakes queued ahead of everything."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from repcompanion.domain import (
    AdverseEventIntake,
    CallReport,
    IntakeId,
    IntakeStatus,
    ScreeningDecision,
    ScreeningDecisionKind,
    ScreeningRequiredError,
    Seriousness,
    ValidationError,
    uuid7,
)
from repcompanion.store import Store

if TYPE_CHECKING:
    from repcompanion.intel.safety import RestrictedHit, ScreenResult


def acknowledgements() -> str:
    """The credit the screener's third-party vocabularies and corpora ask for (the About dialog shows it)."""
    from repcompanion.intel.safety.acknowledgements import acknowledgements_text

    return acknowledgements_text()


def screen(text: str) -> ScreenResult:
    """Screen a rep's visit note for possible adverse events and product complaints (offline)."""
    from repcompanion.intel.safety import screen_note

    return screen_note(text, rep_notes=True)


def restricted(text: str) -> list[RestrictedHit]:
    """Restricted phrases (off-label claims, superlatives, disparagement) found in ``text``."""
    from repcompanion.intel.safety import check_restricted

    return list(check_restricted(text))


def draft_intake(report: CallReport, result: ScreenResult, *, reporter: str, aware_at: datetime) -> AdverseEventIntake:
    """An intake prefilled from the flagged note: the flagged sentences, the product, the categories."""
    evidence = [s.text for s in result.spans] if result.spans else [report.notes]
    sentences = []
    for piece in evidence:
        if piece not in sentences:
            sentences.append(piece)
    return AdverseEventIntake(
        id=IntakeId(uuid7()),
        hcp_id=report.hcp_id,
        description="; ".join(sentences)[:2000],
        aware_at=aware_at,
        created_at=aware_at,
        call_report_id=report.id,
        product_id=report.products[0] if report.products else None,
        reporter=reporter,
        seriousness=Seriousness.UNKNOWN,
        categories=tuple(result.categories),
        status=IntakeStatus.OPEN,
        triggers=result.triggers,
    )


def record_decision(
    store: Store,
    report: CallReport,
    decision: ScreeningDecisionKind,
    *,
    categories: tuple[str, ...],
    at: datetime,
    reason: str = "",
    intake: AdverseEventIntake | None = None,
) -> ScreeningDecision:
    """Record the rep's decision on a flagged note (kept for audit); a report needs a complete intake.

    A reported intake cannot be withdrawn or replaced; a decision the same as the one recorded writes nothing.
    """
    existing = store.screening_decision(report.id)
    if existing is not None and existing.decision is ScreeningDecisionKind.REPORT:
        if decision is ScreeningDecisionKind.REPORT and intake is not None and intake.id == existing.intake_id:
            return existing
        raise ValidationError(
            "An adverse event was already reported from this visit; it cannot be withdrawn or replaced.",
            hint="Add anything new to the note. Pharmacovigilance will contact you if they need more.",
        )
    if (
        existing is not None
        and decision is ScreeningDecisionKind.NOT_AN_AE
        and existing.decision is decision
        and existing.reason == reason.strip()
    ):
        return existing
    if decision is ScreeningDecisionKind.NOT_AN_AE and not reason.strip():
        raise ValidationError("Say why this is not an adverse event; the reason is kept for audit.")
    if decision is ScreeningDecisionKind.REPORT:
        if intake is None:
            raise ValidationError("Reporting needs the adverse-event intake form filled in.")
        if not intake.description.strip():
            raise ValidationError("Describe the event in the intake before reporting it.")
        intake = replace(intake, status=IntakeStatus.QUEUED)
    record = ScreeningDecision(report.id, decision, categories, at, reason.strip(), intake.id if intake else None)
    store.record_screening(record, intake)
    return record


def check_before_submit(store: Store, report: CallReport) -> ScreenResult | None:
    """Screen the note; a flagged note without a recorded decision cannot be submitted."""
    result = screen(report.notes) if report.notes.strip() else None
    if result is not None and result.flag and store.screening_decision(report.id) is None:
        cats = ", ".join(c.replace("_", " ") for c in result.categories)
        raise ScreeningRequiredError(f"This note may describe an adverse event or complaint ({cats}).")
    return result
