"""Read the PsyTAR sentence labels (TAB-separated, some sentences quoted over several lines)."""

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
