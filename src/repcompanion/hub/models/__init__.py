"""The propensity-model registry: retrain from every territory, gate, sign with Ed25519, store and serve versions."""

from repcompanion.hub.models import signing
from repcompanion.hub.models.registry import (
    ModelVersion,
    count_versions,
    current_model,
    get_version,
    latest_version,
    list_versions,
    model_bytes,
    publish,
)
from repcompanion.hub.models.training import TrainResult, gate, hub_training_inputs, train_and_publish

__all__ = [
    "ModelVersion",
    "TrainResult",
    "count_versions",
    "current_model",
    "gate",
    "get_version",
    "hub_training_inputs",
    "latest_version",
    "list_versions",
    "model_bytes",
    "publish",
    "signing",
    "train_and_publish",
]
