"""A demo workspace: built through the store, deterministic, whole, and readable through the facade."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from repcompanion.cli import main
from repcompanion.domain import Channel, NotFoundError
from repcompanion.domain.rows import SYNCED_TABLES
from repcompanion.workspace import Workspace

DAY = date(2026, 11, 24)


def _fingerprint(ws: Workspace) -> str:
    digest = hashlib.sha256()
    for table, codec in SYNCED_TABLES.items():
        for row in ws.store.query(f"SELECT {', '.join(codec.columns)} FROM {table} ORDER BY id"):
            digest.update(json.dumps(row, sort_keys=True).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Workspace:
    ws = Workspace.create_demo(tmp_path_factory.mktemp("demo"), hcps=120, seed=11, today=DAY)
    ws.pin_today(DAY)
    yield ws
    ws.close()


def test_same_seed_gives_the_same_database(demo, tmp_path):
    again = Workspace.create_demo(tmp_path / "again", hcps=120, seed=11, today=DAY)
    other = Workspace.create_demo(tmp_path / "other", hcps=120, seed=12, today=DAY)
    assert _fingerprint(again) == _fingerprint(demo)
    assert _fingerprint(other) != _fingerprint(demo)
    again.close()
    other.close()


def test_generated_territory_has_referential_integrity(demo):
    assert demo.store.integrity_problems() == []
    counts = demo.store.table_counts()
    assert counts["hcps"] == 120
    assert counts["events"] > 120 * 50
    assert 40 <= counts["content"] <= 80


def test_facade_reads_an_hcp_completely(demo):
    hcp = demo.directory.hcps()[0]
    assert demo.directory.hcp(hcp.id) == hcp
    assert demo.directory.affiliations(hcp.id), "every demo HCP has at least one institution"
    consents = demo.directory.consents(hcp.id)
    assert set(consents) == set(Channel)
    timeline = demo.directory.timeline(hcp.id)
    assert timeline == sorted(timeline, key=lambda e: e.occurred_at, reverse=True)
    done, planned = demo.directory.call_plan_progress(hcp.id)
    assert done >= 0 and planned >= 0
    for content in demo.directory.approved_content(hcp.id):
        assert content.mlr_code and content.is_valid_on(DAY) and content.is_for_specialty(hcp.specialty_code)
    assert demo.directory.search(hcp.last_name)
    with pytest.raises(NotFoundError):
        demo.visits.new("H-nobody")


def test_submitting_a_visit_adds_it_to_the_timeline_and_the_outbox(demo):
    hcp = demo.directory.hcps()[1]
    report = demo.visits.new(hcp.id)
    demo.visits.save_draft(report.edited(notes="Discussed dosing", topics=("dosing",)))
    submitted = demo.visits.submit(demo.visits.get(report.id)).value
    assert submitted.submitted
    assert demo.directory.timeline(hcp.id)[0].occurred_at == submitted.started_at
    assert demo.sync.status().pending >= 1


def test_numbers_are_computed_from_the_territory(demo):
    numbers = demo.numbers.report()
    assert numbers.call_plan.planned > 0
    assert 0.0 <= numbers.call_plan.attainment <= 1.0
    assert 0 < numbers.reach.targets <= 120
    assert numbers.engagement_trend


def test_cli_demo_builds_and_reports(tmp_path, capsys):
    assert main(["demo", "--workspace", str(tmp_path / "w"), "--hcps", "40", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hcps"] == 40 and out["events"] > 0
    assert main(["demo", "--workspace", str(tmp_path / "w"), "--hcps", "40"]) == 0
    assert "already exists" in capsys.readouterr().err


def test_cli_reports_a_corrupt_workspace_clearly(tmp_path, capsys):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "workspace.db").write_text("not a database at all " * 50)
    assert main(["demo", "--workspace", str(folder), "--json"]) == 1
    err = capsys.readouterr().err
    assert "not an SQLite database" in err and "untouched" in err
    assert (folder / "workspace.db").read_text().startswith("not a database")
