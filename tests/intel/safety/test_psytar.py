"""The acceptance measure: recall of the screener on PsyTAR dev sentences labelled ADR or WD."""

from pathlib import Path

import numpy as np
import pytest

from repcompanion.intel.safety import get_screener
from repcompanion.intel.safety.corpus import read_psytar

PSYTAR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "psytar"

pytestmark = pytest.mark.skipif(not (PSYTAR / "binary_dev.csv").is_file(), reason="shared/data/psytar is not available")


def test_dev_recall_on_adverse_events_and_withdrawal_is_at_least_98_percent() -> None:
    dev = read_psytar(PSYTAR / "binary_dev.csv")
    results = get_screener().screen_many([s.text for s in dev])
    flags = np.array([r.flag for r in results])
    truth = np.array([s.adverse for s in dev])
    recall = flags[truth].mean()
    precision = truth[flags].mean()
    print(f"PsyTAR dev: {truth.sum()} ADR/WD of {len(dev)}; recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.98
    # Precision is reported, not the target; this only guards against flagging everything, whose precision is the
    # share of positives (257/612 = 0.42). It is 0.49 since the sentence model keeps recall 0.99 on every tuning
    # source (it decides patients' words and clinical prose, where only recall is asked of it).
    assert precision >= 0.45


def test_psytar_reader_keeps_every_sentence_including_quoted_multiline_ones() -> None:
    dev = read_psytar(PSYTAR / "binary_dev.csv")
    train = read_psytar(PSYTAR / "binary_train.csv")
    assert (len(dev), len(train)) == (612, 4201)
    assert sum(s.adverse for s in dev) == 257
    assert all("\n" not in s.text for s in dev)
