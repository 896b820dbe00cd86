"""The cached ranking is exactly the engine's, and anything that could change the ranking invalidates it."""

from __future__ import annotations

from datetime import date

from repcompanion.domain import DismissReason, FeedbackKind
from repcompanion.workspace import Workspace

DAY = date(2026, 11, 24)


def _open(folder):
    ws = Workspace.open(folder)
    ws.pin_today(DAY)
    return ws


def test_a_reopened_workspace_paints_the_same_ranking_without_building_the_engine(tmp_path):
    Workspace.create_demo(tmp_path, hcps=60, seed=4, today=DAY).close()
    with _open(tmp_path) as ws:
        computed = ws.ranking.priorities()
    with _open(tmp_path) as ws:
        cached = ws.ranking.priorities()
        assert not ws.ranking.has_engine
        assert cached == computed
        assert ws.ranking.priorities(top=5) == computed[:5]


def test_feedback_a_visit_or_another_day_recomputes(tmp_path):
    Workspace.create_demo(tmp_path, hcps=60, seed=4, today=DAY).close()
    with _open(tmp_path) as ws:
        first = ws.ranking.priorities()
        ws.ranking.feedback(first[0].hcp_id, first[0].action, FeedbackKind.DISMISSED, reason=DismissReason.OTHER)
        after_feedback = ws.ranking.priorities()
    with _open(tmp_path) as ws:
        assert ws.ranking.priorities() == after_feedback
        assert ws.ranking.priorities() != first
        report = ws.visits.new(after_feedback[0].hcp_id).edited(notes="Discussed dosing.", topics=("dosing",))
        ws.visits.submit(report)
        after_visit = ws.ranking.priorities()
    with _open(tmp_path) as ws:
        assert ws.ranking.priorities() == after_visit
        tomorrow = ws.ranking.priorities(date(2026, 11, 25))
        assert tomorrow[0].day == date(2026, 11, 25)


def test_list_lines_from_the_cache_match_the_full_ranking(tmp_path):
    from repcompanion.workspace.ranking_cache import RankedLine

    Workspace.create_demo(tmp_path, hcps=60, seed=4, today=DAY).close()
    with _open(tmp_path) as ws:
        full = [RankedLine.of(s) for s in ws.ranking.priorities()]
    with _open(tmp_path) as ws:
        lines = ws.ranking.lines()
        assert not ws.ranking.has_engine  # read from the cache, no engine built
    assert lines == full
    assert all(line.top_reason for line in lines)


def test_a_retrained_default_model_is_not_served_the_old_ranking(tmp_path, monkeypatch):
    import shutil

    from repcompanion.intel.propensity import MODELS_ENV, default_model_path

    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(default_model_path(), models / "propensity.skops")
    monkeypatch.setenv(MODELS_ENV, str(models))
    Workspace.create_demo(tmp_path / "ws", hcps=40, seed=4, today=DAY).close()
    with _open(tmp_path / "ws") as ws:
        ws.ranking.priorities()
    (models / "propensity.skops").touch()  # as a newly shipped model file would be
    with _open(tmp_path / "ws") as ws:
        ws.ranking.priorities()
        assert ws.ranking.has_engine  # recomputed, not read from the cache


def test_the_cache_stores_every_field_of_a_suggestion(tmp_path):
    from dataclasses import fields

    from repcompanion.domain import Suggestion
    from repcompanion.workspace.ranking_cache import _encode

    Workspace.create_demo(tmp_path, hcps=20, seed=4, today=DAY).close()
    with _open(tmp_path) as ws:
        first = ws.ranking.priorities()[0]
    assert set(_encode(first)) == {f.name for f in fields(Suggestion)}
