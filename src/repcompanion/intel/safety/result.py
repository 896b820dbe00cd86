"""What screening a note returns: flagged spans with their category, source and qualifiers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from repcompanion.intel.safety.categories import LABELS

LEXICON = "lexicon"
MODEL = "model"

CLEAR = "clear"
POSSIBLE = "possible"
FLAGGED = "flagged"
#: Note scores in [POSSIBLE_BAND[0], POSSIBLE_BAND[1]) flag the note but are labelled *possible*: the threshold
#: (0.5) was chosen for recall, so everything at or above it reaches the rep, and the band marks the flags the
#: evidence supports least (a model-only flag just over its threshold, a clinical term with nothing saying it
#: happened). At or above the band's top a flag is certain enough to be labelled *flagged*.
POSSIBLE_BAND = (0.5, 0.65)


def level_of(score: float) -> str:
    """clear, possible or flagged for a note score."""
    if score < POSSIBLE_BAND[0]:
        return CLEAR
    return POSSIBLE if score < POSSIBLE_BAND[1] else FLAGGED


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted stretch of the note.

    ``source`` says who located it: ``"lexicon"`` (a curated phrase) or ``"model"`` (the sentence
    classifier; the span is then the whole sentence). ``context`` says what qualified it, e.g.
    ``"negated"`` for a negated phrase the model still found likely, ``"generic"`` for a label or trial
    mention, ``"indication"`` for a condition the product treats. ``reporter`` is ``"hcp"`` or
    ``"patient"`` when someone told the rep (hearsay is still reportable), else ``""``.
    """

    start: int
    end: int
    text: str
    category: str
    source: str
    term: str = ""
    score: float = 0.0
    negated: bool = False
    hearsay: bool = False
    reporter: str = ""
    context: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "category": self.category,
            "source": self.source,
            "term": self.term,
            "score": round(self.score, 4),
            "negated": self.negated,
            "hearsay": self.hearsay,
            "reporter": self.reporter,
            "context": self.context,
        }


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The verdict on one note. ``flag`` is true exactly when ``score >= 0.5``; ``level`` says whether the flag
    is certain (*flagged*) or within the documented band just above the threshold (*possible*).

    ``spans`` are what flagged the note; ``considered`` are phrases that were found but did not flag
    it (negated, generic, an indication), kept so a reviewer can see why; ``evidence`` holds the
    flagged sentences in note order.
    """

    flag: bool
    categories: tuple[str, ...]
    spans: tuple[Span, ...]
    evidence: tuple[str, ...]
    score: float
    considered: tuple[Span, ...] = ()

    @property
    def level(self) -> str:
        """clear, possible (a flag in the documented band just above the threshold) or flagged."""
        return level_of(self.score)

    @property
    def possible(self) -> bool:
        return self.level == POSSIBLE

    @property
    def triggers(self) -> tuple[str, ...]:
        """The words that triggered the flag, in note order, each once (what travels with an intake)."""
        seen: list[str] = []
        for span in sorted(self.spans, key=lambda s: (s.start, s.end)):
            if span.text not in seen:
                seen.append(span.text)
        return tuple(seen)

    def triggers_by_category(self) -> dict[str, tuple[str, ...]]:
        """Each flagged category with the words that named it."""
        found: dict[str, list[str]] = {}
        for span in sorted(self.spans, key=lambda s: (s.start, s.end)):
            words = found.setdefault(span.category, [])
            if span.text not in words:
                words.append(span.text)
        return {c: tuple(found[c]) for c in self.categories if c in found}

    def reasons(self) -> tuple[str, ...]:
        """Why the note was flagged, one plain sentence per category: the words a curated phrase or the clinical
        vocabulary found, or the sentence a model read as reporting one, with its score."""
        lines: list[str] = []
        for category in self.categories:
            mine = sorted((s for s in self.spans if s.category == category), key=lambda s: (s.start, s.end))
            words = list(dict.fromkeys(s.text for s in mine if s.source == LEXICON))
            read = [s for s in mine if s.source == MODEL]
            name = LABELS.get(category, category.replace("_", " "))
            parts = []
            if words:
                parts.append("the words " + ", ".join(f"“{w}”" for w in words))
            if read:
                best = max(read, key=lambda s: s.score)
                parts.append(
                    f"the sentence “{_short(best.text)}” reads like notes that reported one "
                    f"(model score {best.score:.2f})"
                )
            if parts:
                lines.append(f"{name[:1].upper()}{name[1:]}: {' and '.join(parts)}.")
        return tuple(lines)

    @property
    def hearsay(self) -> bool:
        """True when a flagged span was told to the rep by an HCP or a patient."""
        return any(span.hearsay for span in self.spans)

    @property
    def reporters(self) -> tuple[str, ...]:
        """Who told the rep ("hcp", "patient"), in order of first appearance."""
        seen: list[str] = []
        for span in self.spans:
            if span.reporter and span.reporter not in seen:
                seen.append(span.reporter)
        return tuple(seen)

    def to_json(self) -> dict[str, Any]:
        """The CLI's line: ``{flag, level, categories, spans: [[start, end, text], ...], score}``."""
        return {
            "flag": self.flag,
            "level": self.level,
            "categories": list(self.categories),
            "spans": [[span.start, span.end, span.text] for span in self.spans],
            "score": round(self.score, 4),
        }

    def details(self) -> dict[str, Any]:
        """Everything, for audit records and the visit dialog."""
        return {
            **self.to_json(),
            "span_details": [span.to_json() for span in self.spans],
            "considered": [span.to_json() for span in self.considered],
            "evidence": list(self.evidence),
            "triggers": {c: list(words) for c, words in self.triggers_by_category().items()},
            "reasons": list(self.reasons()),
            "hearsay": self.hearsay,
            "reporters": list(self.reporters),
        }


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
