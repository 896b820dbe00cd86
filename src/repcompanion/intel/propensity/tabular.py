"""Train and score the additive model on any CSV of HCP data (``repcompanion model train|score``).

Column handling, decided once and reported in the training summary:

- the target must be binary: yes/no, true/false, y/n, t/f, 1/0 (any case), or any two distinct
  values (the positive class is then the larger number, or the later one alphabetically);
  rows with an empty target are dropped with a warning;
- a column whose non-empty cells all read as numbers is numeric; when nearly all of them do
  (at least 95%) the few that do not are treated as a data error and reported with the column,
  the file line and the value — they are not silently turned into missing values;
- other text columns are categorical: the 30 most frequent levels are kept, the rest pooled;
  a text column with mostly distinct values (an identifier, a name, free text) is dropped;
- columns named like identifiers (``id``, ``*_id``, ``npi``, ``uuid``, ``key``) and columns of
  dates are dropped with a warning (dates are not features by themselves);
- at most 200,000 rows are used to fit (a stratified sample, with a warning); metrics come from
  a stratified 25% held-out split; the saved model is refit on every training row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from repcompanion.domain import IngestError, ModelError, ValidationError
from repcompanion.intel.propensity.bundle import ModelBundle, load_model, save_model
from repcompanion.intel.propensity.compiled import sigmoid
from repcompanion.intel.propensity.model import AdditiveLogit
from repcompanion.intel.propensity.training import held_out_metrics

NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none", "-", "."]
TRUE_WORDS = {"yes", "y", "true", "t", "1", "1.0"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "0.0"}
ID_NAME = re.compile(r"(^|[_\s.-])(id|npi|uuid|guid|key)$|^(id|npi)[_\s.-]", re.IGNORECASE)
DATE_LIKE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}([ T].*)?|\d{1,2}/\d{1,2}/\d{2,4})\s*$")
MAX_FIT_ROWS = 200_000
MAX_LEVELS = 30
NUMERIC_SHARE = 0.95


@dataclass
class ColumnPlan:
    """Which columns the model uses and why the others were left out."""

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical


def read_table(path: str | Path) -> pd.DataFrame:
    """Every cell as text (missing markers → NaN); IngestError when the file cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"data file {path} does not exist", hint="Check the path given to --data.")
    if path.stat().st_size == 0:
        raise IngestError(f"data file {path} is empty", hint="Export the table again with a header row and data.")
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=NA_VALUES,
            skipinitialspace=True,
            encoding_errors="replace",
            low_memory=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise IngestError(f"data file {path} is empty", hint="Export the table again with a header row.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(
            f"data file {path} is not a readable CSV: {exc}",
            hint="Save it as comma-separated values with one header row.",
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise IngestError(f"data file {path} has a header but no data rows", hint="Export the rows as well.")
    return frame


def binary_target(values: pd.Series, name: str) -> tuple[np.ndarray, str, str]:
    """The target as 0/1 with the labels of the negative and positive class."""
    text = values.astype(str).str.strip()
    distinct = sorted(pd.unique(text))
    if len(distinct) < 2:
        only = distinct[0] if distinct else "(none)"
        raise ValidationError(
            f"target column {name!r} has a single value ({only!r}); a model needs both outcomes",
            hint="Choose a column with two outcomes (e.g. prescribed yes/no) or add rows of the other outcome.",
        )
    lower = {v: v.lower() for v in distinct}
    if all(v in TRUE_WORDS | FALSE_WORDS for v in lower.values()):
        positive = {v for v in distinct if lower[v] in TRUE_WORDS}
        negative = [v for v in distinct if v not in positive]
        return text.isin(positive).to_numpy().astype(int), "/".join(negative), "/".join(sorted(positive))
    if len(distinct) > 2:
        shown = ", ".join(repr(v) for v in distinct[:6])
        raise ValidationError(
            f"target column {name!r} has {len(distinct)} different values ({shown}...); it must be binary",
            hint="Give a yes/no (or 1/0) column, e.g. derive 'prescribed' = claims > 0 before training.",
        )
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    negative, positive = (
        distinct if numbers.isna().any() else [distinct[int(i)] for i in np.argsort(numbers.to_numpy())]
    )
    return (text == positive).to_numpy().astype(int), negative, positive


def plan_columns(frame: pd.DataFrame, exclude: Sequence[str]) -> tuple[ColumnPlan, list[str]]:
    """Decide the role of every column (see the module docstring); return the plan and warnings."""
    plan = ColumnPlan()
    warnings: list[str] = []
    n = len(frame)
    for col in frame.columns:
        if col in exclude:
            continue
        values = frame[col]
        present = values.dropna()
        if present.empty:
            plan.dropped[col] = "empty"
            continue
        if ID_NAME.search(col):
            plan.dropped[col] = "identifier"
            continue
        numbers = pd.to_numeric(present.str.replace(",", "", regex=False), errors="coerce")
        bad = numbers.isna()
        if not bad.any():
            if present.nunique() == 1:
                plan.dropped[col] = "constant"
            else:
                plan.numeric.append(col)
            continue
        if 1.0 - bad.mean() >= NUMERIC_SHARE:
            first = bad[bad].index[0]
            raise IngestError(
                f"column {col!r} is numeric but line {int(first) + 2} holds {present[first]!r} "
                f"({int(bad.sum())} such cell(s))",
                hint="Fix or blank those cells, or pass --drop to leave the column out.",
            )
        sample = present.head(500)
        if sample.str.match(DATE_LIKE).mean() >= 0.9:
            plan.dropped[col] = "date"
            warnings.append(f"column {col!r} holds dates and was left out")
            continue
        distinct = present.nunique()
        if distinct == 1:
            plan.dropped[col] = "constant"
        elif distinct > 50 and distinct > 0.5 * n:
            plan.dropped[col] = "mostly distinct text (identifier, name or free text)"
            warnings.append(f"column {col!r} has {distinct} distinct values in {n} rows and was left out")
        else:
            if distinct > MAX_LEVELS:
                warnings.append(
                    f"column {col!r}: the {MAX_LEVELS} most frequent of {distinct} values are kept, the rest are pooled"
                )
            plan.categorical.append(col)
    if not plan.features:
        raise ValidationError(
            "no usable feature columns remain after leaving out "
            + (", ".join(f"{c} ({r})" for c, r in plan.dropped.items()) or "the target"),
            hint="Add numeric or categorical columns describing the HCPs.",
        )
    return plan, warnings


def model_frame(frame: pd.DataFrame, plan: ColumnPlan) -> pd.DataFrame:
    """The model's input: numeric columns as floats, categorical as text (missing kept as NaN)."""
    missing = [c for c in plan.features if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"the data lacks columns the model uses: {', '.join(missing)}",
            hint="Score a file with the same columns as the training file.",
        )
    out = {}
    for col in plan.numeric:
        text = frame[col]
        numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        bad = numbers.isna() & text.notna()
        if bad.any():
            first = bad[bad].index[0]
            raise IngestError(
                f"column {col!r} is numeric but line {int(first) + 2} holds {text[first]!r}",
                hint="Fix or blank that cell.",
            )
        out[col] = numbers.astype(np.float64)
    for col in plan.categorical:
        out[col] = frame[col].astype(object)
    return pd.DataFrame(out, index=frame.index)[plan.features]


def train_csv(
    data: str | Path,
    target: str,
    out: str | Path,
    id_col: str | None = None,
    drop: Sequence[str] = (),
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Train the additive model on a CSV and save it; return held-out metrics and a summary."""
    frame = read_table(data)
    if target not in frame.columns:
        raise ValidationError(
            f"target column {target!r} is not in {data}; columns: {', '.join(frame.columns)}",
            hint="Pass one of the listed columns to --target.",
        )
    if id_col is not None and id_col not in frame.columns:
        raise ValidationError(f"id column {id_col!r} is not in {data}", hint="Pass an existing column to --id-col.")
    warnings = [f"--drop column {c!r} is not in the file" for c in drop if c not in frame.columns]
    labelled = frame[frame[target].notna()]
    if len(labelled) < len(frame):
        warnings.append(f"{len(frame) - len(labelled)} row(s) without a target value were left out")
    y, negative, positive = binary_target(labelled[target], target)
    plan, more = plan_columns(labelled, exclude=[target, *(c for c in [id_col] if c), *drop])
    warnings += more
    X = model_frame(labelled, plan)
    if len(X) > MAX_FIT_ROWS:
        X, _, y, _ = train_test_split(X, y, train_size=MAX_FIT_ROWS, stratify=y, random_state=seed)
        warnings.append(f"fitted on a stratified sample of {MAX_FIT_ROWS} rows")
    if min(np.bincount(y, minlength=2)) < 4:
        raise ValidationError(
            f"target column {target!r} has fewer than 4 rows of one outcome",
            hint="Add more rows of the rarer outcome before training.",
        )
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    estimator = AdditiveLogit(categorical_features=plan.categorical, max_categories=MAX_LEVELS)
    metrics = held_out_metrics(y_te, estimator.fit(X_tr, y_tr).predict_proba(X_te)[:, 1])
    final = AdditiveLogit(categorical_features=plan.categorical, max_categories=MAX_LEVELS).fit(X, y)
    metadata = {
        "target": target,
        "positive_label": positive,
        "negative_label": negative,
        "id_col": id_col,
        "numeric": plan.numeric,
        "categorical": plan.categorical,
        "dropped": plan.dropped,
        "rows": len(X),
        "positive_rate": float(y.mean()),
        "metrics": metrics,
        "warnings": warnings,
    }
    save_model(ModelBundle(final, "tabular", f"tabular-{Path(data).stem}-{target}", metadata), out)
    return {
        **{k: round(v, 4) for k, v in metrics.items()},
        "rows_train": len(y_tr),
        "rows_test": len(y_te),
        "positive_label": positive,
        "features": plan.features,
        "dropped": plan.dropped,
        "warnings": warnings,
    }


def score_csv(model: str | Path, data: str | Path, out: str | Path, id_col: str | None = None) -> int:
    """Write id, score and the top three reasons per row of ``data``; return the number of rows."""
    bundle = load_model(model)
    if bundle.kind != "tabular":
        raise ModelError(f"{model} is a {bundle.kind} model, not one trained with `repcompanion model train`")
    meta = bundle.metadata
    plan = ColumnPlan(list(meta.get("numeric", [])), list(meta.get("categorical", [])))
    frame = read_table(data)
    id_col = id_col or (meta.get("id_col") if meta.get("id_col") in frame.columns else None)
    if id_col is not None and id_col not in frame.columns:
        raise ValidationError(f"id column {id_col!r} is not in {data}", hint="Pass an existing column to --id-col.")
    X = model_frame(frame, plan)
    intercept, contrib = bundle.estimator.contribution_matrix(X)
    logit = intercept + contrib.sum(axis=1)
    score = sigmoid(logit)
    names = bundle.estimator.feature_names_out_()
    top = np.argsort(-contrib, axis=1, kind="stable")[:, :3]
    cells = {c: X[c].to_numpy() for c in names}
    ids = frame[id_col].to_numpy() if id_col else np.arange(1, len(frame) + 1)
    result = pd.DataFrame({id_col or "row": ids, "score": np.round(score, 6)})
    for k in range(min(3, len(names))):
        idx = top[:, k]
        result[f"reason_{k + 1}"] = [
            f"{names[j]}={_cell(cells[names[j]][i])} ({contrib[i, j]:+.3f})" for i, j in enumerate(idx)
        ]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(out, index=False)
    return len(result)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "(missing)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
