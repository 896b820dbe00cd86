"""Restricted wording: the shipped list, custom lists and the suggested fixes."""

from pathlib import Path

import pytest

from repcompanion.domain import SafetyError
from repcompanion.intel.safety import RESTRICTED_CATEGORIES, check_restricted, load_restricted


def test_each_category_of_the_shipped_list_is_found_with_a_fix() -> None:
    text = (
        "Told Dr. Cole it is the safest option with no side effects, the competitor is really dangerous, "
        "and she could use it off-label in teens."
    )
    hits = check_restricted(text)
    assert {hit.category for hit in hits} == set(RESTRICTED_CATEGORIES)
    for hit in hits:
        assert text[hit.start : hit.end] == hit.text
        assert hit.fix
    by_phrase = {hit.phrase: hit for hit in hits}
    assert by_phrase["no side effects"].fix.startswith("Say 'generally well tolerated'")
    assert by_phrase["the safest"].category == "superlative"


def test_a_compliant_note_has_no_hits() -> None:
    assert check_restricted("Reviewed the approved dosing and the label's adverse reactions section.") == []


def test_phrases_match_whole_words_across_spaces_and_hyphens() -> None:
    hits = check_restricted("A true GAME  CHANGER, risk free! But 'cured' meat and obscure claims are fine.")
    assert [hit.phrase for hit in hits] == ["game changer", "risk-free", "cured"]
    assert not check_restricted("obscure procured secure")


def test_a_company_list_can_be_loaded_from_another_path(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text(
        'competitors = ["Zentra"]\n'
        "[[rules]]\n"
        'category = "competitor_disparagement"\n'
        'fix = "Stick to approved comparisons."\n'
        'phrases = ["knock-off"]\n'
        "patterns = ['''\\b{competitor}\\s+is\\s+(?:unsafe|worse)\\b''']\n",
        encoding="utf-8",
    )
    rules = load_restricted(path)
    hits = check_restricted("Zentra is unsafe and a knock off.", rules=rules)
    assert [(h.phrase, h.category) for h in hits] == [
        ("zentra is unsafe", "competitor_disparagement"),
        ("knock-off", "competitor_disparagement"),
    ]
    assert check_restricted("Zentra is worse.", rules=path)[0].fix == "Stick to approved comparisons."


def test_a_bad_list_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[rules]]\ncategory = "rude"\nphrases = ["x"]\n', encoding="utf-8")
    with pytest.raises(SafetyError, match="category 'rude'"):
        load_restricted(path)
    with pytest.raises(SafetyError, match="missing"):
        load_restricted(tmp_path / "none.toml")
