"""The note model and the register model: how they are trained, how their thresholds are chosen, and how the
screener uses them (a rep's note is the note model's to decide; anything else keeps the sentence decision)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from repcompanion.intel.safety import Screener, get_screener
from repcompanion.intel.safety.lexicon import load_lexicon
from repcompanion.intel.safety.locate import resource_path
from repcompanion.intel.safety.screener import LEXICON_FILE
from repcompanion.intel.safety.train import (
    NOTE_CATEGORIES,
    TUNING_NOTES,
    NoteEvidence,
    note_flags,
    pick_note_thresholds,
    train_note_model,
)

HEADER = ("id", "category", "register", "text")


@pytest.fixture(scope="module")
def screener() -> Screener:
    return get_screener()


def test_the_held_out_notes_are_never_training_or_tuning_text() -> None:
    assert not [name for name in TUNING_NOTES if "holdout" in name]


def test_note_thresholds_keep_recall_first_then_flag_the_fewest_plain_notes() -> None:
    evidence = NoteEvidence(
        source=["a"] * 6,
        truth=[True, True, True, False, False, False],
        active=[False, True, False, False, True, False],
        exposure=[False] * 6,
        oof=[0.9, 0.25, 0.6, 0.1, 0.3, 0.45],
    )
    threshold, lexicon = pick_note_thresholds(evidence, 1.0)
    flags = note_flags(evidence, threshold, lexicon)
    assert flags[:3].all()  # every reportable note
    assert int(flags[3:].sum()) == 1  # the plain note at 0.30 with an active phrase is the price of the one at 0.25
    assert lexicon <= 0.25 < 0.45 < threshold <= 0.6


def test_a_phrase_of_exposure_needs_less_from_the_note_model() -> None:
    evidence = NoteEvidence(["a"], [True], [True], [True], [0.12])
    assert note_flags(evidence, 0.5, 0.3)[0]
    assert not note_flags(NoteEvidence(["a"], [True], [True], [False], [0.12]), 0.5, 0.3)[0]


def _write(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def test_the_note_model_is_scored_out_of_file_and_names_every_category(tmp_path: Path) -> None:
    events = ["Dr {0} said a patient got a rash on it", "Pharmacist {0} said the pen jammed twice"]
    plain = ["Lunch with Dr {0} booked for Tuesday", "Dropped off samples for Dr {0}, signed"]
    for n, name in enumerate(("rep_notes_dev.tsv", "rep_notes_dev2.tsv")):
        rows = [
            (f"e{n}{k}", "adverse_event" if k % 2 == 0 else "device_malfunction", "hcp", events[k % 2].format(k))
            for k in range(20)
        ]
        rows += [(f"p{n}{k}", "none", "logistics", plain[k % 2].format(k)) for k in range(20)]
        _write(tmp_path / name, rows)
    screener = Screener(load_lexicon(resource_path(*LEXICON_FILE)), None)
    model, metrics = train_note_model(tmp_path, screener, 16.0, 0.98)
    assert model is not None and model.categories == NOTE_CATEGORIES
    assert set(metrics["out_of_file"]) == {"rep_notes_dev", "rep_notes_dev2", "pooled"}
    assert metrics["out_of_file"]["pooled"]["recall"] >= 0.98
    assert 0 < model.strict_threshold <= model.threshold < 1 and model.plain_threshold <= model.strict_threshold
    p, categories = model.predict(
        ["Dr Lee said a patient got a rash on it", "Pharmacist Ray said the pen jammed twice"]
    )
    assert (p >= model.threshold).all()
    named = [model.categories[int(np.argmax(row))] for row in categories]
    assert named == ["adverse_event", "device_malfunction"]


def test_one_file_is_not_enough_to_score_out_of_file(tmp_path: Path) -> None:
    _write(tmp_path / "rep_notes_dev.tsv", [("e1", "adverse_event", "hcp", "Dr Lee said a rash.")])
    screener = Screener(load_lexicon(resource_path(*LEXICON_FILE)), None)
    assert train_note_model(tmp_path, screener, 16.0, 0.98) == (None, {})


def test_the_shipped_screener_has_its_note_and_register_models(screener: Screener) -> None:
    assert screener.notes is not None and screener.register is not None
    assert screener.notes.categories == NOTE_CATEGORIES


def test_a_visit_note_is_the_note_models_to_decide(screener: Screener) -> None:
    # A fragment with no rep word reads to the sentence model like a patient's words; the app knows it is a note.
    assert not screener.screen("Half-written note for Smith", rep_notes=True).flag


def test_a_rep_note_without_rep_words_is_read_as_one(screener: Screener) -> None:
    note = "Procurement asked for updated pricing on the 50 mL prefilled syringes for the next financial year."
    assert screener._read_as_rep([note], [False]) == [True]
    assert not screener.screen(note).flag
    assert screener.screen("Theatre nurse said a patient had anaphylaxis within minutes of the first vial.").flag


def test_a_case_report_sentence_keeps_the_sentence_decision(screener: Screener) -> None:
    assert screener._read_as_rep(["Ototoxicity after intravenous azithromycin."], [False]) == [False]
    assert screener.screen("Ototoxicity after intravenous azithromycin.").flag
    assert screener.screen("I get brain zaps every time I miss a dose.").flag


def test_without_a_note_model_the_screener_still_screens(screener: Screener) -> None:
    bare = Screener(screener.lexicon, screener.model)
    assert bare.screen("Dr Lee said the patient developed a rash and hives after the first dose.").flag
    assert not bare.screen("Lunch booked for Tuesday with Dr Lee.").flag


@pytest.mark.parametrize(
    "note",
    [
        "Dropped off samples and copay cards.",
        "Dropped off 10 copay cards.",
        "Left the patient savings cards and the new brochure.",
        "Lunch booked for Tuesday with Dr Lee.",
    ],
)
def test_a_lone_logistics_line_is_not_read_as_a_report(screener: Screener, note: str) -> None:
    # The tuning files bury many events among logistics; the note model also reads plain logistics templates.
    assert not screener.screen(note, rep_notes=True).flag
    assert not screener.screen(note).flag
