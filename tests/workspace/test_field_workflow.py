"""What a rep does in a day, through the facade and the CLI: rank, give feedback, log and submit visits."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from repcompanion.cli import main
from repcompanion.domain import (
    DismissReason,
    FeedbackKind,
    IntakeStatus,
    MutationKind,
    ScreeningDecisionKind,
    ScreeningRequiredError,
    ValidationError,
)
from repcompanion.workspace import Workspace

DAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("field")
    Workspace.create_demo(folder, hcps=80, seed=21, today=DAY).close()
    return folder


@pytest.fixture
def ws(folder, tmp_path):
    import shutil

    copy = tmp_path / "w"
    shutil.copytree(folder, copy)
    w = Workspace.open(copy)
    w.pin_today(DAY)
    yield w
    w.close()


def test_priorities_are_ranked_and_exactly_explained(ws):
    ranked = ws.ranking.priorities()
    assert [s.rank for s in ranked] == list(range(1, len(ranked) + 1))
    assert ranked == sorted(ranked, key=lambda s: -s.priority)
    for s in ranked:
        assert abs(s.intercept + sum(s.contributions.values()) - s.logit) <= 1e-9
        assert s.reasons


def test_dismissing_the_top_suggestion_changes_the_ranking_and_queues_feedback(ws):
    top = ws.ranking.priorities()[0]
    ws.ranking.feedback(top.hcp_id, top.action, FeedbackKind.DISMISSED, reason=DismissReason.WRONG_TIMING)
    after = ws.ranking.priorities()
    assert after[0].hcp_id != top.hcp_id or after[0].action != top.action
    assert [m.kind for m in ws.store.outbox.pending()] == [MutationKind.SUGGESTION_FEEDBACK]


def test_snoozing_needs_a_future_date(ws):
    top = ws.ranking.priorities()[0]
    with pytest.raises(ValidationError):
        ws.ranking.feedback(top.hcp_id, top.action, FeedbackKind.SNOOZED, snooze_until=DAY)
    ws.ranking.feedback(top.hcp_id, top.action, FeedbackKind.SNOOZED, snooze_until=DAY + timedelta(days=7))
    assert top.hcp_id not in {s.hcp_id for s in ws.ranking.priorities()}


def test_a_flagged_note_needs_a_decision_and_an_intake_goes_first(ws):
    hcp = ws.ranking.priorities()[0].hcp_id
    report = ws.visits.new(hcp).edited(notes="Dr said one patient developed a severe rash after the second dose.")
    with pytest.raises(ScreeningRequiredError):
        ws.visits.submit(report)
    assert ws.visits.get(report.id).notes.startswith("Dr said")  # the draft was kept
    intake = ws.visits.draft_intake(report)
    assert "rash" in intake.description and intake.due_at - intake.aware_at == timedelta(hours=24)
    ws.visits.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake)
    ws.visits.submit(report)
    pending = ws.store.outbox.pending()
    assert pending[0].kind is MutationKind.AE_INTAKE
    assert ws.visits.intakes()[0].status is IntakeStatus.QUEUED


def test_an_intake_carries_its_categories_and_the_words_that_triggered_them_to_the_hub(ws):
    hcp = ws.ranking.priorities()[0].hcp_id
    note = "Nurse said a patient's auto-injector did not fire and she developed hives after the manual dose."
    report = ws.visits.new(hcp).edited(notes=note)
    intake = ws.visits.draft_intake(report)
    assert {"device_malfunction", "adverse_event"} <= set(intake.categories)
    assert "hives" in intake.triggers and any("did not fire" in t for t in intake.triggers)
    ws.visits.record_screening(report, ScreeningDecisionKind.REPORT, intake=intake)
    ws.visits.submit(report)
    payload = ws.store.outbox.pending()[0].payload
    assert json.loads(payload["triggers"]) == list(intake.triggers)
    assert ws.visits.intakes()[0].triggers == intake.triggers


def test_not_an_adverse_event_needs_a_reason(ws):
    hcp = ws.directory.hcps()[3].id
    note = "She said one patient had a headache the day after a long flight, before starting anything new."
    report = ws.visits.new(hcp).edited(notes=note)
    assert ws.visits.screen_note(report.notes).flag  # recall first: a headache told by the HCP is flagged
    with pytest.raises(ValidationError):
        ws.visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason=" ")
    ws.visits.record_screening(report, ScreeningDecisionKind.NOT_AN_AE, reason="Before any product, travel only")
    assert ws.visits.submit(report).value.submitted
    assert ws.store.screening_decision(report.id).reason == "Before any product, travel only"


def test_logging_a_visit_reranks_that_hcp(ws):
    before = {s.hcp_id: s for s in ws.ranking.priorities()}
    top = ws.ranking.priorities()[0]
    report = ws.visits.new(top.hcp_id).edited(notes="Discussed dosing and access.", topics=("dosing",))
    ws.visits.submit(report)
    after = {s.hcp_id: s for s in ws.ranking.priorities()}
    assert top.hcp_id not in after or after[top.hcp_id].priority != before[top.hcp_id].priority


def test_cli_priorities_json_and_visit(folder, tmp_path, capsys):
    import shutil

    shutil.copytree(folder, tmp_path / "w")
    w = str(tmp_path / "w")
    assert main(["priorities", "--workspace", w, "--date", DAY.isoformat(), "--top", "3", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    for r in rows:
        assert set(r) >= {
            "hcp_id",
            "rank",
            "action",
            "priority",
            "probability",
            "logit",
            "intercept",
            "contributions",
            "reasons",
            "blocked",
        }
        assert abs(r["intercept"] + sum(r["contributions"].values()) - r["logit"]) <= 1e-9
    hcp = rows[0]["hcp_id"]
    args = ["visit", "--workspace", w, "--hcp", hcp, "--notes", "Patient had hives after Cardiva.", "--submit"]
    assert main(args) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "draft" and "adverse event" in out["error"]
    assert main([*args[:-1], "--not-ae", "Hives were from a known peanut allergy", "--submit"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "submitted"
    assert main(["visit", "--workspace", w, "--hcp", hcp, "--topic", "astrology"]) == 1
    assert "Unknown topic" in capsys.readouterr().err


def test_cli_screen_prints_one_object_per_line(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("Dr Lee said a patient got a bad rash after starting Cardiva.\nDiscussed formulary access.\n")
    assert main(["screen", "--input", str(notes), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["flag"] for x in lines] == [True, False]
    start, end, text = lines[0]["spans"][0]
    assert notes.read_text().splitlines()[0][start:end] == text
    assert main(["screen", "--input", str(tmp_path / "missing.txt")]) == 1
    capsys.readouterr()
    # A fragment with no rep word reads like a patient's words; --rep-notes screens it as the app would.
    fragment = tmp_path / "fragment.txt"
    fragment.write_text("Half-written note for Smith\nDr Lee said a patient got a bad rash after starting Cardiva.\n")
    assert main(["screen", "--input", str(fragment), "--rep-notes"]) == 0
    assert [json.loads(x)["flag"] for x in capsys.readouterr().out.splitlines()] == [False, True]
