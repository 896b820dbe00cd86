"""The safety lexicon: load resources/safety/lexicon.toml (and the vocabulary it names) and find its phrases fast."""

from __future__ import annotations

import gc
import re
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repcompanion.domain import SafetyError
from repcompanion.intel.safety.categories import CATEGORIES
from repcompanion.intel.safety.text import Token, normalise_phrase
from repcompanion.intel.safety.vocabulary import read_vocabulary

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
    "idiom",
    "subject",
    "first_person",
    "third_person",
    "rep_voice",
    "rep_hint",
    "occurrence",
    "discontinuation",
    "causal",
)
_MAX_GAP = 2
_PLAIN_WORD = re.compile(r"[a-z0-9]+")
# British spellings of medical words, folded to the American ones the vocabulary mostly uses
# ("haematoma" = "hematoma", "oedema" = "edema", "diarrhoea" = "diarrhea", "paediatric" = "pediatric").
_SPELLINGS = (
    ("rrhoea", "rrhea"),
    ("oedem", "edem"),
    ("oesoph", "esoph"),
    ("oestr", "estr"),
    ("foet", "fet"),
    ("paed", "ped"),
    ("tumour", "tumor"),
    ("aem", "em"),
)


def american(word: str) -> str:
    """`word` with British medical spellings folded (see _SPELLINGS)."""
    if "oe" not in word and "ae" not in word and "our" not in word:
        return word
    for british, us in _SPELLINGS:
        word = word.replace(british, us)
    return word


_APOSTROPHES = str.maketrans("", "", "'’")


@dataclass(frozen=True, slots=True)
class Entry:
    """What a phrase means: a term of a category (strong or weak) or a cue of some kind."""

    kind: str  # "term", "cue" or "part" (half of a [[pairs]] rule)
    label: str  # the category for a term, the cue kind for a cue, "<rule>:object" or "<rule>:defect" for a part
    strong: bool
    phrase: str
    origin: str = "curated"  # "curated", "vocabulary" (ae_vocabulary.tsv), "pattern" or "pair"


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon phrase found in a note, as a half-open range of token indexes."""

    first: int
    last: int  # exclusive
    entry: Entry


@dataclass(frozen=True, slots=True)
class Pair:
    """A [[pairs]] rule: an object word and a defect word within `window` words of each other name a category
    ("the pen" ... "jammed"), so a complaint is found however the two are joined."""

    category: str
    window: int
    strong: bool


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular-expression rule from the lexicon's [[patterns]] tables."""

    category: str  # a category, or "" for a cue pattern
    regex: re.Pattern[str]
    max_age: int | None
    needs_exposure: bool
    cue: str = ""  # the cue kind a cue pattern stands for (e.g. "idiom")
    anchors: tuple[str, ...] | None = None  # every match holds one of these (lower case); None: run always

    def may_match(self, lowered: str) -> bool:
        """False when the note (lower-cased) holds none of the anchors, so the rule cannot match it."""
        return self.anchors is None or any(anchor in lowered for anchor in self.anchors)


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
        pairs: Iterable[tuple[Pair, list[str], list[str]]] = (),
        vocabulary: Iterable[tuple[str, str, bool]] = (),
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
        # The vocabulary goes into a phrase table (looked up by word n-gram), not the trie: it is large and plain.
        # The curated lists win: a word they hold (even as a weak term or inside a phrase) is not added again,
        # so "pain" stays weak and "weight loss" keeps its curated strength.
        known = set(self._vocabulary)
        curated = {tuple(normalise_phrase(p)) for lists in terms.values() for group in lists.values() for p in group}
        valid = set(CATEGORIES)
        ngrams: dict[tuple[str, ...], list[tuple[str, bool, str]]] = {}
        first_words: dict[str, int] = {}  # first word -> longest phrase starting with it
        findall = _PLAIN_WORD.findall
        for category, phrase, strong in vocabulary:
            if category not in valid:
                raise SafetyError(f"The vocabulary of {source} names an unknown category {category!r}.")
            plain = tuple(findall(phrase.lower().translate(_APOSTROPHES)))
            if not plain or plain in curated or (len(plain) == 1 and plain[0] in known):
                continue
            folded = tuple(american(word) for word in plain)
            item = (category, strong, phrase)
            size = len(folded)
            for form in _plural_forms(folded[-1]):
                key = (*folded[:-1], form)
                ngrams.setdefault(key, []).append(item)
            if first_words.get(folded[0], 0) < size:
                first_words[folded[0]] = size
        self._ngrams = ngrams
        self._ngram_first = first_words
        self.pairs: list[Pair] = []
        for index, (pair, objects, defects) in enumerate(pairs):
            if pair.category not in CATEGORIES:
                raise SafetyError(f"A [[pairs]] rule in {source} names an unknown category {pair.category!r}.")
            self.pairs.append(pair)
            for phrase in objects:
                self._add(phrase, Entry("part", f"{index}:object", True, phrase))
            for phrase in defects:
                self._add(phrase, Entry("part", f"{index}:defect", True, phrase))
        for kind, phrases in cues.items():
            for phrase in phrases:
                self._add(phrase, Entry("cue", kind, True, phrase))
        self._fuzzy_min_length = fuzzy_min_length
        plain_words = {word for words in self._ngrams for word in words}
        self._fuzzy_blocked = self._vocabulary | plain_words | {w.lower() for w in fuzzy_exclude}
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
                    forms = _plural_forms(word) if i == last and entry.kind != "cue" else (word,)
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
        ngrams, starts = self._ngrams, self._ngram_first
        folded = [american(word) for word in words]
        for first in range(n):
            longest = starts.get(folded[first], 0)
            for size in range(1, min(longest, n - first) + 1):
                entries = ngrams.get(tuple(folded[first : first + size]))
                if entries:
                    found.extend(
                        Match(first, first + size, Entry("term", category, strong, phrase, "vocabulary"))
                        for category, strong, phrase in entries
                    )
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


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literal strings (lower case) of which every match of `pattern` holds at least one, or None when none can be
    told apart. Used to skip a rule on a note that cannot match it; an unreadable pattern is simply always run."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern)
    except Exception:
        return None
    found = _sequence_literals(list(parsed))
    return tuple(sorted(found)) if found and all(len(x) >= 2 for x in found) else None


def _sequence_literals(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best set (longest shortest member) among a sequence's mandatory parts; runs of literal characters
    count as one string."""
    from re import _constants as c  # type: ignore[attr-defined]

    best: set[str] | None = None

    def consider(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    run = ""
    for op, value in items:
        if op is c.LITERAL:
            run += chr(value).lower()
            continue
        consider({run} if run else None)
        run = ""
        if op is c.SUBPATTERN:
            consider(_sequence_literals(list(value[-1])))
        elif op is c.BRANCH:
            options = [_sequence_literals(list(branch)) for branch in value[1]]
            consider(set().union(*options) if all(options) else None)  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and value[0] >= 1:
            consider(_sequence_literals(list(value[2])))
    consider({run} if run else None)
    return best


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of small tuples are built (it would otherwise
    scan them over and over, tripling the load time); nothing built here forms cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_lexicon(path: Path) -> Lexicon:
    """Read a lexicon TOML file (format documented at the top of resources/safety/lexicon.toml)."""
    with _collector_paused():
        return _load_lexicon(path)


def _load_lexicon(path: Path) -> Lexicon:
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
        category, cue = item.get("category", ""), item.get("cue", "")
        if cue:
            if cue not in CUE_KINDS:
                raise SafetyError(f"A pattern in {path} names an unknown cue kind {cue!r}.")
        elif category not in CATEGORIES:
            raise SafetyError(f"A pattern in {path} names an unknown category {category!r}.")
        anchors = required_literals(regex.pattern)
        patterns.append(Pattern(category, regex, item.get("max_age"), bool(item.get("needs_exposure")), cue, anchors))
    pairs: list[tuple[Pair, list[str], list[str]]] = []
    for item in data.get("pairs", []):
        try:
            pair = Pair(str(item["category"]), int(item.get("window", 6)), bool(item.get("strong", True)))
            pairs.append((pair, list(item["objects"]), list(item["defects"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise SafetyError(
                f"A [[pairs]] rule in {path} cannot be used: {exc}.",
                hint="Each [[pairs]] table needs a `category`, `objects` and `defects` (lists of phrases).",
            ) from exc
    vocabulary: list[tuple[str, str, bool]] = []
    for item in data.get("vocabulary", []):
        file = path.parent / str(item.get("file", ""))
        category = str(item.get("category", ""))
        vocabulary.extend((category, term.phrase, term.strong) for term in read_vocabulary(file))
    fuzzy = data.get("fuzzy", {})
    return Lexicon(
        terms,
        cues,
        patterns,
        pairs=pairs,
        vocabulary=vocabulary,
        negation_window=int(raw_cues.get("negation_window", 6)),
        context_window=int(raw_cues.get("context_window", 6)),
        indication_window=int(raw_cues.get("indication_window", 3)),
        fuzzy_min_length=int(fuzzy.get("min_length", 7)),
        fuzzy_exclude=fuzzy.get("exclude", []),
        source=str(path),
    )
