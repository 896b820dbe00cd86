"""Saving and loading models with skops (never pickle), and finding the default model on disk."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repcompanion import resources
from repcompanion.domain import ModelError, UntrustedModelError

if TYPE_CHECKING:  # skops, scikit-learn and SciPy load only to save, load or fit a model (not to score one)
    from repcompanion.intel.propensity.compiled import AdditiveScorer
    from repcompanion.intel.propensity.model import AdditiveLogit

MODELS_ENV = resources.MODELS_ENV
DEFAULT_MODEL_NAME = "propensity.skops"
BUNDLE_FORMAT = 1

#: Every non-builtin type a RepCompanion model file may contain. Anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "repcompanion.intel.model.AdditiveLogit",
    "repcompanion.intel.model._Block",
    "sklearn.linear_model._logistic.LogisticRegression",
)


@dataclass(frozen=True)
class ModelBundle:
    """A fitted model with what is needed to use it: its kind, version and free-form metadata.

    ``kind`` is ``"propensity"`` for the next-best-action model (its inputs are the columns of
    ``repcompanion.intel.propensity.MODEL_FEATURES``) or ``"tabular"`` for a model trained on an arbitrary CSV. The
    estimator is the fitted model, or its compiled :class:`~repcompanion.intel.propensity.compiled.AdditiveScorer`.
    """

    estimator: AdditiveLogit | AdditiveScorer
    kind: str
    version: str
    metadata: dict[str, Any] = field(default_factory=dict)


def models_dir() -> Path:
    """The folder of bundled models: ``$REPCOMPANION_MODELS``, else the models shipped in the package."""
    return resources.models_root()


def default_model_path() -> Path:
    return models_dir() / DEFAULT_MODEL_NAME


def save_model(bundle: ModelBundle, path: str | Path) -> Path:
    """Write ``bundle`` to ``path`` in the skops format; return the path."""
    import skops.io as sio

    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": BUNDLE_FORMAT,
        "kind": bundle.kind,
        "version": bundle.version,
        "metadata": bundle.metadata,
        "estimator": bundle.estimator,
    }
    sio.dump(payload, path)
    return path


def load_model(path: str | Path) -> ModelBundle:
    """Load a model file, refusing any type outside :data:`TRUSTED_TYPES`.

    Raises ModelError when the file is missing or not a model, UntrustedModelError when it holds
    types RepCompanion does not load.
    """
    import skops.io as sio

    from repcompanion.intel.propensity.model import AdditiveLogit

    path = Path(path)
    if not path.is_file():
        raise ModelError(
            f"model file {path} does not exist",
            hint=f"Train one with `repcompanion model train` or set {MODELS_ENV} to the models folder.",
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ModelError(
            f"{path} is not a RepCompanion model file ({exc})",
            hint="Use a .skops file written by `repcompanion model train` or published by your hub.",
        ) from exc
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise UntrustedModelError(
            f"model file {path} contains types that are not trusted and was not loaded: {', '.join(refused)}"
        )
    try:
        payload = sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops raises many kinds while rebuilding objects
        raise ModelError(
            f"model file {path} could not be read: {exc}",
            hint="The file may be damaged or written by an incompatible version; train or download it again.",
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != BUNDLE_FORMAT:
        raise ModelError(
            f"{path} is not a RepCompanion model bundle (format {BUNDLE_FORMAT} expected)",
            hint="Use a .skops file written by `repcompanion model train` or published by your hub.",
        )
    estimator = payload.get("estimator")
    if not isinstance(estimator, AdditiveLogit):
        raise ModelError(f"{path} does not hold a RepCompanion additive model")
    return ModelBundle(
        estimator=estimator,
        kind=str(payload.get("kind", "")),
        version=str(payload.get("version", "")),
        metadata=dict(payload.get("metadata") or {}),
    )
