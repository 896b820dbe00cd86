"""Screen visit notes for possible adverse events and complaints: lexicon and sentence model together."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repcompanion.intel.safety.analysis import DISCOUNTING, Analyser, Hit, SentenceAnalysis, rep_voice
from repcompanion.intel.safety.categories import CATEGORIES
from repcompanion.intel.safety.lexicon import Lexicon, load_lexicon
from repcompanion.intel.safety.locate import model_path, resource_path
from repcompanion.intel.safety.model import MODEL_CATEGORIES, SentenceModel, load_model
from repcompanion.intel.safety.result import LEXICON, MODEL, ScreenResult, Span

LEXICON_FILE = ("safety", "lexicon.toml")
MODEL_FILE = "safety_screener.skops"


@dataclass(frozen=True, slots=True)
class SentenceVerdict:
    """How one sentence was decided: flagged or not, its score and the spans that explain it."""

    flagged: bool
    score: float
    spans: tuple[Span, ...]
    considered: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The model probabilities the decision compares against (see :func:`decide`)."""

    threshold: float = 1.0
    strict: float = 1.0
    plain: float = 1.0
    rep: float = 1.0
    rep_strict: float = 1.0

    @classmethod
    def of(cls, model: SentenceModel | None) -> Thresholds:
        if model is None:
            return cls()
        return cls(
            model.threshold,
            model.strict_threshold,
            model.plain_threshold,
            model.rep_threshold,
            model.rep_strict_threshold,
        )

    def base(self, rep_voice: bool) -> float:
        """The model threshold of a note: a rep's own note, or anything else (a patient's words, a case report)."""
        return max(self.threshold, self.rep) if rep_voice else self.threshold

    def strict_for(self, rep_voice: bool) -> float:
        """What a sentence whose phrases were all discounted must reach (in a rep's note, its own value)."""
        return max(self.rep_strict if rep_voice else self.strict, self.base(rep_voice))


def model_score(p: float, threshold: float) -> float:
    """Map a model probability onto the note score so that the threshold lands on 0.5."""
    if p < threshold:
        return 0.5 * p / threshold if threshold > 0 else 0.5
    return 0.5 + 0.5 * (p - threshold) / (1.0 - threshold) if threshold < 1 else 1.0


def _span(hit: Hit, text: str, sentence: SentenceAnalysis, source: str, score: float) -> Span:
    return Span(
        hit.start,
        hit.end,
        text[hit.start : hit.end],
        hit.category,
        source,
        term=hit.term,
        score=score,
        negated=hit.context == "negated",
        hearsay=bool(sentence.reporter),
        reporter=sentence.reporter,
        context=hit.context,
    )


def decide(
    sentence: SentenceAnalysis,
    text: str,
    p: float | None,
    category_proba: np.ndarray | None,
    masked_p: float | None,
    thresholds: Thresholds,
    rep_voice: bool = False,
) -> SentenceVerdict:
    """Combine a sentence's lexicon hits with the model's probability that it is reportable.

    Recall first: an active lexicon phrase flags. Otherwise the model flags at the note's threshold (a rep's own
    note has its own, `rep`; its "I" is the rep, not a patient), except that a sentence whose phrases were all
    negated, generic, an indication or an idiom needs the whole of it to reach `strict` (or the rest of it,
    `masked_p`, to reach `plain`), and a sentence with no evidence at all (no phrase, nobody or no body part
    named: "said Q3.") needs `plain`.
    """
    threshold = thresholds.base(rep_voice)
    s_model = model_score(p, threshold) if p is not None else 0.0
    active = sentence.active
    if active:
        spans = tuple(_span(h, text, sentence, LEXICON, max(h.score, s_model)) for h in active)
        considered = tuple(_span(h, text, sentence, LEXICON, h.score) for h in sentence.hits if not h.active)
        return SentenceVerdict(True, max(span.score for span in spans), spans, considered)
    inactive = sentence.hits
    considered = tuple(_span(h, text, sentence, LEXICON, h.score) for h in inactive)
    floor = max((h.score for h in inactive), default=0.0)
    if p is None or p < threshold:
        return SentenceVerdict(False, max(floor, s_model), (), considered)
    discounted = sentence.discounted
    plain = max(threshold, thresholds.plain)
    # An idiom is told by its words, not by who writes ("a real pain to book"): the rep-note strictness holds.
    idioms_only = bool(discounted) and all(h.context == "idiom" for h in discounted)
    strict = thresholds.strict_for(rep_voice or idioms_only)
    if discounted and p < strict and (masked_p is None or masked_p < plain):
        return SentenceVerdict(False, min(0.49, max(floor, s_model)), (), considered)
    if discounted and p >= strict:
        spans = tuple(_span(h, text, sentence, LEXICON, s_model) for h in discounted)
        return SentenceVerdict(True, s_model, spans, ())
    if not sentence.evidence(rep_voice) and p < plain:
        return SentenceVerdict(False, min(0.49, max(floor, s_model)), (), considered)
    weak = [h for h in inactive if h.context not in DISCOUNTING]
    if weak and not discounted:
        spans = tuple(_span(h, text, sentence, LEXICON, s_model) for h in weak)
        return SentenceVerdict(True, s_model, spans, ())
    category = MODEL_CATEGORIES[int(np.argmax(category_proba))] if category_proba is not None else "adverse_event"
    span = Span(
        sentence.start,
        sentence.end,
        sentence.text,
        category,
        MODEL,
        score=s_model,
        hearsay=bool(sentence.reporter),
        reporter=sentence.reporter,
    )
    return SentenceVerdict(True, s_model, (span,), considered)


class Screener:
    """Holds the lexicon and the sentence model; screens one note or many. Thread-safe after init."""

    def __init__(self, lexicon: Lexicon, model: SentenceModel | None) -> None:
        self.lexicon = lexicon
        self.model = model
        self.analyser = Analyser(lexicon)

    @classmethod
    def load(cls, lexicon: Path | None = None, model: Path | None = None) -> Screener:
        """Load from the given files, or from resources/safety/lexicon.toml and models/."""
        lexicon_file = lexicon if lexicon is not None else resource_path(*LEXICON_FILE)
        model_file = model if model is not None else model_path(MODEL_FILE)
        return cls(load_lexicon(lexicon_file), load_model(model_file))

    @property
    def threshold(self) -> float:
        return self.model.threshold if self.model is not None else 1.0

    def analyse(self, text: str) -> list[SentenceAnalysis]:
        """The note's sentences with their qualified lexicon hits (no model)."""
        return self.analyser.analyse(text)

    def screen(self, text: str) -> ScreenResult:
        """Screen one note."""
        return self.screen_many([text])[0]

    def screen_many(self, texts: Sequence[str]) -> list[ScreenResult]:
        """Screen several notes with one model call for all their sentences."""
        analyses = [self.analyser.analyse(text) for text in texts]
        sentences = [s for note in analyses for s in note]
        flag, categories, masked = self._model_signals(sentences)
        thresholds = Thresholds.of(self.model)
        results: list[ScreenResult] = []
        index = 0
        for text, note in zip(texts, analyses, strict=True):
            voice = rep_voice(note)
            verdicts = []
            for sentence in note:
                if flag is None or categories is None:
                    verdicts.append(decide(sentence, text, None, None, None, thresholds, voice))
                else:
                    p, cats, rest = float(flag[index]), categories[index], masked.get(index)
                    verdicts.append(decide(sentence, text, p, cats, rest, thresholds, voice))
                index += 1
            results.append(_result(verdicts, [s.text for s in note]))
        return results

    def _model_signals(
        self, sentences: list[SentenceAnalysis]
    ) -> tuple[np.ndarray | None, np.ndarray | None, dict[int, float]]:
        model = self.model
        if model is None:
            return None, None, {}
        flag, categories = model.predict([s.text for s in sentences])
        needs_mask = [
            i for i, s in enumerate(sentences) if s.maskable and model.threshold <= flag[i] < model.strict_threshold
        ]  # a rep's note has a higher threshold, so this asks about at least every sentence the decision needs
        masked: dict[int, float] = {}
        if needs_mask:
            masked_flag, _ = model.predict([sentences[i].masked_text() for i in needs_mask])
            masked = {i: float(p) for i, p in zip(needs_mask, masked_flag, strict=True)}
        return flag, categories, masked


def _result(verdicts: list[SentenceVerdict], sentences: list[str]) -> ScreenResult:
    spans = tuple(span for v in verdicts for span in v.spans)
    considered = tuple(span for v in verdicts for span in v.considered)
    found = {span.category for span in spans}
    categories = tuple(c for c in CATEGORIES if c in found)
    evidence = tuple(text for v, text in zip(verdicts, sentences, strict=True) if v.flagged)
    score = max((v.score for v in verdicts), default=0.0)
    flag = any(v.flagged for v in verdicts)
    score = max(score, 0.5) if flag else min(score, 0.4999)
    return ScreenResult(flag, categories, spans, evidence, float(score), considered)


_default: Screener | None = None
_default_lock = threading.Lock()


def get_screener() -> Screener:
    """The shared screener, loaded once on first use from the bundled lexicon and model."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Screener.load()
    return _default


def screen_note(text: str) -> ScreenResult:
    """Screen one visit note with the shared screener."""
    return get_screener().screen(text)
