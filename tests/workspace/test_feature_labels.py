"""Every input of the propensity model has a distinct, readable name on the Why? chart."""

from __future__ import annotations

from repcompanion.intel.propensity import MODEL_FEATURES
from repcompanion.workspace import feature_label


def test_every_model_input_has_a_distinct_label_without_underscores():
    labels = [feature_label(f) for f in MODEL_FEATURES]
    assert all("_" not in label and label[:1].isupper() for label in labels)
    assert len(set(labels)) == len(labels)


def test_unknown_features_still_read_as_words():
    assert feature_label("days_since_web_visit") == "Days since web visit"
    assert feature_label("topic__efficacy") == "Topic: efficacy"
