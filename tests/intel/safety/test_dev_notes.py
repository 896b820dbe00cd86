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


NOTES2 = read_rep_notes(FIXTURES / "rep_notes_dev2.tsv")


def test_the_second_tuning_set_keeps_the_recall_target_and_few_false_flags(screener: Screener) -> None:
    """rep_notes_dev2.tsv sets the thresholds with the other tuning sources (recall >= 0.98 on each at once); it
    holds notes the screener still misses, so this checks the target, not every note."""
    reportable = [n for n in NOTES2 if n.reportable]
    plain = [n for n in NOTES2 if not n.reportable]
    assert len(reportable) >= 15 * 15 and len(plain) >= len(reportable)
    found = sum(r.flag for r in screener.screen_many([n.text for n in reportable]))
    assert found / len(reportable) >= 0.98
    flagged = sum(r.flag for r in screener.screen_many([n.text for n in plain]))
    assert flagged / len(plain) <= 0.05
