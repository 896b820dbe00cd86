"""Read the lexicon matches of one sentence: negation, generic and indication context, cues, hearsay."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from repcompanion.intel.safety.categories import (
    ADVERSE_EVENT,
    EXPOSURE_CATEGORIES,
    LACK_OF_EFFICACY,
    PRODUCT_COMPLAINT,
    PRODUCT_QUALITY,
    WITHDRAWAL,
    family_of,
)
from repcompanion.intel.safety.lexicon import Entry, Lexicon, Match, Pattern
from repcompanion.intel.safety.text import Token, split_sentences, tokenize

STRONG_SCORE = 0.9
WEAK_SCORE = 0.75
# A clinical-vocabulary term with nothing in its sentence saying it happened: a *possible* flag.
VOCABULARY_SCORE = 0.6
VOCABULARY_EVENT_SCORE = 0.85
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
DISCOUNTING = frozenset({"negated", "generic", "indication", "idiom"})


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
    origin: str = "curated"
    evented: bool = False  # an event cue elsewhere in the sentence ("developed", "since starting")

    @property
    def active(self) -> bool:
        return self.context == ""

    @property
    def score(self) -> float:
        if self.context == "negated":
            return NEGATED_SCORE
        if self.context:
            return CONTEXT_SCORE
        if self.origin == "vocabulary":
            return VOCABULARY_EVENT_SCORE if self.evented else VOCABULARY_SCORE
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
    subject: bool = False  # someone an event can happen to, or a body part, is named ("she", "the patient")
    first_person: bool = False  # "I", "my": the patient in a review, the rep in a rep's note
    rep_marker: bool = False  # words of a rep's note ("Dr", "samples", "the office"), not "my doctor"
    third_person: bool = False  # "the patient", "her patient": someone spoken about
    rep_hint: bool = False  # "said", "discussed": a report about someone, unless the writer says "I"

    def evidence(self, rep_voice: bool = False) -> bool:
        """Something beyond bare logistics: a lexicon phrase in any context, or a person or body named (in a
        rep's own note, "I" is the rep and does not count)."""
        return self.subject or bool(self.hits) or (self.first_person and not rep_voice)

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
        # A cue inside a pseudo-negation ("not only") or inside a term is part of it, not a cue.
        blockers = self.by_kind.get("pseudo_negation", []) + term_ranges
        if blockers:
            for kind in ("negation_before", "negation_after", "indication_before", "generic", "discontinuation"):
                cues = self.by_kind.get(kind)
                if cues:
                    self.by_kind[kind] = [c for c in cues if not any(b[0] <= c[0] and c[1] <= b[1] for b in blockers)]
        # "moderate to severe" names a population, not an event; nor does "is the main complaint" after a condition.
        indication = self.by_kind.get("indication_before", []) + self.by_kind.get("indication_after", [])
        events = self.by_kind.get("event")
        if indication and events:
            self.by_kind["event"] = [
                cue for cue in events if not any(i[0] <= cue[0] and cue[1] <= i[1] and i != cue for i in indication)
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

    def contains(self, kind: str, first: int, last: int) -> bool:
        """A cue of this kind that covers the whole range [first, last)."""
        return any(cue_first <= first and last <= cue_last for cue_first, cue_last in self.get(kind))

    def between(self, kind: str, left: int, right: int) -> bool:
        """A cue of this kind starting in the token gap [left, right)."""
        return any(left <= cue_first < right for cue_first, _ in self.get(kind))

    def outside(self, kind: str, first: int, last: int) -> bool:
        """A cue of this kind that does not overlap the token range [first, last)."""
        return any(cue_last <= first or cue_first >= last for cue_first, cue_last in self.get(kind))

    def event_beyond(self, tokens: list[Token], first: int, last: int) -> bool:
        """An event cue outside [first, last) other than a severity word right before it: "patients with severe
        nausea" and "contraindicated in severe renal impairment" name a population, not an event."""
        return any(
            (cue_last <= first or cue_first >= last)
            and not (cue_last == first and cue_last - cue_first == 1 and tokens[cue_first].norm in _SEVERITY)
            for cue_first, cue_last in self.get("event")
        )


def rep_voice(sentences: list[SentenceAnalysis]) -> bool:
    """True when a note is a report about someone else (a rep's note): it holds words of a rep's note, or it
    speaks of a patient in the third person (or says "said", "discussed") and never says "I", "me" or "my" (a
    patient's own review does)."""
    if any(s.rep_marker for s in sentences):
        return True
    return any(s.third_person or s.rep_hint for s in sentences) and not any(s.first_person for s in sentences)


def rep_note(sentences: list[SentenceAnalysis]) -> bool:
    """True when a note holds words only a rep's note uses ("Dr", "samples", "pharmacist", "pt"): such a note is
    decided by the note model, which read whole rep notes. A note that is only in the third person (a case
    report's "the patient developed") is not one."""
    return any(s.rep_marker for s in sentences)


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
        patterned = self._patterns(text, bounds, starts)
        note_reporter = ""
        result: list[SentenceAnalysis] = []
        for index, ((begin, end), (first, last), found) in enumerate(zip(bounds, ranges, per_sentence, strict=True)):
            found = found + patterned[index]
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
        found = [m for m in matches if m.entry.kind == "term"]
        covers: list[tuple[int, int]] = []
        found += self._pairs([m for m in matches if m.entry.kind == "part"], covers)
        terms = _without_quality_echoes(_longest_terms(found))
        cue_matches = [m for m in matches if m.entry.kind == "cue"]
        cues = _Cues(cue_matches, [(m.first, m.last) for m in terms] + covers)
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
                origin=m.entry.origin,
            )
            event = cues.event_beyond(tokens, m.first, m.last)
            occurred = event or cues.outside("occurrence", m.first, m.last)
            hit.evented = occurred
            exposed = brand or bool(cues.get("exposure"))
            happened = cues.after("event_after", m.last, _EVENT_AFTER_WINDOW)
            if cues.contains("idiom", m.first, m.last):
                hit.context = "idiom"
            elif not happened and self._negated(cues, text, tokens, m, term_starts):
                hit.context = "negated"
            elif not happened and self._generic(cues, tokens, m):
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
                # A weak term is often the condition treated ("patients with asthma started on it"), so only a
                # clear event cue lets it count; "had", "got" and the like do not.
                hit.context = "needs_event"
            elif not exposed and (
                (not m.entry.strong and hit.category not in _EVENT_WEAK) or hit.category in EXPOSURE_CATEGORIES
            ):
                hit.context = "needs_exposure"
            sentence.hits.append(hit)
        withdrawal = _withdrawal(cues, tokens, sentence.hits)
        if withdrawal is not None:
            sentence.hits.append(withdrawal)
        # A special situation counts when the same sentence reports something else (a pregnant
        # patient who developed a rash).
        if any(h.active and h.category not in EXPOSURE_CATEGORIES for h in sentence.hits):
            for hit in sentence.hits:
                if hit.context == "needs_exposure" and hit.category in EXPOSURE_CATEGORIES:
                    hit.context = ""
        sentence.hits = _merge_overlaps(sentence.hits)
        sentence.reporter = _reporter(cues, cue_matches)
        sentence.clauses = bool(cues.scope_ends)
        sentence.subject = bool(cues.get("subject"))
        sentence.first_person = bool(cues.get("first_person"))
        sentence.third_person = bool(cues.get("third_person"))
        sentence.rep_hint = any(
            first == 0 or tokens[first - 1].norm not in _NOT_REP_VOICE for first, _ in cues.get("rep_hint")
        )
        sentence.rep_marker = any(
            first == 0 or tokens[first - 1].norm not in _NOT_REP_VOICE for first, _ in cues.get("rep_voice")
        )
        return sentence

    def _pairs(self, parts: list[Match], covers: list[tuple[int, int]]) -> list[Match]:
        """[[pairs]] rules as term matches: an object and a defect of one rule close enough to each other."""
        by_rule: dict[int, tuple[list[Match], list[Match]]] = {}
        for m in parts:
            number, role = m.entry.label.split(":")
            objects, defects = by_rule.setdefault(int(number), ([], []))
            (objects if role == "object" else defects).append(m)
        result: list[Match] = []
        for rule, (objects, defects) in by_rule.items():
            pair = self.lexicon.pairs[rule]
            found: list[Match] = []
            for d in defects:
                near = [o for o in objects if _gap(o, d) <= pair.window and not _inside(o, d)]
                if near:
                    o = min(near, key=lambda o: _gap(o, d))
                    entry = Entry("term", pair.category, pair.strong, f"{o.entry.phrase} … {d.entry.phrase}", "pair")
                    found.append(Match(min(o.first, d.first), max(o.last, d.last), entry))
                    # Every object in reach is part of the complaint, so a generic cue such as "label" that is one
                    # of them does not discount it.
                    covers.append((min(d.first, *(n.first for n in near)), max(d.last, *(n.last for n in near))))
            # The tightest matches of a rule name the complaint: "pen was leaking" rather than "pen was leaking
            # and the seal was broken", which the packaging rule names on its own.
            for m in sorted(found, key=lambda m: m.last - m.first):
                if not any(k.first >= m.first and k.last <= m.last for k in result if k.entry.label == m.entry.label):
                    result.append(m)
        return result

    def _patterns(self, text: str, bounds: list[tuple[int, int]], starts: list[int]) -> list[list[Match]]:
        """Regular-expression rules as term (or cue) matches per sentence, so negation and context apply to them
        too (``starts``: the note's token start offsets). Each rule runs once over the whole note; a sentence a
        match runs out of is searched again on its own."""
        per_sentence: list[list[Match]] = [[] for _ in bounds]
        if not bounds:
            return per_sentence
        begins = [begin for begin, _ in bounds]
        lowered = text.lower()
        for pattern in self.lexicon.patterns:
            if not pattern.may_match(lowered):
                continue
            again: set[int] = set()
            for found in pattern.regex.finditer(text):
                index = max(0, bisect_right(begins, found.start()) - 1)
                begin, end = bounds[index]
                if found.start() >= begin and found.end() <= end:
                    self._pattern_match(pattern, found, starts, per_sentence[index])
                else:
                    again.update(i for i, (b, e) in enumerate(bounds) if b < found.end() and found.start() < e)
            for index in sorted(again):
                begin, end = bounds[index]
                for found in pattern.regex.finditer(text, begin, end):
                    self._pattern_match(pattern, found, starts, per_sentence[index])
        return per_sentence

    @staticmethod
    def _pattern_match(pattern: Pattern, found: re.Match[str], starts: list[int], into: list[Match]) -> None:
        age = found.groupdict().get("age")
        if pattern.max_age is not None and (age is None or int(age) > pattern.max_age):
            return
        first = bisect_left(starts, found.start())
        last = bisect_left(starts, found.end())
        if first >= last:
            return
        if pattern.cue:
            into.append(Match(first, last, Entry("cue", pattern.cue, True, found.group())))
        else:
            entry = Entry("term", pattern.category, not pattern.needs_exposure, found.group(), "pattern")
            into.append(Match(first, last, entry))

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

    def _generic(self, cues: _Cues, tokens: list[Token], m: Match) -> bool:
        lex = self.lexicon
        if cues.after("generic_after", m.last, _CONTEXT_AFTER_WINDOW):
            return True
        for _cue_first, cue_last in cues.get("generic"):
            if cue_last > m.first or m.first - cue_last > lex.context_window:
                continue
            if cues.blocked(cue_last, m.first):
                continue
            if any(
                cue_last <= e_first and e_last <= m.first and not _severity(tokens, e_first, e_last, m.first)
                for e_first, e_last in cues.get("event")
            ):
                continue
            return True
        return False


_LIST_JOINERS = frozenset({"and", "or", "plus", "nor"})
# Event cues that, right before a term, only grade it ("severe nausea"); they do not say it happened.
_SEVERITY = frozenset(
    {
        "severe",
        "severely",
        "extreme",
        "extremely",
        "terrible",
        "terribly",
        "awful",
        "horrible",
        "constant",
        "persistent",
        "intense",
        "unbearable",
        "sudden",
    }
)


def _severity(tokens: list[Token], first: int, last: int, term_first: int) -> bool:
    """True when the cue [first, last) is one severity word right before the term."""
    return last == term_first and last - first == 1 and tokens[first].norm in _SEVERITY


_NOT_REP_VOICE = frozenset({"my", "our", "your", "was", "were", "been", "is", "are", "be"})


_CAUSAL_AFTER_WINDOW = 3


def _withdrawal(cues: _Cues, tokens: list[Token], hits: list[Hit]) -> Hit | None:
    """A withdrawal hit on the discontinuation cue when an adverse event follows it in the sentence with no
    cause or resolution between or just after ("ran out and had sweats", not "stopped because of the rash")."""
    stops = cues.get("discontinuation")
    if not stops:
        return None
    for hit in hits:
        if not hit.active or hit.category != ADVERSE_EVENT:
            continue
        before = [s for s in stops if s[1] <= hit.first]
        if not before:
            continue
        first, last = max(before, key=lambda s: s[1])
        if cues.between("causal", last, hit.first) or cues.between("causal", hit.last, hit.last + _CAUSAL_AFTER_WINDOW):
            continue
        term = " ".join(t.norm for t in tokens[first:last])
        return Hit(tokens[first].start, tokens[last - 1].end, WITHDRAWAL, term, True, first, last, origin="cue")
    return None


def _without_quality_echoes(terms: list[Match]) -> list[Match]:
    """Drop lack-of-efficacy phrases inside a product-quality match ("the pen is not working" is a device fault),
    and the catch-all product_complaint where the sentence names the kind of complaint."""
    quality = [m for m in terms if family_of(m.entry.label) == PRODUCT_QUALITY]
    if not quality:
        return terms
    spans = [(m.first, m.last) for m in quality]
    specific = any(m.entry.label != PRODUCT_COMPLAINT for m in quality)
    return [
        m
        for m in terms
        if not (m.entry.label == LACK_OF_EFFICACY and any(a <= m.first and m.last <= b for a, b in spans))
        and not (specific and m.entry.label == PRODUCT_COMPLAINT)
    ]


def _gap(a: Match, b: Match) -> int:
    """Words between two matches (0 when they touch or overlap)."""
    return max(0, b.first - a.last, a.first - b.last)


def _inside(a: Match, b: Match) -> bool:
    """True when one match lies within the other (an object word that is also the defect)."""
    return (a.first <= b.first and b.last <= a.last) or (b.first <= a.first and a.last <= b.last)


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
    """Drop a term inside a longer term of the same category; of twins keep the strong one, then the curated one."""
    kept: list[Match] = []
    by_span: dict[tuple[int, int, str], Match] = {}
    for m in terms:
        key = (m.first, m.last, m.entry.label)
        current = by_span.get(key)
        if current is None or (m.entry.strong, m.entry.origin == "curated") > (
            current.entry.strong,
            current.entry.origin == "curated",
        ):
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
