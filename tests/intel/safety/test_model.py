"""The screener model file: skops only, trusted types only, small and quick to load."""

import time
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from repcompanion.domain import ModelError, UntrustedModelError
from repcompanion.intel.safety import Screener, model_path
from repcompanion.intel.safety.model import TRUSTED_TYPES, fit_model, load_model, save_model

SENTENCES = [
    "I had terrible nausea and headaches",
    "my skin broke out in a rash",
    "the withdrawal was brutal, brain zaps",
    "it stopped working after a month",
    "dropped off samples at the office",
    "discussed formulary coverage",
    "the doctor asked about dosing",
    "lunch scheduled for Tuesday",
] * 3
ADVERSE = [True, True, True, False, False, False, False, False] * 3
CLASSES = ["adverse_event", "adverse_event", "withdrawal", "lack_of_efficacy", "none", "none", "none", "none"] * 3


def test_shipped_model_loads_in_under_a_second_and_is_small() -> None:
    path = model_path("safety_screener.skops")
    started = time.perf_counter()
    screener = Screener.load()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert path.stat().st_size < 5_000_000
    assert 0.0 < screener.model.threshold < 1.0
    assert "PsyTAR" in screener.model.metadata["citation"]


def test_shipped_model_holds_only_trusted_plain_types() -> None:
    untrusted = sio.get_untrusted_types(file=model_path("safety_screener.skops"))
    assert set(untrusted) <= set(TRUSTED_TYPES)
    assert not any(name.startswith("sklearn") for name in untrusted)


def test_save_and_load_round_trip_predicts_the_same(tmp_path: Path) -> None:
    model = fit_model(SENTENCES, ADVERSE, CLASSES, c=1.0)
    model.threshold, model.strict_threshold = 0.3, 0.9
    path = tmp_path / "m.skops"
    save_model(model, path)
    loaded = load_model(path)
    before, cats_before = model.predict(["she had a rash and nausea", "samples dropped off"])
    after, cats_after = loaded.predict(["she had a rash and nausea", "samples dropped off"])
    np.testing.assert_allclose(before, after, rtol=1e-5)
    np.testing.assert_allclose(cats_before, cats_after, rtol=1e-5)
    assert before[0] > before[1]
    assert (loaded.threshold, loaded.strict_threshold) == (0.3, 0.9)


def test_a_model_file_with_an_untrusted_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump({"format": "repcompanion.safety_screener/2", "payload": LogisticRegression()}, path)
    with pytest.raises(UntrustedModelError, match="LogisticRegression") as caught:
        load_model(path)
    assert "not loaded" in caught.value.message
    assert caught.value.hint


def test_a_missing_or_foreign_model_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing") as missing:
        load_model(tmp_path / "nope.skops")
    assert "train" in missing.value.hint
    garbage = tmp_path / "garbage.skops"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="cannot be read"):
        load_model(garbage)
    other = tmp_path / "other.skops"
    sio.dump({"format": "something-else"}, other)
    with pytest.raises(ModelError, match="not a RepCompanion safety screener model"):
        load_model(other)


def test_fast_featurisation_matches_scikit_learn() -> None:
    model = Screener.load().model
    sentences = [
        "Dr. Patel said her pt had nausious feelings and a RASH!!",
        "",
        "   ",
        "Ärzte sagen: Übelkeit — café straße",
        "took 2x the dose\tby   mistake\nand felt dizzy",
        "a b c d e f g",
    ] + [s for s, _ in zip(SENTENCES, range(8), strict=False)]
    fast, _ = model.predict(sentences)
    np.testing.assert_allclose(fast, model.predict_reference(sentences), atol=1e-5)
