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
from repcompanion.workspace import Workspace
from repcompanion.workspace.ui_support import report_to_payload
from repcompanion.workspace.visits import (
    DraftSafety,
    EmptyVisitError,
    autosave_key,
    reopen_visit,
    visit_drafts,
)

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
    report = ws.new_visit(ws.hcps()[0].id).edited(notes=FLAGGED)
    reported = ws.report_intake(report, ws.draft_intake(report))
    assert reported.status is IntakeStatus.QUEUED and reported.call_report_id == report.id
    assert ws.call_report(report.id).status is ReportStatus.DRAFT
    assert _kinds(ws) == [MutationKind.AE_INTAKE, MutationKind.SCREENING_DECISION]
    assert ws.store.outbox.pending()[0].entity_id == reported.id


def test_an_intake_that_cannot_be_reported_writes_nothing(ws: Workspace) -> None:
    report = ws.new_visit(ws.hcps()[1].id).edited(notes=FLAGGED)
    with pytest.raises(ValidationError):
        ws.report_intake(report, replace(ws.draft_intake(report), description=" "))
    assert ws.call_reports(report.hcp_id) == [] and ws.intakes() == [] and _kinds(ws) == []


def test_a_reported_intake_cannot_be_withdrawn_and_submitting_does_not_queue_it_again(ws: Workspace) -> None:
    report = ws.new_visit(ws.hcps()[2].id).edited(notes=FLAGGED)
    intake = ws.report_intake(report, ws.draft_intake(report))
    with pytest.raises(ValidationError, match="already reported"):
        ws.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="changed my mind")
    with pytest.raises(ValidationError, match="already reported"):
        ws.record_screening(report, ScreeningDecisionKind.REPORT, intake=ws.draft_intake(report))
    ws.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake)  # the same decision again
    ws.submit_visit(report)
    assert _kinds(ws) == [MutationKind.AE_INTAKE, MutationKind.SCREENING_DECISION, MutationKind.CALL_REPORT_SUBMIT]


def test_the_same_not_an_ae_decision_saved_twice_is_queued_once(ws: Workspace) -> None:
    report = ws.new_visit(ws.hcps()[3].id).edited(notes=FLAGGED)
    ws.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="Seizure was before the first dose")
    ws.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="Seizure was before the first dose")
    assert _kinds(ws) == [MutationKind.SCREENING_DECISION]
    ws.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="The doctor confirmed another cause")
    assert _kinds(ws) == [MutationKind.SCREENING_DECISION] * 2


def test_an_empty_visit_is_refused_unless_confirmed(ws: Workspace) -> None:
    hcp_id = ws.hcps()[4].id
    empty = ws.new_visit(hcp_id).edited(attendees=("Dr Lee",), notes="   ")
    with pytest.raises(EmptyVisitError):
        ws.submit_visit(empty)
    assert ws.call_reports(hcp_id) == [] and _kinds(ws) == []
    assert ws.submit_visit(empty, confirm_empty=True).submitted
    assert ws.submit_visit(ws.new_visit(hcp_id).edited(topics=("dosing",))).submitted


def test_drafts_lists_saved_and_autosaved_visits_with_their_safety_state(ws: Workspace) -> None:
    hcps = ws.hcps()
    undecided = ws.save_draft(ws.new_visit(hcps[0].id).edited(notes=FLAGGED))
    reported = ws.new_visit(hcps[1].id).edited(notes=FLAGGED)
    intake = ws.report_intake(reported, ws.draft_intake(reported))
    plain = ws.save_draft(ws.new_visit(hcps[2].id).edited(notes=PLAIN))
    crashed = ws.new_visit(hcps[3].id).edited(notes=FLAGGED + " Half-written")
    ws.autosave(autosave_key(crashed.id), report_to_payload(crashed), crashed.hcp_id)
    changed = plain.edited(notes=PLAIN + " She asked for the leaflet.")
    ws.autosave(autosave_key(plain.id), report_to_payload(changed), plain.hcp_id)
    done = ws.submit_visit(ws.new_visit(hcps[4].id).edited(notes=PLAIN))
    ws.autosave(autosave_key(done.id), report_to_payload(done), done.hcp_id)  # a stale copy of a submitted one

    drafts = {d.report.id: d for d in visit_drafts(ws)}
    assert set(drafts) == {undecided.id, reported.id, plain.id, crashed.id}
    assert drafts[undecided.id].safety.state is DraftSafety.UNDECIDED
    assert drafts[reported.id].safety.state is DraftSafety.REPORTED
    assert drafts[reported.id].safety.intake == intake
    assert drafts[plain.id].safety.state is DraftSafety.CLEAR
    assert drafts[plain.id].unsaved_changes and drafts[plain.id].report.notes == changed.notes
    assert drafts[crashed.id].safety.state is DraftSafety.UNDECIDED
    assert not drafts[crashed.id].saved and drafts[crashed.id].unsaved_changes
    assert drafts[undecided.id].hcp_name == hcps[0].display_name

    again = reopen_visit(ws, plain.id)
    assert again.report.notes == changed.notes and again.report.created_at == plain.created_at
    assert reopen_visit(ws, done.id).report == ws.call_report(done.id)  # a submitted report is shown as sent
