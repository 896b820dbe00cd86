"""The additive propensity model: scikit-learn contract and exact contributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from repcompanion.intel.propensity import AdditiveLogit


@parametrize_with_checks([AdditiveLogit(), AdditiveLogit(n_knots=3, degree=2, C=0.5)])
def test_additive_logit_follows_the_estimator_contract(estimator, check):
    check(estimator)


def _mixed_frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    count = rng.poisson(2.0, size=n).astype(float)
    count[rng.random(n) < 0.1] = np.nan
    seg = rng.choice(["A", "B", "C", "D"], size=n)
    logit = 1.5 * np.sin(x) + 0.4 * np.nan_to_num(count) + (seg == "A") * 1.0 - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"x": x, "count": count, "segment": seg}), y


def test_contributions_add_up_exactly_to_the_logit():
    X, y = _mixed_frame(600, 1)
    model = AdditiveLogit().fit(X, y)
    intercept, contrib = model.contributions(X)
    assert list(contrib.columns) == ["x", "count", "segment"]
    diff = intercept + contrib.sum(axis=1).to_numpy() - model.decision_function(X)
    assert np.abs(diff).max() <= 1e-9
    proba = model.predict_proba(X)[:, 1]
    assert np.allclose(proba, 1 / (1 + np.exp(-model.decision_function(X))))


def test_unknown_categories_and_missing_values_are_scored():
    X, y = _mixed_frame(400, 2)
    model = AdditiveLogit().fit(X, y)
    new = pd.DataFrame({"x": [0.0, np.nan], "count": [np.nan, 3.0], "segment": ["Z", None]})
    proba = model.predict_proba(new)[:, 1]
    assert np.isfinite(proba).all()
    intercept, contrib = model.contributions(new)
    assert np.abs(intercept + contrib.sum(axis=1).to_numpy() - model.decision_function(new)).max() <= 1e-9


def test_the_model_learns_a_nonlinear_shape():
    X, y = _mixed_frame(3000, 3)
    model = AdditiveLogit().fit(X, y)
    grid = pd.DataFrame({"x": [-np.pi / 2, 0.0, np.pi / 2], "count": [2.0] * 3, "segment": ["B"] * 3})
    _, contrib = model.contributions(grid)
    low, mid, high = contrib["x"]
    assert low < mid < high


def test_predicting_with_other_columns_is_refused():
    X, y = _mixed_frame(200, 4)
    model = AdditiveLogit().fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.rename(columns={"x": "other"}))


def test_one_column_is_evaluated_alone_as_in_the_full_matrix():
    X, y = _mixed_frame(500, 5)
    model = AdditiveLogit().fit(X, y)
    _, contrib = model.contributions(X)
    for name in ("x", "count"):
        assert np.abs(model.column_contribution(name, X[name].to_numpy()) - contrib[name].to_numpy()).max() <= 1e-12
    with pytest.raises(ValueError, match="categorical"):
        model.column_contribution("segment", np.zeros(2))
    with pytest.raises(ValueError, match="no input column"):
        model.column_contribution("nope", np.zeros(2))


def test_a_linear_feature_extrapolates_straight():
    X, y = _mixed_frame(800, 6)
    model = AdditiveLogit(linear_features=["count"]).fit(X, y)
    values = model.column_contribution("count", np.array([0.0, 10.0, 20.0, 40.0]))
    steps = np.diff(values) / np.diff([0.0, 10.0, 20.0, 40.0])
    assert steps[0] > 0 and np.allclose(steps, steps[0])
    intercept, contrib = model.contributions(X)
    assert np.abs(intercept + contrib.sum(axis=1).to_numpy() - model.decision_function(X)).max() <= 1e-9
