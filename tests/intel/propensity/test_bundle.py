"""Model files: skops round trip, trusted types only, clear errors, and where models live."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from repcompanion.domain import ModelError, UntrustedModelError
from repcompanion.intel.propensity import AdditiveLogit
from repcompanion.intel.propensity.bundle import (
    MODELS_ENV,
    TRUSTED_TYPES,
    ModelBundle,
    default_model_path,
    load_model,
    models_dir,
    save_model,
)


def _fitted() -> tuple[AdditiveLogit, pd.DataFrame]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y"], 300)})
    y = (X["a"] + rng.normal(size=300) > 0).astype(int)
    return AdditiveLogit().fit(X, y), X


def test_a_saved_model_loads_and_scores_identically(tmp_path: Path):
    model, X = _fitted()
    path = save_model(ModelBundle(model, "tabular", "t-1", {"target": "y"}), tmp_path / "m.skops")
    bundle = load_model(path)
    assert bundle.kind == "tabular" and bundle.version == "t-1" and bundle.metadata == {"target": "y"}
    assert np.array_equal(bundle.estimator.decision_function(X), model.decision_function(X))


def test_model_files_name_the_additive_model_by_the_path_released_clients_trust(tmp_path: Path):
    model, _ = _fitted()
    path = save_model(ModelBundle(model, "tabular", "t-1"), tmp_path / "m.skops")
    named = set(sio.get_untrusted_types(file=path))
    assert {"repcompanion.intel.model.AdditiveLogit", "repcompanion.intel.model._Block"} <= named <= set(TRUSTED_TYPES)


def test_a_model_file_with_an_untrusted_type_is_refused(tmp_path: Path):
    path = tmp_path / "evil.skops"
    sio.dump({"format": 1, "kind": "tabular", "version": "x", "metadata": {}, "estimator": os.system}, path)
    with pytest.raises(UntrustedModelError, match="system") as info:
        load_model(path)
    assert "not trusted" in info.value.message
    assert info.value.hint


def test_a_file_that_is_not_a_model_gives_a_clear_error(tmp_path: Path):
    path = tmp_path / "notes.skops"
    path.write_text("just text")
    with pytest.raises(ModelError, match="not a RepCompanion model file"):
        load_model(path)
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "missing.skops")


def test_the_models_folder_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    assert models_dir() == tmp_path
    assert default_model_path() == tmp_path / "propensity.skops"
    monkeypatch.delenv(MODELS_ENV)
    assert models_dir().name == "models"


def test_the_default_model_ships_with_the_repository():
    from repcompanion.intel.propensity import MODEL_FEATURES

    bundle = load_model(default_model_path())
    assert bundle.kind == "propensity" and bundle.version
    assert bundle.estimator.feature_names_out_() == list(MODEL_FEATURES)
    assert (default_model_path().with_suffix(".md")).exists()
