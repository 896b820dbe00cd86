"""Training and scoring on any CSV: metrics, reasons, robustness and clear errors on bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from repcompanion.domain import IngestError, ModelError, ValidationError
from repcompanion.intel.propensity import score_csv, train_csv


def _write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def _prescribers(n: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    claims = rng.poisson(30, n).astype(float)
    specialty = rng.choice(["Cardiology", "Family Medicine", "Nephrology", "Endocrinology"], n)
    logit = 0.12 * (claims - 30) + np.where(specialty == "Cardiology", 1.2, -0.3)
    target = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "Yes", "No")
    frame = pd.DataFrame(
        {
            "Prscrbr_NPI": [f"1{i:09d}" for i in range(n)],
            "Prscrbr_Last_Org_Name": [f"Name{i}" for i in range(n)],
            "Prscrbr_Type": specialty,
            "Tot_Clms": claims,
            "Tot_Benes": np.where(rng.random(n) < 0.1, np.nan, rng.poisson(12, n)),
            "State": rng.choice(["MA", "NH", "RI", "CT"], n),
            "Last_Fill": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "prescribed": target,
        }
    )
    return frame


def test_train_reports_held_out_metrics_and_drops_identifiers(tmp_path: Path):
    data = _write(tmp_path / "rx.csv", _prescribers())
    result = train_csv(data, "prescribed", tmp_path / "m.skops", id_col="Prscrbr_NPI")
    json.dumps(result)
    assert set(result) >= {"auc", "average_precision", "brier", "ece"}
    assert result["auc"] > 0.7 and 0 <= result["ece"] <= 0.2
    assert result["positive_label"] == "Yes"
    assert set(result["features"]) == {"Prscrbr_Type", "Tot_Clms", "Tot_Benes", "State"}
    assert "Prscrbr_Last_Org_Name" in result["dropped"] and result["dropped"]["Last_Fill"] == "date"


def test_score_writes_id_score_and_three_reasons(tmp_path: Path):
    frame = _prescribers()
    data = _write(tmp_path / "rx.csv", frame)
    model = tmp_path / "m.skops"
    train_csv(data, "prescribed", model, id_col="Prscrbr_NPI")
    new = frame.drop(columns="prescribed").head(50).copy()
    new.loc[0, "Prscrbr_Type"] = "Dermatology"  # a category never seen in training
    new.loc[1, "Tot_Clms"] = np.nan
    out = tmp_path / "scores.csv"
    assert score_csv(model, _write(tmp_path / "new.csv", new), out) == 50
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["Prscrbr_NPI", "score", "reason_1", "reason_2", "reason_3"]
    assert rows[0]["Prscrbr_NPI"] == "1000000000"
    assert all(0 < float(r["score"]) < 1 and r["reason_1"] for r in rows)


@pytest.mark.parametrize("value", ["1/0", "true/false", "y/n"])
def test_binary_targets_in_many_spellings(tmp_path: Path, value: str):
    pos, neg = value.split("/")
    frame = _prescribers(300)
    frame["prescribed"] = np.where(frame["prescribed"] == "Yes", pos.upper(), neg)
    assert train_csv(_write(tmp_path / "rx.csv", frame), "prescribed", tmp_path / "m.skops")["auc"] > 0.5


def test_a_missing_target_column_is_named(tmp_path: Path):
    data = _write(tmp_path / "rx.csv", _prescribers(100))
    with pytest.raises(ValidationError, match=r"'wrote_rx' is not in .*columns: Prscrbr_NPI"):
        train_csv(data, "wrote_rx", tmp_path / "m.skops")


def test_a_constant_target_is_refused(tmp_path: Path):
    frame = _prescribers(100).assign(prescribed="Yes")
    with pytest.raises(ValidationError, match="single value"):
        train_csv(_write(tmp_path / "rx.csv", frame), "prescribed", tmp_path / "m.skops")


def test_text_in_a_numeric_column_names_column_and_line(tmp_path: Path):
    frame = _prescribers(200)
    frame["Tot_Clms"] = frame["Tot_Clms"].astype(object)
    frame.loc[7, "Tot_Clms"] = "twelve"
    with pytest.raises(IngestError, match=r"column 'Tot_Clms' is numeric but line 9 holds 'twelve'"):
        train_csv(_write(tmp_path / "rx.csv", frame), "prescribed", tmp_path / "m.skops")


def test_an_empty_file_is_refused(tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(IngestError, match="is empty"):
        train_csv(empty, "prescribed", tmp_path / "m.skops")
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,prescribed\n")
    with pytest.raises(IngestError, match="no data rows"):
        train_csv(header_only, "prescribed", tmp_path / "m.skops")


def test_scoring_with_a_propensity_model_is_refused(tmp_path: Path):
    from repcompanion.intel.propensity import AdditiveLogit, ModelBundle, save_model

    model = AdditiveLogit().fit(np.arange(20.0).reshape(-1, 1), np.arange(20) % 2)
    path = save_model(ModelBundle(model, "propensity", "p"), tmp_path / "p.skops")
    with pytest.raises(ModelError, match="not one trained"):
        score_csv(path, _write(tmp_path / "rx.csv", _prescribers(20)), tmp_path / "s.csv")
