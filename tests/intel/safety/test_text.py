"""Sentence splitting, tokens and lexicon matching (wildcards, gaps, plurals, spelling tolerance)."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import SafetyError
from repcompanion.intel.safety import resource_path, resources_dir
from repcompanion.intel.safety.lexicon import Lexicon, load_lexicon
from repcompanion.intel.safety.locate import RESOURCES_ENV
from repcompanion.intel.safety.text import split_sentences, tokenize


def test_sentences_split_on_punctuation_lines_and_bullets_but_not_abbreviations() -> None:
    text = "Met Dr. Smith re: dosing. She said one pt had a rash!\n- item one\n* item two; item three"
    pieces = [text[a:b] for a, b in split_sentences(text)]
    assert pieces == [
        "Met Dr. Smith re: dosing.",
        "She said one pt had a rash!",
        "item one",
        "item two",
        "item three",
    ]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_sentences_are_ordered_disjoint_and_trimmed(text: str) -> None:
    previous_end = 0
    for start, end in split_sentences(text):
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and any(ch.isalnum() for ch in piece)
        previous_end = end


@given(st.text(max_size=200))
def test_tokens_point_back_into_the_text(text: str) -> None:
    for token in tokenize(text):
        assert text[token.start : token.end].lower().replace("'", "").replace("’", "") == token.norm


def _lexicon(**terms: list[str]) -> Lexicon:
    return Lexicon({"adverse_event": {"strong": list(terms.get("strong", []))}}, {}, [], fuzzy_min_length=7)


def test_wildcards_gaps_and_plurals_match() -> None:
    lexicon = _lexicon(strong=["nause*", "stopped * working", "headache", "diarrhea"])
    text = "Nauseated, headaches, it stopped really working, diarhea"
    found = {
        (m.entry.phrase, text[t[m.first].start : t[m.last - 1].end]) for t in [tokenize(text)] for m in lexicon.find(t)
    }
    assert found == {
        ("nause*", "Nauseated"),
        ("headache", "headaches"),
        ("stopped * working", "stopped really working"),
        ("diarrhea", "diarhea"),
    }


def test_spelling_tolerance_keeps_the_first_letter_and_skips_excluded_words() -> None:
    lexicon = Lexicon(
        {"adverse_event": {"strong": ["swelling", "bloating"]}},
        {},
        [],
        fuzzy_exclude=["spelling"],
    )
    assert lexicon.correct("swellling") == "swelling"
    assert lexicon.correct("spelling") == "spelling"
    assert lexicon.correct("loathing") == "loathing"


def test_shipped_lexicon_loads_and_names_only_known_categories() -> None:
    lexicon = load_lexicon(resource_path("safety", "lexicon.toml"))
    assert lexicon.patterns


def test_unknown_category_in_a_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "lex.toml"
    path.write_text('[terms.side_stuff]\nstrong = ["rash"]\n', encoding="utf-8")
    with pytest.raises(SafetyError, match="unknown category 'side_stuff'"):
        load_lexicon(path)


def test_resources_folder_can_be_overridden_and_a_bad_override_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    assert resources_dir() == tmp_path
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "missing"))
    with pytest.raises(SafetyError, match="not a folder") as caught:
        resources_dir()
    assert RESOURCES_ENV in caught.value.hint
