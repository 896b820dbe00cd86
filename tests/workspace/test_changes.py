"""What operations say they changed: the Changes algebra, each operation's changes, and a sync's from its pages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import ActionType, FeedbackKind, ScreeningDecisionKind
from repcompanion.sync import SyncReport
from repcompanion.workspace import ALL, NOTHING, Changes, Workspace, changes_of
from repcompanion.workspace.syncing import sync_changes

DAY = date(2026, 11, 24)
KINDS = ("directory", "timeline", "ranking", "visits", "followups", "numbers", "plan", "uploads")

changes_st = st.builds(
    Changes,
    hcps=st.one_of(st.just(ALL), st.frozensets(st.sampled_from(["H1", "H2", "H3"]))),
    **{k: st.booleans() for k in KINDS},
)


@given(changes_st, changes_st, changes_st)
def test_combining_changes_is_a_union(a: Changes, b: Changes, c: Changes) -> None:
    assert a | b == b | a and (a | b) | c == a | (b | c) and a | a == a and a | NOTHING == a
    assert bool(a | b) == (bool(a) or bool(b))
    for hcp in ("H1", "H2", "H9"):
        assert (a | b).touches(hcp) == (a.touches(hcp) or b.touches(hcp))
    for kind in KINDS:
        assert getattr(a | b, kind) == (getattr(a, kind) or getattr(b, kind))


def test_nothing_is_false_and_everything_touches_every_hcp() -> None:
    assert not NOTHING and not Changes(hcps=frozenset())
    everything = Changes.everything()
    assert everything.all_hcps and everything.touches("anyone") and all(getattr(everything, k) for k in KINDS)
    assert changes_of(everything) is everything and changes_of("a report") is None


def _report(**fields: object) -> SyncReport:
    report = SyncReport()
    for name, value in fields.items():
        setattr(report, name, value)
    return report


def test_a_sync_that_wrote_nothing_changed_nothing() -> None:
    assert not sync_changes(_report())


def test_a_sync_changes_the_hcps_its_pages_wrote_and_the_kinds_their_tables_hold() -> None:
    events = sync_changes(_report(pulled=3, tables={"events"}, hcp_ids={"H1", "H2"}))
    assert events.hcps == frozenset({"H1", "H2"}) and events.timeline and events.ranking and events.numbers
    assert not (events.directory or events.visits or events.followups or events.uploads)
    follow_ups = sync_changes(_report(pulled=1, tables={"follow_ups"}, hcp_ids={"H3"}))
    assert follow_ups.hcps == frozenset({"H3"}) and follow_ups.followups and not follow_ups.timeline
    content = sync_changes(_report(pulled=1, tables={"content"}, all_hcps=True))
    assert content.all_hcps and content.directory and content.ranking and not content.timeline


def test_a_whole_territory_or_a_new_model_changes_everyones_suggestions() -> None:
    assert sync_changes(_report(full=True)) == Changes.everything()
    assert sync_changes(_report(reset=True)) == Changes.everything()
    model = sync_changes(_report(), model_installed=True)
    assert model.all_hcps and model.ranking and not model.timeline


def test_an_upload_or_a_purge_changes_the_outbox_and_the_purged_hcps() -> None:
    pushed = sync_changes(_report(pushed=2, applied=2))
    assert pushed == Changes(uploads=True)
    purged = sync_changes(_report(pushed=1, removed=1, tables={"hcps"}, hcp_ids={"H2"}))
    assert purged.hcps == frozenset({"H2"}) and purged.visits and purged.ranking and purged.uploads


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("changes")
    Workspace.create_demo(folder, hcps=30, seed=5, today=DAY).close()
    return folder


@pytest.fixture
def ws(folder: Path, tmp_path: Path) -> Iterator[Workspace]:
    shutil.copytree(folder, tmp_path / "ws")
    workspace = Workspace.open(tmp_path / "ws")
    workspace.pin_today(DAY)
    yield workspace
    workspace.close()


def test_each_operation_says_what_it_changed(ws: Workspace) -> None:
    hcp = ws.directory.hcps()[0].id
    draft = ws.visits.save_draft(ws.visits.new(hcp).edited(topics=("efficacy",), notes="Discussed dosing."))
    assert draft.changes == Changes.of([hcp], visits=True)
    submitted = ws.visits.submit(draft.value)
    assert submitted.changes == Changes.of([hcp], timeline=True, ranking=True, visits=True, numbers=True, uploads=True)
    other = ws.directory.hcps()[1].id
    flagged = ws.visits.save_draft(ws.visits.new(other).edited(notes="Her patient had a severe rash.")).value
    decided = ws.visits.record_screening(flagged, ScreeningDecisionKind.NOT_AN_AE, reason="a rash from sunburn")
    assert decided.changes == Changes.of([other], visits=True, uploads=True)
    feedback = ws.ranking.feedback(hcp, ActionType.EMAIL, FeedbackKind.ACCEPTED)
    assert feedback.changes == Changes.of([hcp], ranking=True, numbers=True, uploads=True)
    proposal = ws.directory.propose_change(hcp, {"city": "Worcester"})
    assert proposal.changes == Changes.of([hcp], directory=True, uploads=True)
    assert ws.plans.set_start(42.3, -71.1) == Changes(plan=True)


def test_saving_and_submitting_in_one_step_reports_both(ws: Workspace) -> None:
    hcp = ws.directory.hcps()[2].id
    saved = ws.visits.save(ws.visits.new(hcp).edited(topics=("efficacy",)), submit=True, decision=None)
    assert saved.submitted and saved.changes.touches(hcp) and saved.changes.ranking and saved.changes.visits
    kept = ws.visits.save(ws.visits.new(hcp).edited(notes="Dropped off the dosing card."), submit=False, decision=None)
    assert not kept.submitted and kept.changes == Changes.of([hcp], visits=True)


def test_the_plan_start_is_what_the_next_plan_starts_from(ws: Workspace) -> None:
    ws.plans.set_start(42.35, -71.05)
    day = ws.plans.plan(DAY, hours=(time(8, 30), time(17, 30)), time_limit_s=0.2)
    assert day.settings.start == (42.35, -71.05)
