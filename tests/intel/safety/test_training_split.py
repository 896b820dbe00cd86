"""Training reads only training text: PsyTAR dev, the SPL-ADR-200 test split and OnSIDES never reach the model."""

from __future__ import annotations

import csv
from pathlib import Path

from repcompanion.intel.safety.corpus import LABEL_COLUMNS, PSYTAR_COLUMNS
from repcompanion.intel.safety.train import training_set
from repcompanion.intel.safety.vocabulary import HPO_FILE

MARK = "zzqmarker"


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(header)
        writer.writerows(rows)


def test_only_training_splits_are_read(tmp_path: Path) -> None:
    psytar = tmp_path / "psytar"
    _write(psytar / "binary_train.csv", PSYTAR_COLUMNS, [("I had a rash.", "1", "0", "0", "0", "0", "0")] * 3)
    _write(psytar / "binary_dev.csv", PSYTAR_COLUMNS, [(f"{MARK} dev sentence.", "1", "0", "0", "0", "0", "0")])
    rows = [
        ("1", "train", "D", "AR", "offset", "rash", "Rash occurred in 5% of patients."),
        ("0", "train", "D", "AR", "", "", "Take with food."),
        ("1", "test", "D", "AR", "offset", "rash", f"{MARK} test sentence."),
    ]
    _write(tmp_path / "ae_corpora" / "spl_adr200_sentences_meta.tsv", LABEL_COLUMNS, rows)
    _write(tmp_path.joinpath(*HPO_FILE), ("id", "label", "synonyms", "lay_synonyms", "category"), [])
    rows_read = training_set(tmp_path)
    assert rows_read.corpus.count("psytar") == 3 and rows_read.corpus.count("spl") == 2
    assert not any(MARK in text for text in rows_read.texts)


def test_the_tuning_notes_are_read_and_the_held_out_notes_are_not(tmp_path: Path) -> None:
    test_only_training_splits_are_read(tmp_path)
    fixtures = tmp_path / "fixtures"
    header = ("id", "category", "register", "text")
    _write(fixtures / "rep_notes_dev.tsv", header, [("d1", "adverse_event", "hcp", "Dr Lee said a rash.")])
    for name in ("rep_notes_holdout_reportable.tsv", "rep_notes_holdout2_reportable.tsv"):
        _write(fixtures / name, header, [("h1", "adverse_event", "hcp", f"{MARK} held out.")])
    rows_read = training_set(tmp_path, fixtures=fixtures)
    assert rows_read.corpus.count("notes:rep_notes_dev") == 1
    assert not any(MARK in text for text in rows_read.texts)
