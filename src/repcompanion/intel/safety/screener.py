"""Screen visit notes for possible adverse events and complaints: lexicon and sentence model together."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repcompanion.domain import ModelError
from repcompanion.intel.safety.analysis import (
    DISCOUNTING,
    EXPOSURE_CATEGORIES,
    Analyser,
    Hit,
    SentenceAnalysis,
    rep_note,
    rep_voice,
)
from repcompanion.intel.safety.categories import CATEGORIES
from repcompanion.intel.safety.lexicon import Lexicon, load_lexicon
from repcompanion.intel.safety.locate import model_path, resource_path
from repcompanion.intel.safety.model import MODEL_CATEGORIES, SentenceModel, load_model
from repcompanion.intel.safety.result import LEXICON, MODEL, ScreenResult, Span

LEXICON_FILE = ("safety", "lexicon.toml")
MODEL_FILE = "safety_screener.skops"
NOTE_MODEL_FILE = "safety_notes.skops"
REGISTER_MODEL_FILE = "safety_register.skops"
#: P(a text is a rep's note) at which the register model reads a note without rep words as a rep's
REGISTER_THRESHOLD = 0.5
#: the note model's category probability at which it names a category the lexicon did not
NOTE_CATEGORY_SURE = 0.75


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
    return SentenceVerdict(True, s_model, (_model_span(sentence, category, s_model),), considered)


def _model_span(sentence: SentenceAnalysis, category: str, score: float) -> Span:
    """The whole sentence as a model's flag of ``category``."""
    return Span(
        sentence.start,
        sentence.end,
        sentence.text,
        category,
        MODEL,
        score=score,
        hearsay=bool(sentence.reporter),
        reporter=sentence.reporter,
    )


def _cleared(verdict: SentenceVerdict, score: float) -> SentenceVerdict:
    """``verdict`` not flagged, its spans kept as considered evidence."""
    return SentenceVerdict(False, min(0.49, score), (), verdict.considered + verdict.spans)


@dataclass(frozen=True, slots=True)
class NoteSignals:
    """The note model on one note: P(reportable) of the whole note and its category probabilities (in the note
    model's categories)."""

    p: float
    categories: np.ndarray


def note_decision(
    note: list[SentenceAnalysis],
    verdicts: list[SentenceVerdict],
    signals: NoteSignals,
    notes: SentenceModel,
) -> list[SentenceVerdict]:
    """Decide a rep's own note with the note model, which read whole notes by several authors.

    The note flags when the note model reaches its threshold; or when a lexicon phrase is active and the note
    model reaches its lower lexicon threshold (``strict_threshold``: a phrase alone, as in "sees a lot of COPD
    patients with exacerbations", no longer flags); or lower still (``plain_threshold``) when the phrase is one
    of exposure: pregnancy, breast-feeding or a child on the product. A flagged note is explained by its active
    phrases; without one, by the sentence the note model scores highest, named by the phrases in it or by the
    note model. A note that does not flag keeps its phrases as considered evidence. The note model also names
    the note's category: when it is sure (NOTE_CATEGORY_SURE) of one the phrases did not name, that category is
    added on the sentence that carries the note (a complaint read as an adverse event reaches the quality unit).
    """
    threshold, lexicon_threshold, exposure_threshold = notes.threshold, notes.strict_threshold, notes.plain_threshold
    active = any(s.active for s in note)
    exposed = any(h.category in EXPOSURE_CATEGORIES for s in note for h in s.active)
    p_note = signals.p
    score = model_score(p_note, threshold)
    if not (
        p_note >= threshold or (active and p_note >= lexicon_threshold) or (exposed and p_note >= exposure_threshold)
    ):
        return [_cleared(v, score) for v in verdicts]
    score = max(0.5, score)
    top = int(np.argmax(signals.categories))
    named, sure = notes.categories[top], float(signals.categories[top]) >= NOTE_CATEGORY_SURE
    best = int(np.argmax(notes.predict_flag([s.text for s in note]))) if len(note) > 1 else 0
    if active:
        result = [
            SentenceVerdict(True, max(score, v.score), v.spans, v.considered)
            if v.flagged and any(span.source == LEXICON for span in v.spans)
            else _cleared(v, v.score)
            for v in verdicts
        ]
        found = {span.category for v in result for span in v.spans}
        if not sure or named in found:
            return result
    else:
        result = [_cleared(v, v.score) for v in verdicts]
        if not sure:
            in_sentence = [h.category for h in note[best].hits]
            named = in_sentence[0] if in_sentence else named
    span = _model_span(note[best], named, score)
    kept = result[best]
    result[best] = SentenceVerdict(True, max(score, kept.score), (*kept.spans, span), kept.considered)
    return result


class Screener:
    """Holds the lexicon, the sentence model and the note model; screens one note or many. Thread-safe after
    init."""

    def __init__(
        self,
        lexicon: Lexicon,
        model: SentenceModel | None,
        notes: SentenceModel | None = None,
        register: SentenceModel | None = None,
    ) -> None:
        if model is not None and model.categories != MODEL_CATEGORIES:
            raise ModelError(
                f"The safety screener's sentence model names {', '.join(model.categories)}, not "
                f"{', '.join(MODEL_CATEGORIES)}.",
                hint="Point REPCOMPANION_MODELS at the folder with safety_screener.skops, or retrain it.",
            )
        self.lexicon = lexicon
        self.model = model
        self.notes = notes
        self.register = register
        self.analyser = Analyser(lexicon)

    @classmethod
    def load(cls, lexicon: Path | None = None, model: Path | None = None, notes: Path | None = None) -> Screener:
        """Load from the given files, or from resources/safety/lexicon.toml and models/ (the note and register
        models beside the sentence model; a folder without them screens with lexicon and sentence model alone)."""
        lexicon_file = lexicon if lexicon is not None else resource_path(*LEXICON_FILE)
        model_file = model if model is not None else model_path(MODEL_FILE)
        notes_file = notes if notes is not None else model_file.with_name(NOTE_MODEL_FILE)
        note_model = load_model(notes_file) if notes is not None or notes_file.is_file() else None
        register_file = notes_file.with_name(REGISTER_MODEL_FILE)
        register = load_model(register_file) if note_model is not None and register_file.is_file() else None
        return cls(load_lexicon(lexicon_file), load_model(model_file), note_model, register)

    @property
    def threshold(self) -> float:
        return self.model.threshold if self.model is not None else 1.0

    def analyse(self, text: str) -> list[SentenceAnalysis]:
        """The note's sentences with their qualified lexicon hits (no model)."""
        return self.analyser.analyse(text)

    def screen(self, text: str, *, rep_notes: bool = False) -> ScreenResult:
        """Screen one note (``rep_notes``: see :meth:`screen_many`)."""
        return self.screen_many([text], rep_notes=rep_notes)[0]

    def screen_many(self, texts: Sequence[str], *, rep_notes: bool = False) -> list[ScreenResult]:
        """Screen several notes with one model call for all their sentences. With ``rep_notes`` the caller knows
        every text is a rep's visit note (the app's visit notes), so the note model decides each; otherwise the
        screener tells a rep's note from a patient's review or a case report by its words."""
        analyses = [self.analyser.analyse(text) for text in texts]
        sentences = [s for note in analyses for s in note]
        flag, categories, masked = self._model_signals(sentences)
        thresholds = Thresholds.of(self.model)
        voices = [rep_voice(note) for note in analyses]
        marked = [rep_notes or rep_note(note) for note in analyses]
        read_as_rep = self._read_as_rep(texts, marked)
        note_p = self._note_signals(texts, analyses)
        results: list[ScreenResult] = []
        index = 0
        for n, (text, note) in enumerate(zip(texts, analyses, strict=True)):
            # The rep-note thresholds are for a screener without a note model; with one, what reaches the sentence
            # decision is a patient's words or clinical prose, whatever its grammatical person.
            voice = voices[n] and self.notes is None
            verdicts = []
            for sentence in note:
                if flag is None or categories is None:
                    verdicts.append(decide(sentence, text, None, None, None, thresholds, voice))
                else:
                    p, cats, rest = float(flag[index]), categories[index], masked.get(index)
                    verdicts.append(decide(sentence, text, p, cats, rest, thresholds, voice))
                index += 1
            # A rep's note is the note model's to decide; anything else (a patient's words, a case report) keeps
            # the sentence decision, and the note model can only add to it, except that a flag on third-person
            # text resting only on negated phrases needs the note model to agree ("no side effects reported by
            # any of her patients"; label and trial talk, "has been reported in patients", keeps its flag).
            # A note the register model reads as a rep's, without a rep's words, keeps the flags of phrases active
            # in it (a case report's "ototoxicity after azithromycin" may read like a note); the rest is the note
            # model's.
            if read_as_rep[n] and any(_lexicon_active(v) for v in verdicts):
                decided_by_note = False
            else:
                decided_by_note = (
                    marked[n]
                    or read_as_rep[n]
                    or not any(v.flagged for v in verdicts)
                    or (voices[n] and _negated_only(verdicts))
                )
            if n in note_p and self.notes is not None and decided_by_note:
                verdicts = note_decision(note, verdicts, note_p[n], self.notes)
            results.append(_result(verdicts, [s.text for s in note]))
        return results

    def _read_as_rep(self, texts: Sequence[str], marked: list[bool]) -> list[bool]:
        """Whether the register model reads each note without a rep's words as a rep's note."""
        read = [False] * len(texts)
        if self.register is None or self.notes is None:
            return read
        ask = [n for n, m in enumerate(marked) if not m and texts[n].strip()]
        if ask:
            p, _ = self.register.predict([texts[n] for n in ask])
            for n, value in zip(ask, p, strict=True):
                read[n] = bool(value >= self.register.threshold)
        return read

    def _note_signals(self, texts: Sequence[str], analyses: list[list[SentenceAnalysis]]) -> dict[int, NoteSignals]:
        """The note model on every note (a rep's note is its to decide; on anything else it can only add a flag,
        recall first)."""
        if self.notes is None:
            return {}
        chosen = [n for n, note in enumerate(analyses) if note]
        if not chosen:
            return {}
        p, categories = self.notes.predict([texts[n] for n in chosen])
        return {n: NoteSignals(float(p[k]), categories[k]) for k, n in enumerate(chosen)}

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


def _lexicon_active(verdict: SentenceVerdict) -> bool:
    return verdict.flagged and any(span.source == LEXICON and span.context not in DISCOUNTING for span in verdict.spans)


def _negated_only(verdicts: list[SentenceVerdict]) -> bool:
    spans = [span for v in verdicts if v.flagged for span in v.spans]
    return bool(spans) and all(span.source == LEXICON and span.context == "negated" for span in spans)


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


def screen_note(text: str, *, rep_notes: bool = False) -> ScreenResult:
    """Screen one note with the shared screener (``rep_notes``: the text is known to be a rep's visit note)."""
    return get_screener().screen(text, rep_notes=rep_notes)
