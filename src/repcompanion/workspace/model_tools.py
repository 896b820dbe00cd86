"""Model commands for the CLI: train the additive model on any CSV, and score a CSV with it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from repcompanion.intel import propensity


def train_csv(
    data: str | Path, target: str, out: str | Path, id_col: str | None = None, drop: Sequence[str] = ()
) -> dict[str, Any]:
    """Train on ``data`` predicting ``target``, save to ``out``; return held-out metrics
    (auc, average_precision, brier, ece) with a summary of the columns used and dropped."""
    return propensity.train_csv(data, target, out, id_col=id_col, drop=drop)


def score_csv(model: str | Path, data: str | Path, out: str | Path, id_col: str | None = None) -> int:
    """Write id, score and top three reasons per row of ``data`` to ``out``; return the row count."""
    return propensity.score_csv(model, data, out, id_col=id_col)
