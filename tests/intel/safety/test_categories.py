"""Every reportable category is found and named with its words; idioms, logistics and questions are not flagged."""

from __future__ import annotations

import pytest

from repcompanion.intel.safety import CATEGORIES, Screener, get_screener
from repcompanion.intel.safety.categories import (
    FAMILIES,
    LABELS,
    PRODUCT_QUALITY,
    QUALITY_CATEGORIES,
    family_of,
    needs_pharmacovigilance,
    needs_quality,
)
from repcompanion.intel.safety.result import CLEAR, FLAGGED, POSSIBLE, POSSIBLE_BAND, level_of

# Written for these tests (none is in the tuning or held-out fixtures): (note, category it must name, words).
EXAMPLES: list[tuple[str, str, str]] = [
    ("Dr Amadi said her patient came out in blotchy hives an hour after the infusion.", "adverse_event", "hives"),
    ("Nurse told me the gel has stopped working for a patient, his plaques are back.", "lack_of_efficacy", "stopped"),
    ("Dr Lyle said a man swallowed a whole box of the tablets on purpose and was ventilated.", "overdose", "whole"),
    ("Pharmacist thinks a customer is snorting the crushed tablets.", "misuse", "snorting"),
    ("Dr Obi said a patient had terrible brain zaps for days after quitting.", "withdrawal", "brain zaps"),
    ("Dr Eze has a patient who became pregnant while taking our product.", "pregnancy_exposure", "pregnant"),
    ("Dr Fenn mentioned a mum who is breastfeeding and takes the tablets daily.", "breastfeeding_exposure", "breast"),
    ("Dr Kim started a 6-year-old on the inhaler last month.", "paediatric_use", "6-year-old"),
    ("Pharmacy dispensed 25 mg instead of 2.5 mg and the patient took it for four days.", "medication_error", "25 mg"),
    ("Dr Hale prescribes it off-label for cluster headache in three patients.", "off_label_use", "off-label"),
    ("Nurse showed me a carton whose tamper seal was already broken.", "packaging", "seal"),
    ("The expiry date on the sample vials is completely smudged.", "labelling", "smudged"),
    ("A patient's capsules came out of the bottle sticky and fused together.", "appearance", "sticky"),
    ("Dr Ray said a patient found tiny glass fragments in the vial.", "foreign_matter", "glass fragments"),
    ("The autoinjector jammed halfway and the patient got only part of the dose.", "device_malfunction", "jammed"),
    (
        "Patient bought the pens online and the hologram looks printed on; probably counterfeit.",
        "suspected_counterfeit",
        "",
    ),
]

PLAIN: list[str] = [
    "Booking a slot with this office is a real headache for everyone.",
    "The new portal is not working, so I faxed the forms.",
    "Dr Lowe is not working on Fridays this month.",
    "Competitors are killing it in the hospital accounts.",
    "Dr Ng asked whether the tablets can be crushed; I sent a medical information request.",
    "Discussed the rate of nausea in the pivotal trial and the titration schedule.",
    "Dr Webb treats a lot of heart failure patients and asked for the outcomes slides.",
    "No side effects reported by any of her patients so far.",
    "Left the patient leaflets and the dosing cards with reception.",
    "Dr Shaw asked if we have any data in pregnancy; referred to medical.",
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return get_screener()


@pytest.mark.parametrize(("note", "category", "words"), EXAMPLES, ids=[c for _, c, _ in EXAMPLES])
def test_each_reportable_category_is_named_with_the_words_that_triggered_it(
    screener: Screener, note: str, category: str, words: str
) -> None:
    result = screener.screen(note)
    assert result.flag
    assert category in result.categories, result.categories
    named = result.triggers_by_category()[category]
    assert all(word in note for word in named)
    if words:
        assert any(words.lower() in word.lower() for word in named), named


@pytest.mark.parametrize("note", PLAIN)
def test_idioms_logistics_questions_negations_and_disease_context_do_not_flag(screener: Screener, note: str) -> None:
    assert not screener.screen(note).flag


def test_the_examples_cover_every_category_but_the_catch_all_complaint() -> None:
    assert {c for _, c, _ in EXAMPLES} == set(CATEGORIES) - {"product_complaint"}


def test_every_category_has_a_label_and_one_family() -> None:
    assert set(LABELS) == set(CATEGORIES)
    assert {family_of(c) for c in CATEGORIES} == set(FAMILIES)
    assert {c for c in CATEGORIES if family_of(c) == PRODUCT_QUALITY} == QUALITY_CATEGORIES


def test_routing_sends_complaints_to_quality_and_everything_else_to_pharmacovigilance() -> None:
    assert needs_quality(("packaging",)) and not needs_pharmacovigilance(("packaging",))
    assert needs_pharmacovigilance(("overdose",)) and not needs_quality(("overdose",))
    assert needs_pharmacovigilance(("device_malfunction", "adverse_event")) and needs_quality(("appearance", "misuse"))
    assert needs_pharmacovigilance(())  # an intake raised by hand, with no category, still reaches PV
    assert needs_pharmacovigilance(("a_category_from_a_newer_release",))


def test_a_catch_all_complaint_gives_way_to_the_kind_the_sentence_names(screener: Screener) -> None:
    result = screener.screen("The pharmacist said the inhaler was defective and the dose counter stuck at 60.")
    assert "device_malfunction" in result.categories and "product_complaint" not in result.categories


def test_an_event_after_running_out_is_also_named_withdrawal(screener: Screener) -> None:
    ran_out = screener.screen("Nurse said a patient ran out of tablets and had sweats and shaking for three days.")
    assert {"withdrawal", "adverse_event"} <= set(ran_out.categories)
    cause = screener.screen("Nurse said a patient stopped the tablets because of a rash.")
    assert cause.categories == ("adverse_event",)


def test_a_device_fault_is_not_called_lack_of_efficacy(screener: Screener) -> None:
    result = screener.screen("Dr Hart said the patient's pen is not working, the dial will not turn.")
    assert "device_malfunction" in result.categories and "lack_of_efficacy" not in result.categories


def test_british_and_american_spellings_of_clinical_words_are_one(screener: Screener) -> None:
    for note in ("Dr Ito reported a large haematoma after the injection.", "Dr Ito reported leukaemia on therapy."):
        assert screener.screen(note).flag, note


@pytest.mark.parametrize(
    ("score", "level"),
    [(0.0, CLEAR), (0.4999, CLEAR), (0.5, POSSIBLE), (POSSIBLE_BAND[1] - 1e-9, POSSIBLE), (POSSIBLE_BAND[1], FLAGGED)],
)
def test_the_possible_band_sits_just_above_the_threshold(score: float, level: str) -> None:
    assert level_of(score) == level


def test_a_bare_clinical_term_in_a_reps_note_is_weighed_by_the_note_model(screener: Screener) -> None:
    # A rep jotting a term after a name ("Dr Rao: hypertrichosis.") is as often the HCP's field as an event: the
    # note model, which read whole rep notes, decides, and the term stays on the note as considered evidence.
    bare = screener.screen("Dr Rao: hypertrichosis.")
    assert not bare.flag and "hypertrichosis" in [span.text.lower() for span in bare.considered]
    happened = screener.screen("Dr Rao said a patient developed hypertrichosis after starting it.")
    assert happened.flag and happened.level == FLAGGED
    # Out of a rep's note (a patient's words, a case report) the term alone flags.
    assert screener.screen("Hypertrichosis.").flag


def test_a_reps_own_note_needs_more_from_the_model_than_a_patients_review(screener: Screener) -> None:
    from repcompanion.intel.safety.analysis import rep_voice

    assert rep_voice(screener.analyse("Dr Lee said the lunch is on Tuesday."))
    assert rep_voice(screener.analyse("The patient was started on it in March."))
    assert not rep_voice(screener.analyse("I started it in March and my doctor said to keep going."))
    thresholds = screener.model.rep_threshold, screener.model.threshold
    assert thresholds[0] >= thresholds[1]


def test_every_flag_says_why_in_plain_words(screener: Screener) -> None:
    words = screener.screen("Dr Lee said the patient developed a rash and hives after the first dose.")
    assert words.reasons() == ("Adverse event: the words \u201crash\u201d, \u201chives\u201d.",)
    read = screener.screen("Dr Obi said a lady came back with ankles like balloons after we bumped her dose to 10.")
    assert read.flag and read.reasons()
    assert any("reads like notes that reported one (model score" in line for line in read.reasons())
    assert read.details()["reasons"] == list(read.reasons())
    assert screener.screen("Lunch booked for Tuesday with Dr Lee.").reasons() == ()
