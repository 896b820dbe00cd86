"""Sentence splitting and word tokens with character offsets, tuned for terse visit notes."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z0-9]+)*")
_APOSTROPHES = str.maketrans("", "", "'’")

# Candidate sentence ends: terminal punctuation followed by space, line breaks, semicolons and inline
# bullets. A period after an abbreviation or an initial is not an end.
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\s*[\r\n]+\s*|;\s*|\s+[•·▪‣◦]\s*")
_BULLET = re.compile(r"(?:[-*•·▪‣◦>]+|\d{1,2}[.)]|[a-zA-Z][.)](?=\s))\s*")
_ABBREVIATIONS = frozenset(
    [
        "dr",
        "drs",
        "mr",
        "mrs",
        "ms",
        "mx",
        "pt",
        "pts",
        "vs",
        "e.g",
        "eg",
        "i.e",
        "ie",
        "approx",
        "inc",
        "st",
        "no",
        "nos",
        "fig",
        "prof",
        "jr",
        "sr",
        "dept",
        "tab",
        "tabs",
        "caps",
        "cap",
        "min",
        "max",
        "wk",
        "wks",
        "hr",
        "hrs",
        "yr",
        "yrs",
        "mo",
        "mos",
        "cf",
        "al",
        "ref",
        "rx",
        "hx",
        "dx",
        "tx",
        "sx",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
    ]
)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a note: its normalised form (lower case, no apostrophes) and where it sits."""

    norm: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split text into word tokens; apostrophes are dropped so "didn't" and "didnt" are one word."""
    return [Token(m.group().lower().translate(_APOSTROPHES), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def normalise_phrase(phrase: str) -> list[str]:
    """The token forms of a lexicon phrase, with "*" wildcards kept as written."""
    words = re.findall(r"\*|[A-Za-z0-9]+(?:['’][A-Za-z0-9]+)*\*?", phrase)
    return [w.lower().translate(_APOSTROPHES) for w in words]


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` closes an abbreviation or an initial rather than a sentence."""
    begin = dot
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:dot].lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True
    return word in _ABBREVIATIONS


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences (and bullet items) of a note, leading bullets stripped."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        mark = m.group()
        if mark[0] in ".!?":
            nxt = text[m.end() : m.end() + 1]
            if mark[0] == "." and _is_abbreviation(text, m.start()):
                continue
            if nxt and nxt.islower():
                continue
            end = m.start() + len(mark.rstrip())
        else:
            end = m.start()
        pieces.append((start, end))
        start = m.end()
    pieces.append((start, len(text)))
    result: list[tuple[int, int]] = []
    for begin, end in pieces:
        while begin < end and text[begin].isspace():
            begin += 1
        while end > begin and text[end - 1].isspace():
            end -= 1
        bullet = _BULLET.match(text, begin, end)
        if bullet and bullet.end() < end:
            begin = bullet.end()
        if any(ch.isalnum() for ch in text[begin:end]):
            result.append((begin, end))
    return result
