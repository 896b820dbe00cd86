"""The screener on the held-out rep notes (tests/fixtures/safety/README.md): written before the screener changed,
never used to tune it. The issue's bars are recall 1.0 and at most 10% false flags; each figure is printed with n."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from repcompanion.intel.safety import Screener, get_screener
from repcompanion.intel.safety.corpus import RepNote, read_rep_notes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "safety"
REPORTABLE = read_rep_notes(FIXTURES / "rep_notes_holdout_reportable.tsv")
PLAIN = read_rep_notes(FIXTURES / "rep_notes_holdout_plain.tsv")
#: the second held-out set, by another author (README.md there)
REPORTABLE2 = read_rep_notes(FIXTURES / "rep_notes_holdout2_reportable.tsv")
PLAIN2 = read_rep_notes(FIXTURES / "rep_notes_holdout2_plain.tsv")
#: measured recall: 175/180 when this file was written, 176/180 after the second tuning set (rep_notes_dev2.tsv),
#: 180/180 with the note and register models (thirteen tuning files by several authors); test_every_... holds it
RECALL_FLOOR = 0.97


@pytest.fixture(scope="module")
def screener() -> Screener:
    return get_screener()


def _flagged(screener: Screener, notes: list[RepNote]) -> list[bool]:
    return [r.flag for r in screener.screen_many([n.text for n in notes])]


def test_the_held_out_set_has_at_least_ten_notes_per_category_and_as_many_plain_ones() -> None:
    per_category = Counter(n.category for n in REPORTABLE)
    assert len(per_category) == 15 and min(per_category.values()) >= 10
    assert len(PLAIN) >= len(REPORTABLE) and all(not n.reportable for n in PLAIN)


def test_no_more_than_one_plain_note_in_ten_is_flagged(screener: Screener) -> None:
    flags = _flagged(screener, PLAIN)
    print(f"held-out plain notes flagged: {sum(flags)} of n={len(flags)}")
    assert sum(flags) / len(flags) <= 0.10


def test_reportable_notes_are_flagged_at_least_as_well_as_when_measured(screener: Screener) -> None:
    flags = _flagged(screener, REPORTABLE)
    print(f"held-out reportable notes flagged: {sum(flags)} of n={len(flags)}")
    assert sum(flags) / len(flags) >= RECALL_FLOOR


def test_every_reportable_note_is_flagged(screener: Screener) -> None:
    assert all(_flagged(screener, REPORTABLE))


def test_the_second_held_out_set_is_as_large_and_flags_few_plain_notes(screener: Screener) -> None:
    per_category = Counter(n.category for n in REPORTABLE2)
    assert len(per_category) == 15 and min(per_category.values()) >= 10 and len(PLAIN2) >= len(REPORTABLE2)
    flags = _flagged(screener, PLAIN2)
    print(f"second held-out set, plain notes flagged: {sum(flags)} of n={len(flags)}")
    assert sum(flags) / len(flags) <= 0.10


def test_the_second_held_out_set_keeps_its_measured_recall(screener: Screener) -> None:
    flags = _flagged(screener, REPORTABLE2)
    print(f"second held-out set, reportable notes flagged: {sum(flags)} of n={len(flags)}")
    assert sum(flags) >= 192  # measured 192/195 (138/195 before the note model); a floor against regression


@pytest.mark.xfail(strict=True, reason="issue 19 asks for recall 1.0; 192 of the other author's 195 are flagged")
def test_every_reportable_note_of_the_second_set_is_flagged(screener: Screener) -> None:
    assert all(_flagged(screener, REPORTABLE2))
