"""The open adverse-event vocabulary of the screener: built from HPO, SYMP and SPL-ADR-200 training mentions.

The screener's curated lexicon holds the words reps, HCPs and patients use; this vocabulary adds the clinical
register (HPO phenotype labels with their synonyms and lay synonyms, Symptom Ontology terms, and the adverse
reactions annotated in the *training* split of SPL-ADR-200). Build it from ``../shared/data``::

    python -m repcompanion.intel.safety.vocabulary --data ../shared/data --out resources/safety/ae_vocabulary.tsv

Terms are copied verbatim (HPO's licence forbids altering its content; matching ignores case). A term is left
out when it cannot be matched safely (punctuation, more than five words, a single word of fewer than six
letters, an all-capitals acronym) or is listed in ``vocabulary_filter.toml``; a term is *weak* (it needs an
event cue in its sentence) when the filter says so or when, in the training text, it appears mostly in
sentences that report nothing (a condition treated rather than an event). Nothing from an evaluation set is
read: the SPL-ADR-200 test split, PsyTAR dev, OnSIDES and the held-out rep notes stay unseen.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from repcompanion.domain import SafetyError
from repcompanion.intel.safety.text import normalise_phrase, tokenize

HPO_FILE = ("ae_vocab", "hpo_2023-01-27_phenotypic_abnormality.tsv")
SYMP_FILE = ("ae_vocab", "symp_2026-07-30.tsv")
SPL_MENTIONS = ("ae_corpora", "spl_adr200_mentions.tsv")
HPO_RELEASE = "2023-01-27"
SYMP_RELEASE = "2026-07-30"
HPO_ACKNOWLEDGEMENT = (
    f"This service/product is using the Human Phenotype Ontology (release {HPO_RELEASE}). "
    "Find out more at https://hpo.jax.org. Köhler S. et al., The Human Phenotype Ontology project, "
    "Nucleic Acids Res. 42(D1):D966-D974 (2014); Gargano M.A. et al., The Human Phenotype Ontology in 2024, "
    "Nucleic Acids Res. 52(D1):D1333-D1346 (2024)."
)
SOURCES_NOTE = (
    f"Human Phenotype Ontology release {HPO_RELEASE} (HPO licence: acknowledged, unaltered, version shown); "
    f"Symptom Ontology release {SYMP_RELEASE} (CC0 1.0, Disease Ontology project, University of Maryland); "
    "SPL-ADR-200 training-split adverse-reaction mentions (US Government work, public domain; "
    "Demner-Fushman D. et al., Sci Data 5:180001 (2018); packaging from OnSIDES, MIT, (c) 2025 Tatonetti Lab)."
)
HEADER = ("term", "strength", "sources")
MAX_WORDS = 5
MIN_SINGLE_WORD = 6
MIN_NEGATIVE_HITS = 3
_MATCHABLE = re.compile(r"[A-Za-z][A-Za-z0-9 '\-]*")


@dataclass(frozen=True, slots=True)
class VocabularyTerm:
    """One term: the text as its source spells it, whether it flags on its own, and where it comes from."""

    phrase: str
    strong: bool
    sources: str


def read_vocabulary(path: Path) -> list[VocabularyTerm]:
    """Read a vocabulary TSV (comment lines start with '#')."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            lines = [line for line in handle if not line.startswith("#")]
    except OSError as exc:
        raise SafetyError(
            f"The screener vocabulary {path} cannot be read: {exc}.",
            hint="Reinstall RepCompanion or rebuild it with `python -m repcompanion.intel.safety.vocabulary`.",
        ) from exc
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or tuple(rows[0]) != HEADER:
        raise SafetyError(f"{path} does not start with the header {' '.join(HEADER)}.")
    result = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(HEADER) or row[1] not in {"strong", "weak"}:
            raise SafetyError(f"{path} row {number} is malformed: {row!r}.")
        result.append(VocabularyTerm(row[0], row[1] == "strong", row[2]))
    return result


@dataclass(frozen=True, slots=True)
class VocabularyFilter:
    """Project-owned choices on top of the sources: terms to leave out and terms that are weak."""

    exclude: frozenset[str]
    weak: frozenset[str]


def read_filter(path: Path) -> VocabularyFilter:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return VocabularyFilter(
        frozenset(t.lower() for t in data.get("exclude", [])), frozenset(t.lower() for t in data.get("weak", []))
    )


def _matchable(term: str) -> bool:
    if not _MATCHABLE.fullmatch(term):
        return False
    words = term.split()
    if len(words) > MAX_WORDS:
        return False
    if len(words) == 1 and (len(term) < MIN_SINGLE_WORD or term.isupper() or term[1:].isupper()):
        return False
    return not any(word.isupper() and len(word) <= 3 for word in words)


def source_terms(data: Path, mentions_split: str = "train") -> dict[str, tuple[str, list[str]]]:
    """Every candidate term by lower-case key: (text as first spelled, source ids)."""
    found: dict[str, tuple[str, list[str]]] = {}

    def add(term: str, source: str) -> None:
        term = " ".join(term.split())
        if not term:
            return
        _, sources = found.setdefault(term.lower(), (term, []))
        if source not in sources:
            sources.append(source)

    with data.joinpath(*HPO_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            for term in [row["label"], *row["synonyms"].split("|"), *row["lay_synonyms"].split("|")]:
                add(term, row["id"])
    with data.joinpath(*SYMP_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            for term in [row["label"], *row["synonyms"].split("|")]:
                add(term, row["id"])
    with data.joinpath(*SPL_MENTIONS).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["split"] == mentions_split and row["population"] == "human":
                add(row["mention"], f"SPL-ADR-200:{mentions_split}")
    return found


def usage_counts(terms: Iterable[str], sentences: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    """(sentences reporting something, sentences reporting nothing) that contain each term, by term key."""
    by_words: dict[tuple[str, ...], str] = {}
    longest = 1
    for term in terms:
        words = tuple(normalise_phrase(term))
        if words:
            by_words.setdefault(words, term.lower())
            longest = max(longest, len(words))
    counts: dict[str, list[int]] = {}
    for text, positive in sentences:
        tokens = [t.norm for t in tokenize(text)]
        seen: set[str] = set()
        for n in range(1, longest + 1):
            for i in range(len(tokens) - n + 1):
                key = by_words.get(tuple(tokens[i : i + n]))
                if key is not None:
                    seen.add(key)
        for key in seen:
            counts.setdefault(key, [0, 0])[0 if positive else 1] += 1
    return {key: (pos, neg) for key, (pos, neg) in counts.items()}


def build_vocabulary(
    candidates: dict[str, tuple[str, list[str]]],
    choices: VocabularyFilter,
    training: Iterable[tuple[str, bool]],
) -> list[VocabularyTerm]:
    """Filter the candidates and mark the weak ones (see the module docstring)."""
    kept = {key: value for key, value in candidates.items() if _matchable(value[0]) and key not in choices.exclude}
    counts = usage_counts(kept, training)
    result = []
    for key in sorted(kept):
        text, sources = kept[key]
        pos, neg = counts.get(key, (0, 0))
        weak = key in choices.weak or (neg >= MIN_NEGATIVE_HITS and pos < neg)
        result.append(VocabularyTerm(text, not weak, "|".join(sources)))
    return result


def write_vocabulary(terms: Sequence[VocabularyTerm], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            "# Adverse-event vocabulary of the RepCompanion note screener; do not edit by hand, rebuild it with\n"
        )
        handle.write("# python -m repcompanion.intel.safety.vocabulary (see that module). Terms are verbatim.\n")
        handle.write(f"# Sources: {SOURCES_NOTE}\n")
        handle.write(f"# {HPO_ACKNOWLEDGEMENT}\n")
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow(HEADER)
        for term in terms:
            writer.writerow((term.phrase, "strong" if term.strong else "weak", term.sources))


def training_sentences(data: Path, dev_notes: Path | Sequence[Path] | None) -> list[tuple[str, bool]]:
    """The training text that decides weak terms: PsyTAR train, SPL-ADR-200 train, rep and register templates
    (their clinical sentences use a neutral stand-in term), tuning notes."""
    from repcompanion.intel.safety.augment import rep_sentences
    from repcompanion.intel.safety.corpus import read_label_sentences, read_psytar, read_rep_notes
    from repcompanion.intel.safety.registers import register_sentences

    rows = [(s.text, s.adverse) for s in read_psytar(data / "psytar" / "binary_train.csv") if s.adverse or not s.inf]
    spl = read_label_sentences(data / "ae_corpora" / "spl_adr200_sentences_meta.tsv", "train")
    rows += [(s.text, s.adverse) for s in spl]
    rows += rep_sentences()
    rows += register_sentences(["the event"], ["the event"])
    files = [dev_notes] if isinstance(dev_notes, Path) else list(dev_notes or ())
    for file in files:
        rows += [(n.text, n.reportable) for n in read_rep_notes(file)]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    from repcompanion.intel.safety.locate import resource_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder (ae_vocab, ae_corpora)")
    parser.add_argument("--out", type=Path, default=None, help="default: resources/safety/ae_vocabulary.tsv")
    parser.add_argument("--filter", type=Path, default=None, help="default: resources/safety/vocabulary_filter.toml")
    parser.add_argument(
        "--dev-notes", type=Path, action="append", default=[], help="tuning rep notes (repeat for each file)"
    )
    args = parser.parse_args(argv)
    out = args.out or resource_path("safety", "ae_vocabulary.tsv")
    choices = read_filter(args.filter or resource_path("safety", "vocabulary_filter.toml"))
    terms = build_vocabulary(source_terms(args.data), choices, training_sentences(args.data, args.dev_notes))
    write_vocabulary(terms, out)
    weak = sum(not t.strong for t in terms)
    print(f"{len(terms)} terms ({weak} weak) written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
