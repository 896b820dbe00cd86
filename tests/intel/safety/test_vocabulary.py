"""The open AE vocabulary: verbatim, attributed, rebuilt from training sources only, and matched as intended."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from repcompanion.intel.safety import resource_path
from repcompanion.intel.safety.lexicon import Lexicon, american
from repcompanion.intel.safety.text import tokenize
from repcompanion.intel.safety.vocabulary import (
    HPO_ACKNOWLEDGEMENT,
    HPO_FILE,
    build_vocabulary,
    read_filter,
    read_vocabulary,
    source_terms,
    training_sentences,
)

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "safety"
needs_data = pytest.mark.skipif(not (DATA / "ae_vocab").is_dir(), reason="shared/data/ae_vocab is not available")
VOCABULARY = resource_path("safety", "ae_vocabulary.tsv")


def test_the_shipped_vocabulary_names_hpo_and_its_release() -> None:
    header = VOCABULARY.read_text(encoding="utf-8").split("\nterm\t", 1)[0]
    assert HPO_ACKNOWLEDGEMENT in header
    assert "release 2023-01-27" in header and "Symptom Ontology release 2026-07-30" in header


def test_no_term_comes_from_an_evaluation_split() -> None:
    terms = read_vocabulary(VOCABULARY)
    assert len(terms) > 20_000
    assert all("SPL-ADR-200:test" not in t.sources for t in terms)
    assert all("*" not in t.phrase for t in terms)


@needs_data
def test_every_hpo_term_is_copied_verbatim_from_the_release() -> None:
    verbatim: set[str] = set()
    with DATA.joinpath(*HPO_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            verbatim.update([row["label"], *row["synonyms"].split("|"), *row["lay_synonyms"].split("|")])
    hpo_only = [t for t in read_vocabulary(VOCABULARY) if t.sources.startswith("HP:")]
    assert hpo_only and all(t.phrase in verbatim for t in hpo_only)


@needs_data
def test_the_shipped_vocabulary_is_what_the_builder_makes_from_the_training_sources() -> None:
    choices = read_filter(resource_path("safety", "vocabulary_filter.toml"))
    built = build_vocabulary(
        source_terms(DATA),
        choices,
        training_sentences(DATA, [FIXTURES / "rep_notes_dev.tsv", FIXTURES / "rep_notes_dev2.tsv"]),
    )
    assert built == read_vocabulary(VOCABULARY)


def test_filtered_and_weak_terms_follow_the_filter() -> None:
    by_phrase = {t.phrase.lower(): t for t in read_vocabulary(VOCABULARY)}
    choices = read_filter(resource_path("safety", "vocabulary_filter.toml"))
    assert not any(phrase in by_phrase for phrase in choices.exclude)
    assert all(not by_phrase[p].strong for p in choices.weak if p in by_phrase)
    assert by_phrase["hepatotoxicity"].strong


def test_a_curated_phrase_keeps_its_strength_over_the_vocabulary() -> None:
    lexicon = Lexicon(
        {"adverse_event": {"strong": [], "weak": ["weight loss", "pain"]}},
        {},
        [],
        vocabulary=[
            ("adverse_event", "Weight loss", True),
            ("adverse_event", "Pain", True),
            ("adverse_event", "Oedema", True),
        ],
    )
    found = {(m.entry.phrase, m.entry.strong) for m in lexicon.find(tokenize("weight loss and pain with edema"))}
    assert found == {("weight loss", False), ("pain", False), ("Oedema", True)}


@pytest.mark.parametrize(
    ("british", "american_form"),
    [
        ("haematoma", "hematoma"),
        ("oedema", "edema"),
        ("diarrhoea", "diarrhea"),
        ("leukaemia", "leukemia"),
        ("paediatric", "pediatric"),
        ("oesophagitis", "esophagitis"),
        ("tumour", "tumor"),
        ("rash", "rash"),
    ],
)
def test_british_spellings_fold_to_american(british: str, american_form: str) -> None:
    assert american(british) == american_form
