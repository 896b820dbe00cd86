"""Read the labelled corpora: PsyTAR sentences, FDA label sentences (SPL-ADR-200, OnSIDES) and rep-note fixtures."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from repcompanion.domain import SafetyError
from repcompanion.intel.safety.categories import ADVERSE_EVENT, LACK_OF_EFFICACY, WITHDRAWAL

PSYTAR_COLUMNS = ("sentences", "ADR", "WD", "EF", "INF", "SSI", "DI")


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """One PsyTAR sentence and its labels (ADR: adverse reaction, WD: withdrawal, INF: lack of effect)."""

    text: str
    adr: bool
    wd: bool
    inf: bool

    @property
    def adverse(self) -> bool:
        """Reportable as an adverse event: ADR or WD (the acceptance measure)."""
        return self.adr or self.wd

    @property
    def model_class(self) -> str:
        """The sentence model's training class: withdrawal first, then adverse event, then lack of effect."""
        if self.wd:
            return WITHDRAWAL
        if self.adr:
            return ADVERSE_EVENT
        if self.inf:
            return LACK_OF_EFFICACY
        return "none"


def read_psytar(path: Path) -> list[LabelledSentence]:
    """Read binary_train.csv or binary_dev.csv."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t"))
    except OSError as exc:
        raise SafetyError(
            f"Cannot read the PsyTAR file {path}: {exc}.", hint="Pass --data pointing at shared/data/psytar."
        ) from exc
    if not rows or tuple(rows[0]) != PSYTAR_COLUMNS:
        raise SafetyError(
            f"{path} does not start with the PsyTAR header {' '.join(PSYTAR_COLUMNS)}.",
            hint="Use the binary_train.csv / binary_dev.csv files (TAB-separated).",
        )
    result: list[LabelledSentence] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(PSYTAR_COLUMNS) or any(v not in {"0", "1"} for v in row[1:]):
            raise SafetyError(f"{path} row {number} is malformed: {row!r}.")
        text = " ".join(row[0].split())
        result.append(LabelledSentence(text, row[1] == "1", row[2] == "1", row[4] == "1"))
    return result


@dataclass(frozen=True, slots=True)
class LabelSentence:
    """One sentence of an FDA drug label with its adverse-reaction label (SPL-ADR-200 or OnSIDES pediatric).

    ``split`` is the TAC 2017 split ("train"/"test", "all" for OnSIDES); ``offset`` is true when the positive
    holds the annotated occurrence itself rather than a repeat of its string (the cleaner positives).
    """

    text: str
    adverse: bool
    split: str
    offset: bool


LABEL_COLUMNS = ("label", "split", "drug_label", "section", "match", "matched_mentions", "sentence")


def read_label_sentences(path: Path, split: str | None = None) -> list[LabelSentence]:
    """Read ``*_sentences_meta.tsv`` of ae_corpora, optionally one split only."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if tuple(reader.fieldnames or ()) != LABEL_COLUMNS:
                raise SafetyError(
                    f"{path} does not start with the header {' '.join(LABEL_COLUMNS)}.",
                    hint="Use the *_sentences_meta.tsv files of shared/data/ae_corpora.",
                )
            rows = list(reader)
    except OSError as exc:
        raise SafetyError(
            f"Cannot read the label corpus {path}: {exc}.", hint="Pass --data pointing at shared/data."
        ) from exc
    return [
        LabelSentence(" ".join(r["sentence"].split()), r["label"] == "1", r["split"], r["match"] == "offset")
        for r in rows
        if split is None or r["split"] == split
    ]


def read_label_mentions(path: Path, split: str) -> list[str]:
    """The distinct annotated human adverse-reaction strings of one split of ``*_mentions.tsv``."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    seen: dict[str, str] = {}
    for r in rows:
        if r["split"] == split and r["population"] == "human":
            seen.setdefault(r["mention"].lower(), r["mention"])
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class RepNote:
    """A hand-written rep note of tests/fixtures/safety: its category ("none" when plain) and register."""

    id: str
    category: str
    register: str
    text: str

    @property
    def reportable(self) -> bool:
        return self.category != "none"


def read_rep_notes(path: Path) -> list[RepNote]:
    """Read a rep-note TSV (``id category register text``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [RepNote(r["id"], r["category"], r["register"], r["text"]) for r in rows]
