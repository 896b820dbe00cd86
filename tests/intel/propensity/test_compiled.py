"""The compiled scorer gives the fitted AdditiveLogit's contributions without scikit-learn, and loads no code."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from repcompanion.domain import ModelError
from repcompanion.intel.propensity import (
    AdditiveLogit,
    ModelBundle,
    compile_bundle,
    compiled_bytes,
    default_model_path,
    load_model,
    read_compiled,
)
from repcompanion.intel.propensity.compiled import AdditiveScorer, bspline, compile_model


def _data(seed: int, n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(50, 12, n),
            "gappy": np.where(rng.random(n) < 0.2, np.nan, rng.exponential(3, n)),
            "flag": rng.integers(0, 2, n).astype(float),
            "same": np.full(n, 4.0),
            "count": rng.poisson(2, n).astype(float),
            "city": rng.choice(["Boston", "Salem", "Lowell", "Quincy", None], n),
            "tier": rng.choice(list("ABCDEFGH"), n),
        }
    )
    logit = 0.04 * (frame["age"] - 50) - 0.3 * frame["gappy"].fillna(1) + (frame["tier"] < "C") * 0.8
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, y


@pytest.fixture(scope="module")
def fitted() -> tuple[AdditiveLogit, pd.DataFrame]:
    frame, y = _data(1)
    model = AdditiveLogit(max_categories=5, linear_features=["count"]).fit(frame, y)
    return model, frame


def test_the_same_contributions_as_the_model_including_unseen_values(fitted):
    model, _ = fitted
    scorer = compile_model(model)
    new, _ = _data(2, 300)
    new.loc[:20, "city"] = "Worcester"  # a category never seen in training
    new.loc[21:40, "age"] = np.linspace(-500, 900, 20)  # far outside the knots
    new.loc[41:50, "same"] = np.nan
    expected_b, expected = model.contribution_matrix(new)
    got_b, got = scorer.contribution_matrix(new)
    assert got_b == expected_b
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scorer.decision_function(new), model.decision_function(new), rtol=0, atol=1e-11)
    assert scorer.feature_names_out_() == model.feature_names_out_()
    for name in ("age", "gappy", "count", "same"):
        values = np.array([np.nan, -3.0, 0.0, 7.5, 1e6])
        np.testing.assert_allclose(
            scorer.column_contribution(name, values), model.column_contribution(name, values), atol=1e-12
        )


def test_a_round_trip_keeps_every_term_and_the_header(fitted):
    model, frame = fitted
    data = compile_model(model).to_bytes(kind="propensity", version="v7", metadata={"auc": 0.8})
    scorer, header = AdditiveScorer.from_bytes(data)
    assert header == {"kind": "propensity", "version": "v7", "metadata": {"auc": 0.8}}
    np.testing.assert_allclose(scorer.decision_function(frame), model.decision_function(frame), atol=1e-11)


def test_the_shipped_model_compiles_exactly():
    bundle = load_model(default_model_path())
    rng = np.random.default_rng(0)
    n = 500
    frame = pd.DataFrame(
        {
            str(c): (rng.choice(["visit", "email", "x", "A", "B"], n) if c in bundle.estimator.categorical_columns_
                     else rng.exponential(5, n))
            for c in bundle.estimator.feature_names_in_
        }
    )  # fmt: skip
    np.testing.assert_allclose(
        compile_model(bundle.estimator).contribution_matrix(frame)[1],
        bundle.estimator.contribution_matrix(frame)[1],
        atol=1e-12,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=9, unique=True),
    st.integers(1, 3),
    st.data(),
)
def test_de_boor_matches_the_basis_definition(base, degree, data):
    from scipy.interpolate import BSpline

    base = np.sort(np.array(base))
    # Knots a subnormal apart (0 and 2e-311) make SciPy's reference divide by zero and answer NaN; real splines
    # are fitted on quantiles, never that close.
    assume(np.diff(base).min() > 1e-12)
    knots = np.concatenate([[base[0]] * degree, base, [base[-1]] * degree])
    n = len(knots) - degree - 1
    coef = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n)))
    x = np.array(data.draw(st.lists(st.floats(base[0], base[-1]), min_size=1, max_size=20)))
    np.testing.assert_allclose(
        bspline(knots, coef, degree, x), BSpline(knots, coef, degree, extrapolate=False)(x), atol=1e-9
    )


def test_an_archive_with_pickled_objects_or_garbage_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(["x", {"evil": 1}], dtype=object))
    with pytest.raises(ModelError, match="could not be read"):
        AdditiveScorer.from_bytes(buffer.getvalue())
    with pytest.raises(ModelError, match="could not be read"):
        AdditiveScorer.from_bytes(b"not an archive")


def test_scoring_imports_neither_scikit_learn_nor_scipy(tmp_path, fitted):
    model, frame = fitted
    (tmp_path / "m.npz").write_bytes(compile_model(model).to_bytes())
    frame.to_csv(tmp_path / "x.csv", index=False)
    code = (
        "import sys, pandas as pd\n"
        "from pathlib import Path\n"
        "from repcompanion.intel.propensity import AdditiveScorer\n"
        "from repcompanion.intel.nba import Engine\n"
        f"s, _ = AdditiveScorer.from_bytes(Path({str(tmp_path / 'm.npz')!r}).read_bytes())\n"
        f"s.decision_function(pd.read_csv({str(tmp_path / 'x.csv')!r}))\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'skops') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_compiled_bundle_round_trips_with_its_kind_version_and_metadata(fitted):
    model, frame = fitted
    bundle = compile_bundle(ModelBundle(model, "propensity", "v-7", {"examples": 400}))
    back = read_compiled(compiled_bytes(bundle))
    assert (back.kind, back.version, back.metadata) == ("propensity", "v-7", {"examples": 400})
    np.testing.assert_array_equal(back.estimator.decision_function(frame), bundle.estimator.decision_function(frame))


def test_a_fitted_model_is_not_written_as_a_compiled_one(fitted):
    with pytest.raises(ModelError, match="not compiled"):
        compiled_bytes(ModelBundle(fitted[0], "propensity", "v-7"))
