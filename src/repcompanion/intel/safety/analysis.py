"""Read the lexicon matches of one sentence: negation, generic and indication context, cues, hearsay."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from repcompanion.intel.safety.categories import (
    ADVERSE_EVENT,
    EXPOSURE_CATEGORIES,
    LACK_OF_EFFICACY,
    WITHDRAWAL,
)
from repcompanion.intel.safety.lexicon import Entry, Lexicon, Match
from repcompanion.intel.safety.text import Token, split_sentences, tokenize

STRONG_SCORE = 0.9
WEAK_SCORE = 0.75
CONTEXT_SCORE = 0.3
NEGATED_SCORE = 0.15
_NEGATION_AFTER_WINDOW = 2
_ADJACENT_ONLY = frozenset({"non", "free", "nor"})
_CONTEXT_AFTER_WINDOW = 2
_REPORTER_WINDOW = 4
_EVENT_WEAK = frozenset({ADVERSE_EVENT, WITHDRAWAL})
# Only conditions and effects can be what a product treats; withdrawal or a complaint cannot.
_INDICATION_CATEGORIES = frozenset({ADVERSE_EVENT, LACK_OF_EFFICACY})
_EVENT_AFTER_WINDOW = 4
_SHORT_INDICATION = frozenset({"for", "in", "on", "about", "regarding", "re"})
# Contexts that mean "this phrase is not an event"; the model must then find the rest of the
# sentence reportable, or the whole sentence likely, to flag it.
DISCOUNTING = frozenset({"negated", "generic", "indication"})


@dataclass(slots=True)
class Hit:
    """A lexicon term (or pattern) in a sentence and how its context qualified it."""

    start: int
    end: int
    category: str
    term: str
    strong: bool
    first: int = -1
    last: int = -1
    context: str = ""

    @property
    def active(self) -> bool:
        return self.context == ""

    @property
    def score(self) -> float:
        if self.context == "negated":
            return NEGATED_SCORE
        if self.context:
            return CONTEXT_SCORE
        return STRONG_SCORE if self.strong else WEAK_SCORE


@dataclass(slots=True)
class SentenceAnalysis:
    """One sentence of a note with its lexicon hits, reporter and the text the model should see."""

    start: int
    end: int
    text: str
    hits: list[Hit] = field(default_factory=list)
    reporter: str = ""
    clauses: bool = False  # a "but", "however", ... joins two clauses

    @property
    def maskable(self) -> bool:
        """Worth asking the model about the rest of the sentence: its phrases were discounted and
        another clause may report something else ("no rash, but she felt strange")."""
        return self.clauses and not self.active and bool(self.discounted)

    @property
    def active(self) -> list[Hit]:
        return [hit for hit in self.hits if hit.active]

    @property
    def discounted(self) -> list[Hit]:
        return [hit for hit in self.hits if hit.context in DISCOUNTING]

    def masked_text(self) -> str:
        """The sentence with discounted phrases blanked, to ask the model about the rest of it."""
        chars = list(self.text)
        for hit in self.discounted:
            for i in range(hit.start - self.start, hit.end - self.start):
                chars[i] = " "
        return "".join(chars)


class _Cues:
    """Cue matches of one sentence, by kind, as (first, last) token ranges."""

    def __init__(self, matches: list[Match], term_ranges: list[tuple[int, int]]) -> None:
        self.by_kind: dict[str, list[tuple[int, int]]] = {}
        for m in matches:
            self.by_kind.setdefault(m.entry.label, []).append((m.first, m.last))
        pseudo = self.by_kind.get("pseudo_negation", [])
        for kind in ("negation_before", "negation_after", "indication_before", "generic"):
            self.by_kind[kind] = [
                cue
                for cue in self.by_kind.get(kind, [])
                if not any(p[0] <= cue[0] and cue[1] <= p[1] for p in pseudo)
                and not any(t[0] <= cue[0] and cue[1] <= t[1] for t in term_ranges)
            ]
        # "moderate to severe" names a population, not an event.
        indication = self.by_kind.get("indication_before", [])
        self.by_kind["event"] = [
            cue
            for cue in self.by_kind.get("event", [])
            if not any(i[0] <= cue[0] and cue[1] <= i[1] and i != cue for i in indication)
        ]
        self.scope_ends = sorted(first for first, _ in self.by_kind.get("scope_end", []))

    def get(self, kind: str) -> list[tuple[int, int]]:
        return self.by_kind.get(kind, [])

    def blocked(self, left: int, right: int) -> bool:
        """True when a scope end sits in the token gap [left, right)."""
        i = bisect_left(self.scope_ends, left)
        return i < len(self.scope_ends) and self.scope_ends[i] < right

    def after(self, kind: str, last: int, window: int) -> bool:
        return any(
            cue_first >= last and cue_first - last <= window and not self.blocked(last, cue_first)
            for cue_first, _ in self.get(kind)
        )

    def outside(self, kind: str, first: int, last: int) -> bool:
        """A cue of this kind that does not overlap the token range [first, last)."""
        return any(cue_last <= first or cue_first >= last for cue_first, cue_last in self.get(kind))


class Analyser:
    """Turns a note into sentences with qualified lexicon hits; the model decides the rest."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def analyse(self, text: str) -> list[SentenceAnalysis]:
        bounds = split_sentences(text)
        tokens = tokenize(text)
        matches = self.lexicon.find(tokens)
        starts = [t.start for t in tokens]
        per_sentence: list[list[Match]] = [[] for _ in bounds]
        ranges: list[tuple[int, int]] = []
        for begin, end in bounds:
            ranges.append((bisect_left(starts, begin), bisect_left(starts, end)))
        sentence_of_token = [0] * len(tokens)
        for index, (first, last) in enumerate(ranges):
            for t in range(first, last):
                sentence_of_token[t] = index
        for m in matches:
            index = sentence_of_token[m.first]
            first, last = ranges[index]
            if first <= m.first and m.last <= last:
                per_sentence[index].append(m)
        note_reporter = ""
        result: list[SentenceAnalysis] = []
        for (begin, end), (first, last), found in zip(bounds, ranges, per_sentence, strict=True):
            sentence = self._sentence(text, begin, end, tokens, starts, first, last, found)
            note_reporter = note_reporter or sentence.reporter
            result.append(sentence)
        if note_reporter:
            for sentence in result:
                sentence.reporter = sentence.reporter or note_reporter
        return result

    def _sentence(
        self,
        text: str,
        begin: int,
        end: int,
        tokens: list[Token],
        starts: list[int],
        first: int,
        last: int,
        matches: list[Match],
    ) -> SentenceAnalysis:
        sentence = SentenceAnalysis(begin, end, text[begin:end])
        found = [m for m in matches if m.entry.kind == "term"] + self._patterns(text, begin, end, starts)
        terms = _longest_terms(found)
        cues = _Cues([m for m in matches if m.entry.kind == "cue"], [(m.first, m.last) for m in terms])
        brand = _brand_after_on(text, tokens, first, last)
        term_starts = {t.first for t in terms if t.entry.strong}
        for m in terms:
            hit = Hit(
                tokens[m.first].start,
                tokens[m.last - 1].end,
                m.entry.label,
                m.entry.phrase,
                m.entry.strong,
                m.first,
                m.last,
            )
            event = cues.outside("event", m.first, m.last)
            exposed = brand or cues.outside("exposure", m.first, m.last)
            happened = cues.after("event_after", m.last, _EVENT_AFTER_WINDOW)
            if not happened and self._negated(cues, text, tokens, m, term_starts):
                hit.context = "negated"
            elif not happened and self._generic(cues, m):
                hit.context = "generic"
            elif (
                not event
                and hit.category in _INDICATION_CATEGORIES
                and (
                    self._indication(cues, tokens, m)
                    or cues.after("indication_after", m.last, _CONTEXT_AFTER_WINDOW)
                    or _listed_after(sentence.hits, tokens, m, "indication")
                )
            ):
                hit.context = "indication"
            elif not m.entry.strong and hit.category in _EVENT_WEAK and not event:
                hit.context = "needs_event"
            elif not exposed and (
                (not m.entry.strong and hit.category not in _EVENT_WEAK) or hit.category in EXPOSURE_CATEGORIES
            ):
                hit.context = "needs_exposure"
            sentence.hits.append(hit)
        # A special situation counts when the same sentence reports something else (a pregnant
        # patient who developed a rash).
        if any(h.active and h.category not in EXPOSURE_CATEGORIES for h in sentence.hits):
            for hit in sentence.hits:
                if hit.context == "needs_exposure" and hit.category in EXPOSURE_CATEGORIES:
                    hit.context = ""
        sentence.hits = _merge_overlaps(sentence.hits)
        sentence.reporter = _reporter(cues, matches)
        sentence.clauses = bool(cues.scope_ends)
        return sentence

    def _patterns(self, text: str, begin: int, end: int, starts: list[int]) -> list[Match]:
        """Regular-expression rules as term matches, so negation and context apply to them too
        (``starts``: the note's token start offsets)."""
        result: list[Match] = []
        for pattern in self.lexicon.patterns:
            for found in pattern.regex.finditer(text, begin, end):
                age = found.groupdict().get("age")
                if pattern.max_age is not None and (age is None or int(age) > pattern.max_age):
                    continue
                first = bisect_left(starts, found.start())
                last = bisect_left(starts, found.end())
                if first < last:
                    entry = Entry("term", pattern.category, not pattern.needs_exposure, pattern.regex.pattern)
                    result.append(Match(first, last, entry))
        return result

    def _negated(self, cues: _Cues, text: str, tokens: list[Token], m: Match, strong_starts: set[int]) -> bool:
        """NegEx-style: a negation cue shortly before (or, for a few, just after) the term, same clause.

        A negation reaches past a comma only into a list of terms ("no rash, hives or swelling"), not
        into the next phrase ("no motivation, apathetic" keeps "apathetic").
        """
        for cue_first, cue_last in cues.get("negation_before"):
            if cue_last > m.first or m.first - cue_last > self.lexicon.negation_window:
                continue
            if cues.blocked(cue_last, m.first):
                continue
            single = cue_last - cue_first == 1 and tokens[cue_first].norm in _ADJACENT_ONLY
            if single and m.first != cue_last:
                continue
            gap = text[tokens[cue_last - 1].end : tokens[m.first].start]
            if any(mark in gap for mark in ",;:") and not any(
                cue_last <= start <= cue_last + 1 and start != m.first for start in strong_starts
            ):
                continue
            return True
        for cue_first, cue_last in cues.get("negation_after"):
            if cue_first < m.last or cue_first - m.last > _NEGATION_AFTER_WINDOW:
                continue
            single = cue_last - cue_first == 1 and tokens[cue_first].norm in _ADJACENT_ONLY
            if (single and cue_first != m.last) or cues.blocked(m.last, cue_first):
                continue
            return True
        return False

    def _indication(self, cues: _Cues, tokens: list[Token], m: Match) -> bool:
        for cue_first, cue_last in cues.get("indication_before"):
            if cue_last > m.first:
                continue
            single = cue_last - cue_first == 1 and tokens[cue_first].norm in _SHORT_INDICATION
            limit = 1 if single else self.lexicon.indication_window
            if m.first - cue_last <= limit and not cues.blocked(cue_last, m.first):
                return True
        return False

    def _generic(self, cues: _Cues, m: Match) -> bool:
        lex = self.lexicon
        if cues.after("generic_after", m.last, _CONTEXT_AFTER_WINDOW):
            return True
        for _cue_first, cue_last in cues.get("generic"):
            if cue_last > m.first or m.first - cue_last > lex.context_window:
                continue
            if cues.blocked(cue_last, m.first):
                continue
            if any(cue_last <= e_first and e_last <= m.first for e_first, e_last in cues.get("event")):
                continue
            return True
        return False


_LIST_JOINERS = frozenset({"and", "or", "plus", "nor"})


def _listed_after(previous: list[Hit], tokens: list[Token], m: Match, context: str) -> bool:
    """True when the term follows, in a list ("for depression and insomnia"), a term with that context."""
    if not previous:
        return False
    last = previous[-1]
    if last.context != context or last.last > m.first:
        return False
    between = [tokens[i].norm for i in range(last.last, m.first)]
    return len(between) <= 1 and all(word in _LIST_JOINERS for word in between)


def _merge_overlaps(hits: list[Hit]) -> list[Hit]:
    """One span per stretch of a category: overlapping hits of a category merge, the active one leading."""
    hits = sorted(hits, key=lambda h: (h.category, h.start, -h.end))
    merged: list[Hit] = []
    for hit in hits:
        last = merged[-1] if merged else None
        if last is not None and last.category == hit.category and hit.start < last.end:
            if hit.active and not last.active:
                hit.start, hit.end = last.start, max(last.end, hit.end)
                merged[-1] = hit
            else:
                last.end = max(last.end, hit.end)
            continue
        merged.append(hit)
    merged.sort(key=lambda h: (h.start, -h.end))
    return merged


def _longest_terms(terms: list[Match]) -> list[Match]:
    """Drop a term inside a longer term of the same category; keep the strong entry of twins."""
    kept: list[Match] = []
    by_span: dict[tuple[int, int, str], Match] = {}
    for m in terms:
        key = (m.first, m.last, m.entry.label)
        current = by_span.get(key)
        if current is None or (m.entry.strong and not current.entry.strong):
            by_span[key] = m
    candidates = list(by_span.values())
    for m in candidates:
        inside = any(
            o is not m
            and (o.entry.label == m.entry.label or not m.entry.strong)
            and o.first <= m.first
            and m.last <= o.last
            and (o.last - o.first) > (m.last - m.first)
            for o in candidates
        )
        if not inside:
            kept.append(m)
    kept.sort(key=lambda m: (m.first, m.last))
    return kept


_GENERIC_SUFFIXES = (
    "ine",
    "ide",
    "pam",
    "lam",
    "olol",
    "pril",
    "sartan",
    "statin",
    "mab",
    "nib",
    "tide",
    "flozin",
    "xaban",
    "azole",
    "cycline",
    "mycin",
    "floxacin",
    "vir",
    "parin",
    "dronate",
    "triptan",
    "done",
    "zine",
    "pine",
    "oxetine",
    "afil",
    "gliptin",
    "glitazone",
    "prazole",
    "tidine",
    "lukast",
    "terol",
    "sonide",
    "asone",
    "olone",
    "cillin",
    "formin",
    "pram",
    "xetine",
    "ium",
)


def _brand_after_on(text: str, tokens: list[Token], first: int, last: int) -> bool:
    """ "on Ozempic", "on sertraline": after "on", a capitalised word or a generic-drug name is a product."""
    for i in range(first, last - 1):
        if tokens[i].norm != "on":
            continue
        word = text[tokens[i + 1].start : tokens[i + 1].end]
        if i > first and word[:1].isupper() and (not word.isupper() or len(word) > 3):
            return True
        if len(word) > 5 and word.lower().endswith(_GENERIC_SUFFIXES):
            return True
    return False


def _reporter(cues: _Cues, matches: list[Match]) -> str:
    """Who told the rep what this sentence reports: "hcp", "patient" or nobody found.

    The teller is the nearest source before a reporting verb ("the doctor said her patient ...");
    after it only for "per"/"according to" ("according to the nurse").
    """
    sources = [(first, last, "patient") for first, last in cues.get("hearsay_patient")]
    sources += [(first, last, "hcp") for first, last in cues.get("hearsay_hcp")]
    for verb_first, verb_last in cues.get("hearsay_verb"):
        before = [s for s in sources if s[1] <= verb_first and verb_first - s[1] <= _REPORTER_WINDOW]
        if before:
            return max(before, key=lambda s: (s[1], s[1] - s[0]))[2]
        after = [s for s in sources if s[0] >= verb_last and s[0] - verb_last <= 1]
        if after:
            return min(after, key=lambda s: (s[0], s[0] - s[1]))[2]
    for m in matches:
        possessive = m.entry.phrase.split()[0] in {"her", "his", "their"}
        if m.entry.kind == "cue" and m.entry.label == "hearsay_patient" and possessive:
            return "hcp"
    return ""
