"""Train the screener's sentence model on PsyTAR and pick its threshold for recall on the dev split.

Run from the repository root::

    python -m repcompanion.intel.safety.train --data ../shared/data/psytar --out models/safety_screener.skops
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.model_selection import StratifiedKFold

from repcompanion.domain import Progress, no_progress
from repcompanion.intel.safety.analysis import SentenceAnalysis
from repcompanion.intel.safety.augment import rep_sentences
from repcompanion.intel.safety.corpus import LabelledSentence, read_psytar
from repcompanion.intel.safety.lexicon import load_lexicon
from repcompanion.intel.safety.locate import resource_path
from repcompanion.intel.safety.model import MODEL_CATEGORIES, SentenceModel, fit_model, save_model
from repcompanion.intel.safety.screener import LEXICON_FILE, Screener, decide

DEFAULT_TARGET_RECALL = 0.985
STRICT_CHOICES = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
CITATION = (
    'Zolnoori M. et al., "The PsyTAR dataset: From patients generated narratives to a corpus of adverse '
    'drug events and effectiveness of psychiatric medications", Data in Brief 24 (2019) 103838, CC BY 4.0'
)


@dataclass(slots=True)
class _Signals:
    """Everything the decision needs for one labelled text, except the thresholds."""

    text: str
    sentences: list[SentenceAnalysis]
    flag: np.ndarray
    categories: np.ndarray
    masked: dict[int, float]


def _signals(
    screener: Screener, model: SentenceModel, texts: Sequence[str], text_flag: np.ndarray | None = None
) -> list[_Signals]:
    """Per text: its sentences, the model's flag probability per sentence and the masked re-scores.

    With `text_flag` (out-of-fold probabilities for whole texts) each piece of a text reuses its
    text's probability, so the check measures a model that never saw the text.
    """
    analyses = [screener.analyse(text) for text in texts]
    flat = [s for note in analyses for s in note]
    flag, categories = model.predict([s.text for s in flat])
    needs = [i for i, s in enumerate(flat) if s.maskable]
    masked_flag, _ = model.predict([flat[i].masked_text() for i in needs])
    masked = dict(zip(needs, (float(p) for p in masked_flag), strict=True))
    result: list[_Signals] = []
    index = 0
    for n, (text, note) in enumerate(zip(texts, analyses, strict=True)):
        rows = list(range(index, index + len(note)))
        piece_flag = flag[rows] if text_flag is None else np.full(len(note), text_flag[n])
        local = {k: masked[i] for k, i in enumerate(rows) if i in masked}
        result.append(_Signals(text, note, piece_flag, categories[rows], local))
        index += len(note)
    return result


def _flags(signals: list[_Signals], threshold: float, strict: float) -> np.ndarray:
    flags = np.zeros(len(signals), dtype=bool)
    for n, item in enumerate(signals):
        for k, sentence in enumerate(item.sentences):
            verdict = decide(
                sentence, item.text, float(item.flag[k]), item.categories[k], item.masked.get(k), threshold, strict
            )
            if verdict.flagged:
                flags[n] = True
                break
    return flags


def _measure(flags: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    tp = int(np.sum(flags & truth))
    return {
        "recall": tp / max(1, int(truth.sum())),
        "precision": tp / max(1, int(flags.sum())),
        "flag_rate": float(flags.mean()) if len(flags) else 0.0,
        "missed": int(np.sum(truth & ~flags)),
    }


def pick_thresholds(
    signals: list[_Signals], truth: np.ndarray, target_recall: float
) -> tuple[float, float, dict[str, float]]:
    """The highest model threshold, then the highest strict threshold, keeping recall >= target.

    The strict threshold is what a sentence whose phrases were all negated or generic must reach;
    higher is better for precision, since the model has no notion of negation.
    """
    best: tuple[float, float, dict[str, float]] | None = None
    for threshold in np.round(np.arange(0.02, 0.7, 0.01), 2):
        strict = max(STRICT_CHOICES[0], float(threshold))
        metrics = _measure(_flags(signals, float(threshold), strict), truth)
        if metrics["recall"] < target_recall:
            continue
        for candidate in STRICT_CHOICES:
            if candidate < threshold:
                continue
            trial = _measure(_flags(signals, float(threshold), candidate), truth)
            if trial["recall"] >= target_recall:
                strict, metrics = candidate, trial
        best = (float(threshold), strict, metrics)
    if best is None:
        return 0.01, STRICT_CHOICES[0], _measure(_flags(signals, 0.01, STRICT_CHOICES[0]), truth)
    return best


def _training_rows(train_set: list[LabelledSentence], augment: bool) -> tuple[list[str], list[bool], list[str]]:
    texts = [s.text for s in train_set]
    adverse = [s.adverse for s in train_set]
    classes = [s.model_class for s in train_set]
    if augment:
        for text, positive in rep_sentences():
            texts.append(text)
            adverse.append(positive)
            classes.append("adverse_event" if positive else "none")
    return texts, adverse, classes


def _out_of_fold(train: list[LabelledSentence], c: float, seed: int) -> np.ndarray:
    texts = [s.text for s in train]
    adverse = np.array([s.adverse for s in train])
    labels = np.array([s.model_class for s in train])
    flag = np.zeros(len(train))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for fit_index, test_index in folds.split(texts, labels):
        model = fit_model([texts[i] for i in fit_index], adverse[fit_index], labels[fit_index], c)
        flag[test_index], _ = model.predict([texts[i] for i in test_index])
    return flag


def train(
    data: Path,
    out: Path,
    *,
    target_recall: float = DEFAULT_TARGET_RECALL,
    c: float = 4.0,
    seed: int = 7,
    cross_validate: bool = True,
    augment: bool = True,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Fit on binary_train.csv, tune the threshold on binary_dev.csv, write the model; return metrics."""
    progress(0.0, "reading PsyTAR")
    train_set = read_psytar(data / "binary_train.csv")
    dev_set = read_psytar(data / "binary_dev.csv")
    lexicon = load_lexicon(resource_path(*LEXICON_FILE))
    progress(0.1, "fitting the sentence model")
    texts, adverse, classes = _training_rows(train_set, augment)
    model = fit_model(texts, adverse, classes, c)
    screener = Screener(lexicon, model)
    progress(0.4, "tuning the threshold on dev")
    dev_truth = np.array([s.adverse for s in dev_set])
    dev_signals = _signals(screener, model, [s.text for s in dev_set])
    threshold, strict, dev_metrics = pick_thresholds(dev_signals, dev_truth, target_recall)
    dev_flag, _ = model.predict([s.text for s in dev_set])
    model_only = _measure(dev_flag >= threshold, dev_truth)
    metrics: dict[str, Any] = {
        "threshold": threshold,
        "strict_threshold": strict,
        "dev": dev_metrics,
        "dev_model_only": model_only,
        "dev_sentences": len(dev_set),
        "dev_adverse": int(dev_truth.sum()),
    }
    if cross_validate:
        progress(0.5, "out-of-fold check on train")
        oof = _out_of_fold(train_set, c, seed)
        train_truth = np.array([s.adverse for s in train_set])
        train_signals = _signals(screener, model, [s.text for s in train_set], oof)
        metrics["train_out_of_fold"] = _measure(_flags(train_signals, threshold, strict), train_truth)
    metadata = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "trained_on": "PsyTAR binary_train.csv (4,201 sentences)"
        + (" + templated rep-note sentences (augment.py)" if augment else "")
        + "; threshold tuned on binary_dev.csv",
        "citation": CITATION,
        "sklearn_version": sklearn.__version__,
        "categories": list(MODEL_CATEGORIES),
        "c": c,
        "target_recall": target_recall,
        "metrics": json.loads(json.dumps(metrics)),
    }
    progress(0.9, "writing the model")
    model.threshold, model.strict_threshold, model.metadata = threshold, strict, metadata
    save_model(model, out)
    progress(1.0, "done")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with binary_train.csv and binary_dev.csv")
    parser.add_argument("--out", type=Path, required=True, help="where to write the .skops model")
    parser.add_argument("--target-recall", type=float, default=DEFAULT_TARGET_RECALL)
    parser.add_argument("--c", type=float, default=4.0, help="inverse regularisation of the logistic model")
    parser.add_argument("--no-cv", action="store_true", help="skip the out-of-fold check on train")
    parser.add_argument("--no-augment", action="store_true", help="train on PsyTAR only (no rep-note templates)")
    args = parser.parse_args(argv)

    def report(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    metrics = train(
        args.data,
        args.out,
        target_recall=args.target_recall,
        c=args.c,
        cross_validate=not args.no_cv,
        augment=not args.no_augment,
        progress=report,
    )
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
