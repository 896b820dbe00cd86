"""Lexicon rules: a rule is skipped only on notes it cannot match; pair rules need their two halves close."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.intel.safety import get_screener
from repcompanion.intel.safety.lexicon import Lexicon, Pair, required_literals
from repcompanion.intel.safety.text import tokenize

PATTERNS = get_screener().lexicon.patterns
WORDS = sorted(
    {w for p in PATTERNS for w in re.findall(r"[a-z]{2,}", p.regex.pattern.lower())}
    | {"the", "a", "patient", "took", "20", "tablets", "mg", "instead", "of", "5", "year", "old", "pen", "rose"}
)


@pytest.mark.parametrize(
    ("pattern", "anchors"),
    [
        (r"\bfoo(?:bar|baz)\b", ("fooba",)),  # the parser factors out the shared "ba"
        (r"\b(?:abc|de)\s+x", ("abc", "de")),
        (r"[a-z]+(?:itis|penia)\b", ("itis", "penia")),
        (r"a?b", None),
        (r"(?:quick|\d+)\s+fox", ("fox",)),
    ],
)
def test_required_literals_are_what_every_match_must_hold(pattern: str, anchors: tuple[str, ...] | None) -> None:
    assert required_literals(pattern) == anchors


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
def test_a_rule_is_never_skipped_on_a_note_it_matches(words: list[str]) -> None:
    text = " ".join(words)
    for pattern in PATTERNS:
        if pattern.regex.search(text):
            assert pattern.may_match(text.lower()), (pattern.regex.pattern[:60], text)


def _pair_lexicon(window: int) -> Lexicon:
    return Lexicon({}, {}, [], pairs=[(Pair("device_malfunction", window, True), ["pen"], ["jammed"])])


def test_a_pair_needs_its_object_and_defect_within_the_window() -> None:
    from repcompanion.intel.safety.analysis import Analyser

    analyser = Analyser(_pair_lexicon(3))
    near = analyser.analyse("The pen had jammed again.")
    far = analyser.analyse("The pen was fine for months until, out of nowhere, it jammed.")
    assert [h.category for s in near for h in s.hits] == ["device_malfunction"]
    assert [h.category for s in far for h in s.hits] == []


def test_pair_halves_alone_find_nothing() -> None:
    lexicon = _pair_lexicon(6)
    assert [m.entry.kind for m in lexicon.find(tokenize("the pen"))] == ["part"]
