"""The curated safety lexicon: load resources/safety/lexicon.toml and find its phrases in a note, fast."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from repcompanion.domain import SafetyError
from repcompanion.intel.safety.categories import CATEGORIES
from repcompanion.intel.safety.text import Token, normalise_phrase

CUE_KINDS = (
    "negation_before",
    "negation_after",
    "pseudo_negation",
    "scope_end",
    "event",
    "generic",
    "generic_after",
    "indication_before",
    "indication_after",
    "hearsay_hcp",
    "hearsay_patient",
    "hearsay_verb",
    "exposure",
    "event_after",
)
_MAX_GAP = 2


@dataclass(frozen=True, slots=True)
class Entry:
    """What a phrase means: a term of a category (strong or weak) or a cue of some kind."""

    kind: str  # "term" or "cue"
    label: str  # the category for a term, the cue kind for a cue
    strong: bool
    phrase: str


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon phrase found in a note, as a half-open range of token indexes."""

    first: int
    last: int  # exclusive
    entry: Entry


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular-expression rule from the lexicon's [[patterns]] tables."""

    category: str
    regex: re.Pattern[str]
    max_age: int | None
    needs_exposure: bool


@dataclass(slots=True)
class _Node:
    exact: dict[str, _Node] = field(default_factory=dict)
    prefixes: dict[int, dict[str, _Node]] = field(default_factory=dict)
    gap: _Node | None = None
    entries: list[Entry] = field(default_factory=list)


def _plural_forms(word: str) -> tuple[str, ...]:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return (word, word + "es")
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return (word, word + "s", word[:-1] + "ies")
    return (word, word + "s")


class Lexicon:
    """Phrases compiled into a word trie; `find` scans a note once for every term and cue."""

    def __init__(
        self,
        terms: dict[str, dict[str, list[str]]],
        cues: dict[str, list[str]],
        patterns: list[Pattern],
        *,
        negation_window: int = 6,
        context_window: int = 6,
        indication_window: int = 3,
        fuzzy_min_length: int = 7,
        fuzzy_exclude: Iterable[str] = (),
        source: str = "<memory>",
    ) -> None:
        self.source = source
        self.negation_window = negation_window
        self.context_window = context_window
        self.indication_window = indication_window
        self.patterns = patterns
        self._root = _Node()
        self._vocabulary: set[str] = set()
        fuzzy_targets: set[str] = set()
        for category, lists in terms.items():
            if category not in CATEGORIES:
                raise SafetyError(
                    f"The lexicon {source} names an unknown category {category!r}.",
                    hint=f"Use one of: {', '.join(CATEGORIES)}.",
                )
            for strength in ("strong", "weak"):
                for phrase in lists.get(strength, []):
                    words = self._add(phrase, Entry("term", category, strength == "strong", phrase))
                    single = len(words) == 1 and not words[0].endswith("*")
                    if strength == "strong" and single and len(words[0]) >= fuzzy_min_length:
                        fuzzy_targets.add(words[0])
        for kind, phrases in cues.items():
            for phrase in phrases:
                self._add(phrase, Entry("cue", kind, True, phrase))
        self._fuzzy_min_length = fuzzy_min_length
        self._fuzzy_blocked = self._vocabulary | {w.lower() for w in fuzzy_exclude}
        self._deletes: dict[str, str] = {}
        for word in sorted(fuzzy_targets):
            for variant in (word, *_deletions(word)):
                self._deletes.setdefault(variant, word)
        self._fuzzy_cache: dict[str, str | None] = {}

    def _add(self, phrase: str, entry: Entry) -> list[str]:
        words = normalise_phrase(phrase)
        if not words or words[0] == "*" or words[-1] == "*":
            raise SafetyError(
                f"The lexicon phrase {phrase!r} in {self.source} is empty or starts or ends with a gap.",
                hint="Write the phrase as words; a lone '*' may only stand between two words.",
            )
        last = len(words) - 1
        nodes = [self._root]
        for i, word in enumerate(words):
            following: list[_Node] = []
            for node in nodes:
                if word == "*":
                    if node.gap is None:
                        node.gap = _Node()
                    following.append(node.gap)
                elif word.endswith("*"):
                    stem = word[:-1]
                    table = node.prefixes.setdefault(len(stem), {})
                    following.append(table.setdefault(stem, _Node()))
                else:
                    forms = _plural_forms(word) if i == last and entry.kind == "term" else (word,)
                    for form in forms:
                        self._vocabulary.add(form)
                        following.append(node.exact.setdefault(form, _Node()))
            nodes = following
        for node in nodes:
            if entry not in node.entries:
                node.entries.append(entry)
        return words

    def correct(self, word: str) -> str:
        """The lexicon word one edit away from a misspelt `word`, or `word` itself."""
        if len(word) < self._fuzzy_min_length or word in self._fuzzy_blocked or word.isdigit():
            return word
        cached = self._fuzzy_cache.get(word, "")
        if cached != "":
            return cached or word
        found: str | None = None
        for variant in (word, *_deletions(word)):
            target = self._deletes.get(variant)
            # Typing slips rarely touch the first letter; requiring it avoids real-word collisions.
            if target is not None and target[0] == word[0]:
                found = target
                break
        if len(self._fuzzy_cache) > 50_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[word] = found
        return found or word

    def find(self, tokens: list[Token]) -> list[Match]:
        """Every term and cue in the token list (overlaps included), in order of first token."""
        words = [self.correct(t.norm) for t in tokens]
        n = len(words)
        found: list[Match] = []
        for first in range(n):
            stack: list[tuple[_Node, int]] = [(self._root, first)]
            while stack:
                node, j = stack.pop()
                if node.entries and j > first:
                    found.extend(Match(first, j, entry) for entry in node.entries)
                if j >= n:
                    continue
                word = words[j]
                child = node.exact.get(word)
                if child is not None:
                    stack.append((child, j + 1))
                for length, table in node.prefixes.items():
                    if len(word) >= length:
                        child = table.get(word[:length])
                        if child is not None:
                            stack.append((child, j + 1))
                if node.gap is not None and j > first:
                    for skip in range(_MAX_GAP + 1):
                        if j + skip < n:
                            stack.append((node.gap, j + skip))
        return found


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def load_lexicon(path: Path) -> Lexicon:
    """Read a lexicon TOML file (format documented at the top of resources/safety/lexicon.toml)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SafetyError(
            f"The safety lexicon {path} is missing.",
            hint="Reinstall RepCompanion or set REPCOMPANION_RESOURCES to a folder with safety/lexicon.toml.",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SafetyError(
            f"The safety lexicon {path} is not valid TOML: {exc}.", hint="Fix the file or restore it."
        ) from exc
    terms = data.get("terms", {})
    raw_cues = data.get("cues", {})
    cues = {kind: list(raw_cues.get(kind, [])) for kind in CUE_KINDS}
    patterns: list[Pattern] = []
    for item in data.get("patterns", []):
        try:
            regex = re.compile(item["regex"], re.IGNORECASE)
        except (KeyError, re.error) as exc:
            raise SafetyError(
                f"A pattern in {path} cannot be used: {exc}.",
                hint="Each [[patterns]] table needs a valid Python `regex` and a `category`.",
            ) from exc
        category = item.get("category", "")
        if category not in CATEGORIES:
            raise SafetyError(f"A pattern in {path} names an unknown category {category!r}.")
        patterns.append(Pattern(category, regex, item.get("max_age"), bool(item.get("needs_exposure"))))
    fuzzy = data.get("fuzzy", {})
    return Lexicon(
        terms,
        cues,
        patterns,
        negation_window=int(raw_cues.get("negation_window", 6)),
        context_window=int(raw_cues.get("context_window", 6)),
        indication_window=int(raw_cues.get("indication_window", 3)),
        fuzzy_min_length=int(fuzzy.get("min_length", 7)),
        fuzzy_exclude=fuzzy.get("exclude", []),
        source=str(path),
    )
