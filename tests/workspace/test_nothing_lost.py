"""Nothing reported is lost: an intake is queued when reported, empty visits need a confirmation, drafts are listed."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from repcompanion.domain import (
    IntakeStatus,
    MutationKind,
    ReportStatus,
    ScreeningDecisionKind,
    ValidationError,
)
from repcompanion.workspace import DraftSafety, EmptyVisitError, Workspace, autosave_key, report_to_payload

DAY = date(2026, 11, 24)
FLAGGED = "Seizure after first dose of Nefrovia; the patient was admitted to hospital."
PLAIN = "Discussed dosing and the new formulary listing."


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nothing-lost")
    Workspace.create_demo(folder, hcps=30, seed=5, today=DAY).close()
    return folder


@pytest.fixture
def ws(folder: Path, tmp_path: Path) -> Any:
    copy = tmp_path / "w"
    shutil.copytree(folder, copy)
    w = Workspace.open(copy)
    w.pin_today(DAY)
    yield w
    w.close()


def _kinds(ws: Workspace) -> list[MutationKind]:
    return [m.kind for m in ws.store.outbox.pending()]


def test_reporting_an_intake_queues_it_first_and_keeps_the_visit_a_draft(ws: Workspace) -> None:
    report = ws.visits.new(ws.directory.hcps()[0].id).edited(notes=FLAGGED)
    reported = ws.visits.report_intake(report, ws.visits.draft_intake(report)).intake
    assert reported.status is IntakeStatus.QUEUED and reported.call_report_id == report.id
    assert ws.visits.get(report.id).status is ReportStatus.DRAFT
    assert _kinds(ws) == [MutationKind.AE_INTAKE, MutationKind.SCREENING_DECISION]
    assert ws.store.outbox.pending()[0].entity_id == reported.id


def test_an_intake_that_cannot_be_reported_writes_nothing(ws: Workspace) -> None:
    report = ws.visits.new(ws.directory.hcps()[1].id).edited(notes=FLAGGED)
    with pytest.raises(ValidationError):
        ws.visits.report_intake(report, replace(ws.visits.draft_intake(report), description=" "))
    assert ws.visits.for_hcp(report.hcp_id) == [] and ws.visits.intakes() == [] and _kinds(ws) == []


def test_a_reported_intake_cannot_be_withdrawn_and_submitting_does_not_queue_it_again(ws: Workspace) -> None:
    report = ws.visits.new(ws.directory.hcps()[2].id).edited(notes=FLAGGED)
    intake = ws.visits.report_intake(report, ws.visits.draft_intake(report)).intake
    with pytest.raises(ValidationError, match="already reported"):
        ws.visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="changed my mind")
    with pytest.raises(ValidationError, match="already reported"):
        ws.visits.record_screening(report, ScreeningDecisionKind.REPORT, intake=ws.visits.draft_intake(report))
    ws.visits.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake)  # the same decision again
    ws.visits.submit(report)
    assert _kinds(ws) == [MutationKind.AE_INTAKE, MutationKind.SCREENING_DECISION, MutationKind.CALL_REPORT_SUBMIT]


def test_the_same_not_an_ae_decision_saved_twice_is_queued_once(ws: Workspace) -> None:
    report = ws.visits.new(ws.directory.hcps()[3].id).edited(notes=FLAGGED)
    ws.visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="Seizure was before the first dose")
    ws.visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="Seizure was before the first dose")
    assert _kinds(ws) == [MutationKind.SCREENING_DECISION]
    ws.visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="The doctor confirmed another cause")
    assert _kinds(ws) == [MutationKind.SCREENING_DECISION] * 2


def test_an_empty_visit_is_refused_unless_confirmed(ws: Workspace) -> None:
    hcp_id = ws.directory.hcps()[4].id
    empty = ws.visits.new(hcp_id).edited(attendees=("Dr Lee",), notes="   ")
    with pytest.raises(EmptyVisitError):
        ws.visits.submit(empty)
    assert ws.visits.for_hcp(hcp_id) == [] and _kinds(ws) == []
    assert ws.visits.submit(empty, confirm_empty=True).value.submitted
    assert ws.visits.submit(ws.visits.new(hcp_id).edited(topics=("dosing",))).value.submitted


def test_drafts_lists_saved_and_autosaved_visits_with_their_safety_state(ws: Workspace) -> None:
    hcps = ws.directory.hcps()
    undecided = ws.visits.save_draft(ws.visits.new(hcps[0].id).edited(notes=FLAGGED)).value
    reported = ws.visits.new(hcps[1].id).edited(notes=FLAGGED)
    intake = ws.visits.report_intake(reported, ws.visits.draft_intake(reported)).intake
    plain = ws.visits.save_draft(ws.visits.new(hcps[2].id).edited(notes=PLAIN)).value
    crashed = ws.visits.new(hcps[3].id).edited(notes=FLAGGED + " Half-written")
    ws.visits.autosave(autosave_key(crashed.id), report_to_payload(crashed), crashed.hcp_id)
    changed = plain.edited(notes=PLAIN + " She asked for the leaflet.")
    ws.visits.autosave(autosave_key(plain.id), report_to_payload(changed), plain.hcp_id)
    done = ws.visits.submit(ws.visits.new(hcps[4].id).edited(notes=PLAIN)).value
    ws.visits.autosave(autosave_key(done.id), report_to_payload(done), done.hcp_id)  # a stale copy of a submitted one

    drafts = {d.report.id: d for d in ws.visits.drafts()}
    assert set(drafts) == {undecided.id, reported.id, plain.id, crashed.id}
    assert drafts[undecided.id].safety.state is DraftSafety.UNDECIDED
    assert drafts[reported.id].safety.state is DraftSafety.REPORTED
    assert drafts[reported.id].safety.intake == intake
    assert drafts[plain.id].safety.state is DraftSafety.CLEAR
    assert drafts[plain.id].unsaved_changes and drafts[plain.id].report.notes == changed.notes
    assert drafts[crashed.id].safety.state is DraftSafety.UNDECIDED
    assert not drafts[crashed.id].saved and drafts[crashed.id].unsaved_changes
    assert drafts[undecided.id].hcp_name == hcps[0].display_name

    again = ws.visits.reopen(plain.id)
    assert again.report.notes == changed.notes and again.report.created_at == plain.created_at
    assert ws.visits.reopen(done.id).report == ws.visits.get(done.id)  # a submitted report is shown as sent
