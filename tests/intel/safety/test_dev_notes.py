"""The screener on the tuning notes it was tuned on (rep_notes_dev.tsv, case_sentences_dev.tsv): every reportable
one flagged and named, few plain ones flagged. A regression check, not an estimate (see test_holdout_notes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from repcompanion.intel.safety import Screener, get_screener
from repcompanion.intel.safety.corpus import read_rep_notes
from repcompanion.intel.safety.train import FIXTURES

NOTES = read_rep_notes(FIXTURES / "rep_notes_dev.tsv")
CASES = read_rep_notes(FIXTURES / "case_sentences_dev.tsv")
NAMES = {
    "abuse": {"misuse"},
    "pregnancy_breastfeeding": {"pregnancy_exposure", "breastfeeding_exposure"},
    "use_in_children": {"paediatric_use"},
}


@pytest.fixture(scope="module")
def screener() -> Screener:
    return get_screener()


def test_the_tuning_fixtures_are_where_training_looks_for_them() -> None:
    assert Path(__file__).resolve().parents[2] / "fixtures" / "safety" == FIXTURES


def test_every_reportable_tuning_note_is_flagged_and_nearly_all_name_their_category(screener: Screener) -> None:
    reportable = [n for n in NOTES if n.reportable]
    results = screener.screen_many([n.text for n in reportable])
    assert all(r.flag for r in results)
    named = sum(
        bool(NAMES.get(n.category, {n.category}) & set(r.categories)) for n, r in zip(reportable, results, strict=True)
    )
    assert named / len(reportable) >= 0.97


def test_few_plain_tuning_notes_are_flagged(screener: Screener) -> None:
    plain = [n for n in NOTES if not n.reportable]
    flagged = [n.text for n, r in zip(plain, screener.screen_many([n.text for n in plain]), strict=True) if r.flag]
    assert len(flagged) / len(plain) <= 0.05, flagged


def test_every_case_report_sentence_with_an_event_is_flagged(screener: Screener) -> None:
    events = [n for n in CASES if n.reportable]
    assert all(r.flag for r in screener.screen_many([n.text for n in events]))
