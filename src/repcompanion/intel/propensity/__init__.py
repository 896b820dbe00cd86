"""The propensity model: P(response | action) for an (HCP, action, content) pair, additive so explanations are exact.

Per-HCP features (``features``) and per-pair columns (``pairs``) feed an :class:`AdditiveLogit` (``model``),
fitted on a territory's history (``training``) or on any CSV (``tabular``), saved and loaded with skops
(``bundle``) and compiled to numpy-only arithmetic for ranking on the laptop (``compiled``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from repcompanion.intel.propensity.bundle import MODELS_ENV, ModelBundle, default_model_path, load_model, save_model

if TYPE_CHECKING:
    from repcompanion.intel.propensity.compiled import AdditiveScorer, compile_bundle, compiled_bytes, read_compiled
    from repcompanion.intel.propensity.model import AdditiveLogit
    from repcompanion.intel.propensity.pairs import MODEL_FEATURES
    from repcompanion.intel.propensity.tabular import score_csv, train_csv
    from repcompanion.intel.propensity.training import (
        held_out_metrics,
        new_propensity_model,
        train_propensity,
        training_examples,
    )

#: Loaded on first use: scoring needs pandas and fitting scikit-learn and SciPy, which code that only finds or
#: loads a model file (the ranking cache, model updates) should not pay for.
_LAZY = {
    "AdditiveScorer": "compiled",
    "compile_bundle": "compiled",
    "compiled_bytes": "compiled",
    "read_compiled": "compiled",
    "AdditiveLogit": "model",
    "MODEL_FEATURES": "pairs",
    "score_csv": "tabular",
    "train_csv": "tabular",
    "held_out_metrics": "training",
    "new_propensity_model": "training",
    "train_propensity": "training",
    "training_examples": "training",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "MODELS_ENV",
    "MODEL_FEATURES",
    "AdditiveLogit",
    "AdditiveScorer",
    "ModelBundle",
    "compile_bundle",
    "compiled_bytes",
    "default_model_path",
    "held_out_metrics",
    "load_model",
    "new_propensity_model",
    "read_compiled",
    "save_model",
    "score_csv",
    "train_csv",
    "train_propensity",
    "training_examples",
]
