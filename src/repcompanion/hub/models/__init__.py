"""The propensity-model registry: signed versions, stored and served; retraining (scikit-learn) is models.training."""

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
    record_device_model,
)

__all__ = [
    "ModelVersion",
    "count_versions",
    "current_model",
    "get_version",
    "latest_version",
    "list_versions",
    "model_bytes",
    "publish",
    "record_device_model",
    "signing",
]
