"""The sentence classifier of the screener: fit it, save it as plain arrays with skops, load it safely.

The file holds only numbers and strings (vocabularies, idf weights, coefficients, thresholds), so a
skops load needs no scikit-learn object types at all; the vectorisers are rebuilt from their
vocabularies on load, which keeps the file small and the load fast.
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from repcompanion.domain import ModelError, UntrustedModelError
from repcompanion.intel.safety.categories import ADVERSE_EVENT, CATEGORIES, LACK_OF_EFFICACY, WITHDRAWAL

FORMAT = "repcompanion.safety_screener/2"
MODEL_CATEGORIES: tuple[str, ...] = (ADVERSE_EVENT, WITHDRAWAL, LACK_OF_EFFICACY)

# Every type a screener model file may contain. skops refuses anything else before building it.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "numpy.ndarray",
    "numpy.dtype",
)

WORD_PARAMS: dict[str, Any] = {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "max_features": 30_000}
CHAR_PARAMS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "max_features": 60_000}
_COMMON: dict[str, Any] = {"lowercase": True, "sublinear_tf": True, "dtype": np.float32}


def _vectorizer(params: dict[str, Any], vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
    kwargs = {**_COMMON, **params, "ngram_range": tuple(params["ngram_range"])}
    if vocabulary is not None:
        kwargs.pop("min_df", None)
        kwargs.pop("max_features", None)
        kwargs["vocabulary"] = list(vocabulary)
    return TfidfVectorizer(**kwargs)


_WORD_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WHITE_SPACES = re.compile(r"\s\s+")
_CACHE_LIMIT = 200_000


class _FastTfidf:
    """The same numbers as a fitted TfidfVectorizer.transform for one sentence, without its overhead.

    Character n-grams of a word do not depend on its neighbours (char_wb), so they are cached per
    word; visit notes reuse their words, which makes most sentences a handful of dictionary looks.
    """

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.char = vectorizer.analyzer == "char_wb"
        self.low, self.high = vectorizer.ngram_range
        self.sublinear = bool(vectorizer.sublinear_tf)
        self._cache: dict[str, list[int]] = {}

    def _word_ngrams(self, word: str) -> list[int]:
        found = self._cache.get(word)
        if found is None:
            padded = f" {word} "
            size = len(padded)
            found = []
            vocabulary = self.vocabulary
            for n in range(self.low, self.high + 1):
                if n > size:
                    break
                for offset in range(size - n + 1):
                    index = vocabulary.get(padded[offset : offset + n])
                    if index is not None:
                        found.append(index)
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = found
        return found

    def indices(self, sentence: str) -> list[int]:
        text = sentence.lower()
        if self.char:
            result: list[int] = []
            for word in _WHITE_SPACES.sub(" ", text).split():
                result.extend(self._word_ngrams(word))
            return result
        tokens = _WORD_TOKEN.findall(text)
        grams = list(tokens)
        if self.high >= 2:
            grams += [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
        return [i for i in (self.vocabulary.get(g) for g in grams) if i is not None]

    def vector(self, sentence: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, l2-normalised tf-idf values) of one sentence."""
        raw = self.indices(sentence)
        if not raw:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        counted: dict[int, int] = {}
        for i in raw:
            counted[i] = counted.get(i, 0) + 1
        index = np.fromiter(counted.keys(), dtype=np.int64, count=len(counted))
        tf = np.fromiter(counted.values(), dtype=np.float64, count=len(counted))
        if self.sublinear:
            tf = 1.0 + np.log(tf)
        values = tf * self.idf[index]
        return index, values / np.sqrt(values @ values)


@dataclass(slots=True)
class SentenceModel:
    """TF-IDF word and character n-grams into two logistic heads.

    ``flag`` gives P(the sentence reports an adverse event or withdrawal); ``category`` names what a
    reportable sentence is about (MODEL_CATEGORIES). ``threshold`` is the flag probability at or above
    which the model alone flags a sentence (tuned for recall); ``strict_threshold`` is what a sentence
    whose lexicon phrases were all negated or generic must still reach.
    """

    word: TfidfVectorizer
    char: TfidfVectorizer
    flag_coef: np.ndarray
    flag_intercept: float
    category_coef: np.ndarray
    category_intercept: np.ndarray
    threshold: float = 0.5
    strict_threshold: float = 0.5
    plain_threshold: float = 0.5
    rep_threshold: float = 0.5
    rep_strict_threshold: float = 0.5
    metadata: dict[str, Any] = field(default_factory=dict)
    categories: tuple[str, ...] = MODEL_CATEGORIES
    _fast: tuple[_FastTfidf, _FastTfidf] | None = field(default=None, init=False, repr=False)

    def predict(self, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(P(reportable) per sentence, P(category) per sentence in MODEL_CATEGORIES order)."""
        if self._fast is None:
            self._fast = (_FastTfidf(self.word), _FastTfidf(self.char))
        word, char = self._fast
        split = len(self.word.vocabulary_)
        logits = np.full(len(sentences), self.flag_intercept)
        scores = np.tile(self.category_intercept, (len(sentences), 1))
        for row, sentence in enumerate(sentences):
            w_index, w_values = word.vector(sentence)
            c_index, c_values = char.vector(sentence)
            c_index = c_index + split
            logits[row] += w_values @ self.flag_coef[w_index] + c_values @ self.flag_coef[c_index]
            scores[row] += self.category_coef[:, w_index] @ w_values + self.category_coef[:, c_index] @ c_values
        flag = 1.0 / (1.0 + np.exp(-logits))
        scores -= scores.max(axis=1, keepdims=True)
        weights = np.exp(scores)
        return flag, weights / weights.sum(axis=1, keepdims=True)

    def predict_flag(self, sentences: Sequence[str]) -> np.ndarray:
        """P(reportable) per sentence only (no category head)."""
        if self._fast is None:
            self._fast = (_FastTfidf(self.word), _FastTfidf(self.char))
        word, char = self._fast
        split = len(self.word.vocabulary_)
        logits = np.full(len(sentences), self.flag_intercept)
        for row, sentence in enumerate(sentences):
            w_index, w_values = word.vector(sentence)
            c_index, c_values = char.vector(sentence)
            logits[row] += w_values @ self.flag_coef[w_index] + c_values @ self.flag_coef[c_index + split]
        return 1.0 / (1.0 + np.exp(-logits))

    def predict_reference(self, sentences: Sequence[str]) -> np.ndarray:
        """P(reportable) through scikit-learn's own transform (for checking the fast path)."""
        split = len(self.word.vocabulary_)
        texts = list(sentences)
        logit = (
            self.word.transform(texts) @ self.flag_coef[:split] + self.char.transform(texts) @ self.flag_coef[split:]
        )
        return 1.0 / (1.0 + np.exp(-(np.asarray(logit, dtype=np.float64).ravel() + self.flag_intercept)))


def fit_model(
    sentences: Sequence[str],
    adverse: Sequence[bool],
    category: Sequence[str],
    c: float = 4.0,
    categories: tuple[str, ...] = MODEL_CATEGORIES,
) -> SentenceModel:
    """Fit the vectorisers and both heads; `category` is "none" for sentences that report nothing, and the
    category head names `categories` (MODEL_CATEGORIES for the sentence model)."""
    union = FeatureUnion([("word", _vectorizer(WORD_PARAMS)), ("char", _vectorizer(CHAR_PARAMS))])
    x = union.fit_transform(list(sentences)).tocsr()
    word, char = union.transformer_list[0][1], union.transformer_list[1][1]
    flag = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(x, np.asarray(adverse, dtype=bool))
    labels = np.asarray(category)
    reportable = labels != "none"
    # A category the training text never shows (PsyTAR left out: no withdrawal) gets no weight and a vanishing
    # prior, so the head never names it.
    coef = np.zeros((len(categories), x.shape[1]), dtype=np.float32)
    intercept = np.full(len(categories), -50.0)
    present = [name for name in categories if name in set(labels[reportable])]
    if len(present) == 1:
        intercept[categories.index(present[0])] = 0.0
    elif present:
        heads = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(x[reportable], labels[reportable])
        for k, name in enumerate(heads.classes_):
            if name in categories:
                row = 0 if len(heads.classes_) == 2 and k == 0 else min(k, heads.coef_.shape[0] - 1)
                # Two classes: scikit-learn keeps one row; half of it each way gives the same softmax.
                sign = (-0.5 if k == 0 else 0.5) if len(heads.classes_) == 2 else 1.0
                coef[categories.index(name)] = sign * heads.coef_[row]
                intercept[categories.index(name)] = sign * heads.intercept_[row]
    return SentenceModel(
        word,
        char,
        flag.coef_[0].astype(np.float32),
        float(flag.intercept_[0]),
        coef,
        intercept.astype(np.float64),
        categories=tuple(categories),
    )


def _vocabulary(vectorizer: TfidfVectorizer) -> str:
    """The vocabulary in index order as one newline-separated string (a fixed-width array of long word pairs
    would take several times the space)."""
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return "\n".join(terms)


def _terms(stored: Any) -> list[str]:
    """A stored vocabulary: a newline-separated string, or an array of strings (files written before 2026-12)."""
    return str(stored).split("\n") if isinstance(stored, str) else [str(term) for term in stored]


def _params(params: dict[str, Any]) -> dict[str, Any]:
    return {"analyzer": params["analyzer"], "ngram_range": list(params["ngram_range"])}


def save_model(model: SentenceModel, path: Path) -> None:
    """Write the model with skops.io.dump as plain arrays and builtins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bundle = {
        "format": FORMAT,
        "categories": list(model.categories),
        "word_params": _params(WORD_PARAMS),
        "char_params": _params(CHAR_PARAMS),
        "word_vocabulary": _vocabulary(model.word),
        "word_idf": model.word.idf_.astype(np.float32),
        "char_vocabulary": _vocabulary(model.char),
        "char_idf": model.char.idf_.astype(np.float32),
        "flag_coef": np.asarray(model.flag_coef, dtype=np.float32),
        "flag_intercept": float(model.flag_intercept),
        "category_coef": np.asarray(model.category_coef, dtype=np.float32),
        "category_intercept": np.asarray(model.category_intercept, dtype=np.float64),
        "threshold": float(model.threshold),
        "strict_threshold": float(model.strict_threshold),
        "plain_threshold": float(model.plain_threshold),
        "rep_threshold": float(model.rep_threshold),
        "rep_strict_threshold": float(model.rep_strict_threshold),
        "metadata": model.metadata,
    }
    sio.dump(bundle, path)


def _rebuild(params: dict[str, Any], vocabulary: Any, idf: np.ndarray) -> TfidfVectorizer:
    vectorizer = _vectorizer(params, _terms(vocabulary))
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)  # the setter validates the vocabulary (builds vocabulary_)
    return vectorizer


def _types_in(path: Path) -> set[str]:
    """Every type named in a skops file's schema, including those skops itself would trust."""
    with zipfile.ZipFile(path) as archive:
        schema = json.loads(archive.read("schema.json"))
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def load_model(path: Path) -> SentenceModel:
    """Load a screener model, refusing any type outside TRUSTED_TYPES before anything is built."""
    if not path.is_file():
        raise ModelError(
            f"The safety screener model {path} is missing.",
            hint="Reinstall RepCompanion, set REPCOMPANION_MODELS, or train one with "
            "`python -m repcompanion.intel.safety.train`.",
        )
    try:
        present = _types_in(path)
    except Exception as exc:
        raise ModelError(
            f"The safety screener model {path} cannot be read: {exc}.",
            hint="The file is damaged or is not a skops model; reinstall or retrain it.",
        ) from exc
    refused = sorted(present - set(TRUSTED_TYPES))
    if refused:
        raise UntrustedModelError(
            f"The safety screener model {path} contains types RepCompanion does not load: "
            f"{', '.join(refused)}. It was not loaded."
        )
    try:
        bundle = sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:
        raise ModelError(
            f"The safety screener model {path} cannot be loaded: {exc}.",
            hint="Reinstall or retrain it with `python -m repcompanion.intel.safety.train`.",
        ) from exc
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise ModelError(
            f"{path} is not a RepCompanion safety screener model (format {FORMAT}).",
            hint="Point REPCOMPANION_MODELS at the folder with safety_screener.skops, or retrain it.",
        )
    try:
        categories = tuple(str(name) for name in bundle["categories"])
        unknown = [name for name in categories if name not in CATEGORIES]
        if unknown or not categories:
            raise ValueError(f"categories {bundle['categories']}")
        word = _rebuild(bundle["word_params"], bundle["word_vocabulary"], bundle["word_idf"])
        char = _rebuild(bundle["char_params"], bundle["char_vocabulary"], bundle["char_idf"])
        flag_coef = np.asarray(bundle["flag_coef"], dtype=np.float32)
        category_coef = np.asarray(bundle["category_coef"], dtype=np.float32)
        width = len(word.vocabulary_) + len(char.vocabulary_)
        if flag_coef.shape != (width,) or category_coef.shape != (len(categories), width):
            raise ValueError("coefficient shapes do not match the vocabularies")
        return SentenceModel(
            word,
            char,
            flag_coef,
            float(bundle["flag_intercept"]),
            category_coef,
            np.asarray(bundle["category_intercept"], dtype=np.float64),
            float(bundle["threshold"]),
            float(bundle["strict_threshold"]),
            float(bundle.get("plain_threshold", bundle["threshold"]) or 0.0),
            float(bundle.get("rep_threshold", bundle["threshold"]) or 0.0),
            float(bundle.get("rep_strict_threshold", bundle["strict_threshold"]) or 0.0),
            dict(bundle.get("metadata", {})),
            categories,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"The safety screener model {path} has an unexpected layout: {exc}.",
            hint="Retrain it with `python -m repcompanion.intel.safety.train`.",
        ) from exc
