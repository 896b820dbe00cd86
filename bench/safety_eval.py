"""Measure whichever note screener is importable on every labelled corpus held here; prints one JSON object.

Run by ``bench/safety.py`` once per screener (the current tree and a reference commit) in a fresh process, so
load time is measured cold and both screeners see exactly the same text. It uses only what every release
of the screener offers (``get_screener()``, ``screen_many`` and a result's ``flag`` and ``categories``), and
reads the corpora itself, so an older checkout can be measured with this file unchanged.

Evaluation sets (none of them shapes a lexicon, a training set or a threshold; see docs/models.md):

- PsyTAR ``binary_dev.csv`` (patients' own words): recall on ADR or WD (the acceptance measure), on WD and
  on INF (lack of effect); false flags on sentences with no ADR, WD or INF label.
- SPL-ADR-200 test split (FDA label prose, the TAC 2017 test labels): recall on label 1 and on the cleaner
  ``match=offset`` positives; false flags on label 0.
- OnSIDES pediatric sections (label prose, lower case): the same.
- The held-out rep notes (tests/fixtures/safety): recall per category and per register, whether the flag
  names the right category, false flags on plain notes per kind.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "safety"
DATA_ENV = "REPCOMPANION_SHARED_DATA"
NOTE_CHARS = 2000
LATENCY_NOTES = 500

#: the held-out notes' category -> the screener categories that name it (older releases used "misuse" and one
#: "product_complaint" for every quality defect, which counts for the family but not for the category)
CODE_NAMES: dict[str, frozenset[str]] = {
    "adverse_event": frozenset({"adverse_event"}),
    "lack_of_efficacy": frozenset({"lack_of_efficacy"}),
    "overdose": frozenset({"overdose"}),
    "abuse": frozenset({"misuse"}),
    "withdrawal": frozenset({"withdrawal"}),
    "pregnancy_breastfeeding": frozenset({"pregnancy_exposure", "breastfeeding_exposure"}),
    "use_in_children": frozenset({"paediatric_use"}),
    "medication_error": frozenset({"medication_error"}),
    "off_label_use": frozenset({"off_label_use"}),
    "packaging": frozenset({"packaging"}),
    "labelling": frozenset({"labelling"}),
    "appearance": frozenset({"appearance"}),
    "foreign_matter": frozenset({"foreign_matter"}),
    "device_malfunction": frozenset({"device_malfunction"}),
    "suspected_counterfeit": frozenset({"suspected_counterfeit"}),
}
QUALITY = frozenset(
    {
        "product_complaint",
        "packaging",
        "labelling",
        "appearance",
        "foreign_matter",
        "device_malfunction",
        "suspected_counterfeit",
    }
)
SPECIAL = frozenset(
    {"pregnancy_exposure", "breastfeeding_exposure", "paediatric_use", "off_label_use", "medication_error"}
)


def family(category: str) -> str:
    """adverse_event, special_situation or product_quality."""
    if category in QUALITY:
        return "product_quality"
    if category in SPECIAL:
        return "special_situation"
    return "adverse_event"


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score 95% interval of a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def proportion(k: int, n: int) -> dict[str, Any]:
    """``{k, n, rate, ci95}``: every figure carries its n and its interval."""
    low, high = wilson(k, n)
    return {"k": k, "n": n, "rate": round(k / n, 4) if n else None, "ci95": [round(low, 4), round(high, 4)]}


def shared_data() -> Path:
    override = os.environ.get(DATA_ENV)
    return Path(override) if override else REPO.parent / "shared" / "data"


@dataclass(frozen=True, slots=True)
class Labelled:
    text: str
    positive: bool
    tags: tuple[str, ...] = ()


def read_psytar_dev(root: Path) -> list[Labelled]:
    with (root / "psytar" / "binary_dev.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header = rows[0]
    result = []
    for row in rows[1:]:
        labels = dict(zip(header[1:], (v == "1" for v in row[1:]), strict=True))
        tags = tuple(name for name in ("ADR", "WD", "INF") if labels[name])
        result.append(Labelled(" ".join(row[0].split()), labels["ADR"] or labels["WD"], tags))
    return result


def read_label_corpus(path: Path, split: str | None) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = [r for r in reader if split is None or r["split"] == split]
    return [Labelled(r["sentence"], r["label"] == "1", ("offset",) if r["match"] == "offset" else ()) for r in rows]


def read_notes(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


Screen = Callable[[Sequence[str]], list[tuple[bool, tuple[str, ...], str]]]


def screen_function() -> tuple[Screen, float]:
    """A batch screen over (flag, categories, level) and the cold import-and-load time in ms."""
    started = time.perf_counter()
    from repcompanion.intel.safety import get_screener

    screener = get_screener()
    screener.screen("Warm-up: the model file is read on first use.")
    load_ms = (time.perf_counter() - started) * 1000

    def screen(texts: Sequence[str]) -> list[tuple[bool, tuple[str, ...], str]]:
        out = []
        for start in range(0, len(texts), 256):
            for r in screener.screen_many(list(texts[start : start + 256])):
                level = getattr(r, "level", "flagged" if r.flag else "clear")
                out.append((bool(r.flag), tuple(r.categories), str(level)))
        return out

    return screen, load_ms


def sentence_corpus(screen: Screen, items: list[Labelled], positive_tags: Iterable[str] = ()) -> dict[str, Any]:
    """Recall on positives (and per tag), false flags and 'possible' labels on negatives, precision."""
    results = screen([i.text for i in items])
    flags = [r[0] for r in results]
    positives = [f for f, i in zip(flags, items, strict=True) if i.positive]
    negatives = [(r, i) for r, i in zip(results, items, strict=True) if not i.positive and not i.tags]
    flagged = sum(flags)
    true_flags = sum(positives)
    report: dict[str, Any] = {
        "sentences": len(items),
        "recall": proportion(true_flags, len(positives)),
        "false_flag_rate": proportion(sum(r[0] for r, _ in negatives), len(negatives)),
        "possible_on_negatives": proportion(sum(r[2] == "possible" for r, _ in negatives), len(negatives)),
        "precision": proportion(true_flags, flagged),
    }
    for tag in positive_tags:
        tagged = [f for f, i in zip(flags, items, strict=True) if tag in i.tags]
        report[f"recall_{tag}"] = proportion(sum(tagged), len(tagged))
    return report


def rep_notes(screen: Screen, stem: str = "rep_notes_holdout") -> dict[str, Any]:
    """Recall per category and register on ``<stem>_reportable.tsv``, false flags per kind on ``<stem>_plain.tsv``."""
    reportable = read_notes(f"{stem}_reportable.tsv")
    plain = read_notes(f"{stem}_plain.tsv")
    found = screen([n["text"] for n in reportable])
    by_category: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    by_register: dict[str, list[bool]] = defaultdict(list)
    for note, (flag, categories, _level) in zip(reportable, found, strict=True):
        wanted = CODE_NAMES[note["category"]]
        named = flag and bool(wanted & set(categories))
        fam = flag and any(family(c) == family(next(iter(wanted))) for c in categories)
        by_category[note["category"]].append((flag, named, fam))
        by_register[note["register"]].append(flag)
    cleared = screen([n["text"] for n in plain])
    by_kind: dict[str, list[bool]] = defaultdict(list)
    possible = 0
    for note, (flag, _categories, level) in zip(plain, cleared, strict=True):
        by_kind[note["register"]].append(flag)
        possible += level == "possible"
    all_flags = [f for rows in by_category.values() for f, _, _ in rows]
    plain_flags = [f for rows in by_kind.values() for f in rows]
    return {
        "recall": proportion(sum(all_flags), len(all_flags)),
        "category_named": proportion(sum(n for rows in by_category.values() for _, n, _ in rows), len(all_flags)),
        "family_named": proportion(sum(m for rows in by_category.values() for _, _, m in rows), len(all_flags)),
        "recall_by_category": {
            c: {
                "recall": proportion(sum(f for f, _, _ in rows), len(rows)),
                "named": proportion(sum(n for _, n, _ in rows), len(rows)),
            }
            for c, rows in sorted(by_category.items())
        },
        "recall_by_register": {r: proportion(sum(v), len(v)) for r, v in sorted(by_register.items())},
        "false_flag_rate": proportion(sum(plain_flags), len(plain_flags)),
        "possible_on_plain": proportion(possible, len(plain_flags)),
        "false_flags_by_kind": {k: proportion(sum(v), len(v)) for k, v in sorted(by_kind.items())},
    }


#: the tuning files (the rules, models and thresholds were shaped on them, so their figures are optimistic): every
#: ``*_dev*.tsv`` in the fixtures, whatever the measured screener's training lists
TUNING_PATTERN = "*_dev*.tsv"


def tuning_set(screen: Screen, name: str) -> dict[str, Any]:
    """Recall (per category) and false flags (per kind) on one tuning TSV: category ``none`` is plain."""
    notes = read_notes(name)
    results = screen([n["text"] for n in notes])
    by_category: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for note, (flag, _categories, _level) in zip(notes, results, strict=True):
        if note["category"] == "none":
            by_kind[note["register"]].append(flag)
        else:
            by_category[note["category"]].append(flag)
    hits = [f for rows in by_category.values() for f in rows]
    plain = [f for rows in by_kind.values() for f in rows]
    return {
        "recall": proportion(sum(hits), len(hits)),
        "false_flag_rate": proportion(sum(plain), len(plain)),
        "recall_by_category": {c: proportion(sum(v), len(v)) for c, v in sorted(by_category.items())},
        "false_flags_by_kind": {k: proportion(sum(v), len(v)) for k, v in sorted(by_kind.items())},
    }


def latency_notes(count: int = LATENCY_NOTES, seed: int = 11) -> list[str]:
    """Notes of about NOTE_CHARS characters built from the fixture notes, a third with a reportable one in."""
    rng = random.Random(seed)
    routine = [n["text"] for n in read_notes("rep_notes_holdout_plain.tsv")]
    events = [n["text"] for n in read_notes("rep_notes_holdout_reportable.tsv")]
    notes = []
    for index in range(count):
        parts = [f"Call note {index}:"]
        event_at = rng.randint(3, 10) if index % 3 == 0 else -1
        while sum(len(p) + 1 for p in parts) < NOTE_CHARS:
            parts.append(rng.choice(events) if len(parts) == event_at else rng.choice(routine))
            if rng.random() < 0.25:
                parts[-1] = "\n- " + parts[-1]
        text = " ".join(parts)[:NOTE_CHARS]
        notes.append(text[: text.rfind(" ")] + "." if len(text) == NOTE_CHARS else text)
    return notes


def latency(screen_one: Callable[[str], object], repeats: int = 3) -> dict[str, Any]:
    """Per-note screening time. Each note is screened `repeats` times and its fastest run kept, so a pause caused by
    another process on a shared machine does not count against the screener; the first pass is reported too."""
    notes = latency_notes()
    for note in notes[:20]:
        screen_one(note)
    runs: list[list[float]] = [[] for _ in notes]
    for _ in range(repeats):
        for index, note in enumerate(notes):
            started = time.perf_counter()
            screen_one(note)
            runs[index].append((time.perf_counter() - started) * 1000)
    best = sorted(min(r) for r in runs)
    first = sorted(r[0] for r in runs)

    def pct(values: list[float], q: float) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 2)

    return {
        "notes": len(notes),
        "mean_chars": round(sum(map(len, notes)) / len(notes), 1),
        "p50_ms": pct(best, 0.5),
        "p99_ms": pct(best, 0.99),
        "max_ms": round(best[-1], 2),
        "first_pass_p50_ms": pct(first, 0.5),
        "first_pass_p99_ms": pct(first, 0.99),
        "repeats": repeats,
    }


def evaluate(quick: bool = False) -> dict[str, Any]:
    screen, load_ms = screen_function()
    from repcompanion.intel.safety import get_screener

    screener = get_screener()
    report: dict[str, Any] = {"load_ms": round(load_ms, 1), "latency_2000_chars": latency(screener.screen)}
    report["rep_notes_holdout"] = rep_notes(screen)
    if (FIXTURES / "rep_notes_holdout2_reportable.tsv").is_file():
        report["rep_notes_holdout2"] = rep_notes(screen, "rep_notes_holdout2")
    report["tuning"] = {path.stem: tuning_set(screen, path.name) for path in sorted(FIXTURES.glob(TUNING_PATTERN))}
    root = shared_data()
    if root.is_dir() and not quick:
        corpora = root / "ae_corpora"
        report["psytar_dev"] = sentence_corpus(screen, read_psytar_dev(root), ("WD", "INF"))
        spl = read_label_corpus(corpora / "spl_adr200_sentences_meta.tsv", "test")
        report["spl_adr200_test"] = sentence_corpus(screen, spl, ("offset",))
        pediatric = read_label_corpus(corpora / "onsides_pediatric_sentences_meta.tsv", None)
        report["onsides_pediatric"] = sentence_corpus(screen, pediatric, ("offset",))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="rep notes and latency only")
    args = parser.parse_args(argv)
    json.dump(evaluate(args.quick), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
