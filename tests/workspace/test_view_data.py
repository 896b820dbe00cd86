"""The plain view data behind Today and Log a visit: last contacts, sample limits, autosave round trip."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from repcompanion.domain import CONTACT_EVENTS, Product, ProductId, SampleDrop
from repcompanion.workspace import Workspace, report_from_payload, report_to_payload, sample_problems


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("view-data")
    Workspace.create_demo(folder, hcps=60, seed=7).close()
    return folder


@pytest.fixture
def demo_folder(demo_template: Path, tmp_path: Path) -> Path:
    shutil.copytree(demo_template, tmp_path / "workspace")
    return tmp_path / "workspace"


def test_last_contacts_equal_the_latest_contact_event_of_each_hcp(demo_folder: Path) -> None:
    with Workspace.open(demo_folder) as ws:
        expected: dict[str, date] = {}
        for e in ws.store.events.all():
            if e.type in CONTACT_EVENTS:
                d = e.occurred_at.date()
                expected[e.hcp_id] = max(expected.get(e.hcp_id, d), d)
        assert ws.directory.last_contacts() == expected


def test_samples_over_the_per_visit_limit_are_named() -> None:
    products = {"P1": Product(ProductId("P1"), "Corvenza", "corvenzib", "cardio", 4)}
    ok = [SampleDrop(ProductId("P1"), "L1", 2), SampleDrop(ProductId("P1"), "L2", 2)]
    assert sample_problems(ok, products) == []
    too_many = [*ok, SampleDrop(ProductId("P1"), "L3", 1)]
    assert sample_problems(too_many, products) == ["Corvenza: 5 samples, but at most 4 may be left per visit."]


def test_an_autosaved_visit_comes_back_unchanged(demo_folder: Path) -> None:
    with Workspace.open(demo_folder) as ws:
        hcp = ws.directory.hcps()[0]
        report = ws.visits.new(hcp.id).edited(
            notes="Half a note", topics=("efficacy",), samples=(SampleDrop(ProductId("P1"), "LOT-9", 3),)
        )
    assert report_from_payload(report_to_payload(report)) == report
