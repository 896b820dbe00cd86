"""An additive propensity model whose per-feature contributions add up exactly to its logit.

Each input column becomes one block of the design matrix: a B-spline basis for a numeric column
(a plain standardised term when it has two or fewer distinct values), a one-hot encoding for a
categorical column, plus a missing-value indicator when training saw missing values. One logistic
regression sits on top. The logit is therefore a sum of one function per input column, and the
model reports those functions (centred on their training mean) as contributions:
``intercept_ + contributions.sum(axis=1) == decision_function`` to the last bit that floating
point allows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from repcompanion.intel.propensity.compiled import OTHER_CATEGORY, category_codes, category_strings


@dataclass(frozen=True)
class _Block:
    """How one input column maps to design-matrix columns (plain data so skops can store it)."""

    kind: str  # "spline" | "linear" | "category" | "constant"
    start: int
    stop: int
    fill: float  # numeric: the value used for missing entries
    scale_mean: float
    scale_sd: float
    has_missing: bool


class AdditiveLogit(ClassifierMixin, BaseEstimator):
    """Binary logistic regression on spline-expanded numeric and one-hot categorical columns.

    Parameters
    ----------
    categorical_features:
        Column names (DataFrame input) or indices (array input) to one-hot encode. ``None``
        means: every non-numeric DataFrame column, and no column of a numeric array.
    n_knots, degree:
        The B-spline basis of each numeric column (knots at quantiles of the training data).
    C:
        Inverse L2 regularisation strength of the logistic regression.
    max_categories:
        Per categorical column, the most frequent categories kept; rarer ones share one level.
    max_iter:
        Solver iterations.
    linear_features:
        Numeric column names (DataFrame input) kept as one linear term instead of a spline: for
        counts whose effect should extrapolate straight (e.g. contacts in the last days).
    """

    def __init__(
        self,
        categorical_features: list | tuple | None = None,
        n_knots: int = 5,
        degree: int = 3,
        C: float = 1.0,
        max_categories: int = 30,
        max_iter: int = 2000,
        linear_features: list | tuple | None = None,
    ) -> None:
        self.categorical_features = categorical_features
        self.n_knots = n_knots
        self.degree = degree
        self.C = C
        self.max_categories = max_categories
        self.max_iter = max_iter
        self.linear_features = linear_features

    # -- input handling ---------------------------------------------------------------------

    def _split_input(self, X: object, *, reset: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Validate ``X`` and return its numeric columns (float) and categorical columns (str)."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, skip_check_array=True, reset=reset)
            if X.shape[0] == 0:
                raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
            names = [str(c) for c in X.columns]
            if reset:
                self.categorical_columns_ = self._categorical_names(X, names)
            cat = set(self.categorical_columns_)
            nums, cats = [], []
            for name, col in zip(names, X.columns, strict=True):
                series = X[col]
                if name in cat:
                    cats.append(category_strings(series))
                else:
                    values = _as_float(series, name)
                    if np.isinf(values).any():
                        raise ValueError(f"Input X contains infinity in column {name!r}.")
                    nums.append(values)
            return nums, cats
        cat_idx = self._categorical_indices()
        arr = validate_data(
            self,
            X,
            reset=reset,
            dtype=None if cat_idx else np.float64,
            ensure_all_finite=False if cat_idx else "allow-nan",
        )
        if reset:
            self.categorical_columns_ = [f"x{i}" for i in cat_idx]
        nums, cats = [], []
        for i in range(arr.shape[1]):
            if i in cat_idx:
                cats.append(category_strings(pd.Series(arr[:, i])))
            else:
                values = np.asarray(arr[:, i], dtype=np.float64)
                if np.isinf(values).any():
                    raise ValueError("Input X contains infinity or a value too large for dtype('float64').")
                nums.append(values)
        return nums, cats

    def _categorical_names(self, X: pd.DataFrame, names: list[str]) -> list[str]:
        if self.categorical_features is None:
            return [
                n
                for n, c in zip(names, X.columns, strict=True)
                if not (pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c]))
            ]
        wanted = [names[c] if isinstance(c, int | np.integer) else str(c) for c in self.categorical_features]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise ValueError(f"categorical_features names columns that are not in X: {unknown}")
        return [n for n in names if n in set(wanted)]

    def _categorical_indices(self) -> list[int]:
        if not self.categorical_features:
            return []
        if not all(isinstance(c, int | np.integer) for c in self.categorical_features):
            raise ValueError("with array input, categorical_features must be column indices")
        return sorted(int(c) for c in self.categorical_features)

    def _column_order(self) -> list[tuple[str, str, int]]:
        """(name, 'num'|'cat', index within its group) for every input column, in input order."""
        names = (
            [str(n) for n in self.feature_names_in_]
            if hasattr(self, "feature_names_in_")
            else [f"x{i}" for i in range(self.n_features_in_)]
        )
        cat = set(self.categorical_columns_)
        order, n_num, n_cat = [], 0, 0
        for name in names:
            if name in cat:
                order.append((name, "cat", n_cat))
                n_cat += 1
            else:
                order.append((name, "num", n_num))
                n_num += 1
        return order

    # -- fitting ------------------------------------------------------------------------------

    def fit(self, X: object, y: object) -> AdditiveLogit:
        """Fit the basis of every column and the logistic regression on top; return ``self``."""
        if not isinstance(X, pd.DataFrame):
            X, y = validate_data(
                self,
                X,
                y,
                reset=True,
                dtype=None if self._categorical_indices() else np.float64,
                ensure_all_finite=False if self._categorical_indices() else "allow-nan",
            )
        nums, cats = self._split_input(X, reset=True)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if len(y) != (len(nums[0]) if nums else len(cats[0])):
            raise ValueError("X and y have inconsistent numbers of samples")
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"AdditiveLogit needs samples of at least 2 classes; the target has one class ({self.classes_[0]!r})."
            )
        if y_type != "binary":
            raise ValueError(f"Only binary classification is supported. The type of the target is {y_type}.")
        target = (y == self.classes_[1]).astype(np.int64)

        self.blocks_: list[_Block] = []
        self.knots_: list[np.ndarray | None] = []
        self.categories_: list[np.ndarray] = []
        parts = []
        start = 0
        linear = {str(c) for c in (self.linear_features or ())}
        for name, group, idx in self._column_order():
            if group == "num":
                block, knots, part = self._fit_numeric(nums[idx], start, linear=name in linear)
                self.knots_.append(knots)
            else:
                levels, part = self._fit_categorical(cats[idx])
                self.categories_.append(levels)
                block = _Block("category", start, start + part.shape[1], 0.0, 0.0, 1.0, False)
            self.blocks_.append(block)
            parts.append(part)
            start = block.stop
        design = np.hstack(parts)
        self.logistic_ = LogisticRegression(C=self.C, max_iter=self.max_iter, solver="lbfgs")
        self.logistic_.fit(design, target)
        self.n_iter_ = self.logistic_.n_iter_
        self.offsets_ = np.zeros(len(self.blocks_))
        self.offsets_ = self._contributions_of(nums, cats).mean(axis=0)
        self.intercept_ = float(self.logistic_.intercept_[0] + self.offsets_.sum())
        return self

    def _fit_numeric(
        self, x: np.ndarray, start: int, *, linear: bool = False
    ) -> tuple[_Block, np.ndarray | None, np.ndarray]:
        missing = np.isnan(x)
        has_missing = bool(missing.any())
        observed = x[~missing]
        fill = float(np.median(observed)) if observed.size else 0.0
        filled = np.where(missing, fill, x)
        distinct = np.unique(observed)
        extra = [missing.astype(np.float64)[:, None]] if has_missing else []
        if distinct.size <= 1:
            part = np.hstack([np.zeros((len(x), 1)), *extra])
            return _Block("constant", start, start + part.shape[1], fill, 0.0, 1.0, has_missing), None, part
        if distinct.size <= 2 or self.n_knots < 2 or linear:
            mean, sd = float(filled.mean()), float(filled.std()) or 1.0
            part = np.hstack([((filled - mean) / sd)[:, None], *extra])
            return _Block("linear", start, start + part.shape[1], fill, mean, sd, has_missing), None, part
        grid = np.linspace(0.0, 1.0, self.n_knots)
        knots = np.unique(np.quantile(observed, grid))
        if knots.size < min(3, self.n_knots):
            knots = np.unique(np.quantile(distinct, grid))
        knots = _augmented_knots(knots, self.degree)
        part = np.hstack([_spline_basis(filled, knots, self.degree), *extra])
        return _Block("spline", start, start + part.shape[1], fill, 0.0, 1.0, has_missing), knots, part

    def _fit_categorical(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The kept levels (most frequent first; a final OTHER level pools the rest) and the one-hot part."""
        counts = pd.Series(values).value_counts(sort=False)
        order = sorted(counts.index, key=lambda level: (-counts[level], level))
        limit = self.max_categories if self.max_categories and self.max_categories > 0 else len(order)
        kept = order[:limit]
        if len(order) > limit:
            kept.append(OTHER_CATEGORY)
        levels = np.asarray(kept, dtype=object)
        codes = category_codes(values, levels)
        part = np.zeros((len(values), len(levels)))
        known = codes >= 0
        part[np.flatnonzero(known), codes[known]] = 1.0
        return levels, part

    # -- scoring ------------------------------------------------------------------------------

    def _contributions_of(self, nums: list[np.ndarray], cats: list[np.ndarray]) -> np.ndarray:
        """Per-column logit contributions, centred on their training mean."""
        coef = self.logistic_.coef_[0]
        n = len(nums[0]) if nums else len(cats[0])
        out = np.empty((n, len(self.blocks_)))
        n_num = 0
        for j, ((_, group, idx), block) in enumerate(zip(self._column_order(), self.blocks_, strict=True)):
            w = coef[block.start : block.stop]
            if group == "num":
                value = self._numeric_value(block, self.knots_[n_num], w, nums[idx])
                n_num += 1
            else:
                codes = category_codes(cats[idx], self.categories_[idx])
                value = np.where(codes >= 0, w[np.maximum(codes, 0)], 0.0)
            out[:, j] = value - self.offsets_[j]
        return out

    def _numeric_value(self, block: _Block, knots: np.ndarray | None, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The (uncentred) logit term of one numeric column at ``x``."""
        missing = np.isnan(x)
        filled = np.where(missing, block.fill, x)
        if block.kind == "constant":
            value = np.zeros(len(x))
        elif block.kind == "linear":
            value = (filled - block.scale_mean) / block.scale_sd * w[0]
        else:
            assert knots is not None  # a spline block always has its knots
            inside = np.clip(filled, knots[self.degree], knots[-self.degree - 1])
            n_basis = len(knots) - self.degree - 1
            value = BSpline(knots, w[:n_basis], self.degree, extrapolate=False)(inside)
        if block.has_missing:
            value = value + missing * w[-1]
        return value

    def column_contribution(self, name: str, values: np.ndarray) -> np.ndarray:
        """The contribution of numeric input ``name`` at ``values``, as :meth:`contribution_matrix` gives it."""
        check_is_fitted(self, "logistic_")
        for j, (column, group, idx) in enumerate(self._column_order()):
            if column == name:
                if group != "num":
                    raise ValueError(f"column {name!r} is categorical; only numeric columns can be evaluated alone")
                block = self.blocks_[j]
                w = self.logistic_.coef_[0][block.start : block.stop]
                x = np.asarray(values, dtype=np.float64)
                return self._numeric_value(block, self.knots_[idx], w, x) - self.offsets_[j]
        raise ValueError(f"the model has no input column {name!r}")

    def contribution_matrix(self, X: object) -> tuple[float, np.ndarray]:
        """The intercept and an (n_samples, n_features) array of logit contributions."""
        check_is_fitted(self, "logistic_")
        if not isinstance(X, pd.DataFrame):
            X = validate_data(
                self,
                X,
                reset=False,
                dtype=None if self._categorical_indices() else np.float64,
                ensure_all_finite=False if self._categorical_indices() else "allow-nan",
            )
        nums, cats = self._split_input(X, reset=False)
        return self.intercept_, self._contributions_of(nums, cats)

    def contributions(self, X: object) -> tuple[float, pd.DataFrame]:
        """The intercept and a DataFrame (one column per input feature) of logit contributions.

        ``intercept + contributions.sum(axis=1)`` equals :meth:`decision_function`.
        """
        intercept, matrix = self.contribution_matrix(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        return intercept, pd.DataFrame(matrix, columns=self.feature_names_out_(), index=index)

    def feature_names_out_(self) -> list[str]:
        """The input feature names, in the order of the contribution columns."""
        return [name for name, _, _ in self._column_order()]

    def decision_function(self, X: object) -> np.ndarray:
        """The logit of the positive class: intercept plus the sum of the contributions."""
        intercept, matrix = self.contribution_matrix(X)
        return intercept + matrix.sum(axis=1)

    def predict_proba(self, X: object) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: object) -> np.ndarray:
        check_is_fitted(self, "logistic_")
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def __sklearn_tags__(self):  # returns sklearn.utils.Tags
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags


#: The import path model files record for these classes: skops stores each object's class by it, and every
#: released client trusts only that name, so it stays where the model was defined before ``intel`` had packages.
STORED_MODULE = "repcompanion.intel.model"
AdditiveLogit.__module__ = _Block.__module__ = STORED_MODULE


def _augmented_knots(base: np.ndarray, degree: int) -> np.ndarray:
    """Extend the base knots by ``degree`` equally spaced knots at each end (as SplineTransformer)."""
    left = base[0] - (base[1] - base[0]) * np.arange(degree, 0, -1)
    right = base[-1] + (base[-1] - base[-2]) * np.arange(1, degree + 1)
    return np.concatenate([left, base, right])


def _spline_basis(x: np.ndarray, knots: np.ndarray, degree: int) -> np.ndarray:
    """B-spline basis of ``x``, held constant beyond the outer base knots."""
    inside = np.clip(x, knots[degree], knots[-degree - 1])
    return BSpline.design_matrix(inside, knots, degree).toarray()


def _as_float(series: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(np.float64).to_numpy()
    try:
        return pd.to_numeric(series, errors="raise").astype(np.float64).to_numpy()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"column {name!r} is not numeric: {exc}") from exc
