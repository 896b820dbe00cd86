"""A fitted AdditiveLogit compiled to plain arrays: the same contributions, with numpy and pandas only.

Ranking on the laptop needs only the model's arithmetic, not scikit-learn, SciPy and skops (together
~110 MB of memory and a second of imports). :func:`compile_model` reads the fitted estimator once;
:class:`AdditiveScorer` evaluates the B-spline, linear and one-hot terms itself and is saved as an
``.npz`` archive read with ``allow_pickle=False`` (no code can be loaded from it).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from repcompanion.domain import ModelError
from repcompanion.intel.propensity.bundle import ModelBundle

FORMAT = 1
MISSING_CATEGORY = "(missing)"
OTHER_CATEGORY = "(other)"
KINDS = frozenset({"spline", "linear", "category", "constant"})


@dataclass(frozen=True)
class Term:
    """One input column's term: its kind, weights and (for splines) knots, or (for categories) levels."""

    name: str
    kind: str
    weights: np.ndarray
    offset: float
    fill: float = 0.0
    scale_mean: float = 0.0
    scale_sd: float = 1.0
    has_missing: bool = False
    knots: np.ndarray | None = None
    levels: np.ndarray | None = None


class AdditiveScorer:
    """Scores like the AdditiveLogit it was compiled from: ``intercept_ + Σ contributions == logit``."""

    def __init__(self, terms: list[Term], intercept: float, degree: int) -> None:
        unknown = {t.kind for t in terms} - KINDS
        if unknown:
            raise ModelError(f"the model has terms of a kind this app cannot score ({', '.join(sorted(unknown))})")
        self.terms = terms
        self.intercept_ = float(intercept)
        self.degree = int(degree)
        self.feature_names_in_ = np.array([t.name for t in terms], dtype=object)
        self._by_name = {t.name: t for t in terms}

    def feature_names_out_(self) -> list[str]:
        return [t.name for t in self.terms]

    def contribution_matrix(self, X: pd.DataFrame) -> tuple[float, np.ndarray]:
        """The intercept and an (n_samples, n_features) array of logit contributions."""
        missing = [t.name for t in self.terms if t.name not in X.columns]
        if missing:
            raise ValueError(f"the input lacks the model's columns {missing}")
        out = np.empty((len(X), len(self.terms)))
        for j, term in enumerate(self.terms):
            out[:, j] = self._value(term, X[term.name]) - term.offset
        return self.intercept_, out

    def column_contribution(self, name: str, values: np.ndarray) -> np.ndarray:
        """The contribution of numeric input ``name`` at ``values``, as :meth:`contribution_matrix` gives it."""
        term = self._by_name.get(name)
        if term is None:
            raise ValueError(f"the model has no input column {name!r}")
        if term.kind == "category":
            raise ValueError(f"column {name!r} is categorical; only numeric columns can be evaluated alone")
        return self._numeric(term, np.asarray(values, dtype=np.float64)) - term.offset

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        intercept, matrix = self.contribution_matrix(X)
        return intercept + matrix.sum(axis=1)

    def _value(self, term: Term, column: pd.Series) -> np.ndarray:
        if term.kind == "category":
            assert term.levels is not None
            codes = category_codes(category_strings(column), term.levels)
            return np.where(codes >= 0, term.weights[np.maximum(codes, 0)], 0.0)
        x = pd.to_numeric(column, errors="raise").astype(np.float64).to_numpy()
        return self._numeric(term, x)

    def _numeric(self, term: Term, x: np.ndarray) -> np.ndarray:
        missing = np.isnan(x)
        filled = np.where(missing, term.fill, x)
        w = term.weights
        if term.kind == "constant":
            value = np.zeros(len(x))
        elif term.kind == "linear":
            value = (filled - term.scale_mean) / term.scale_sd * w[0]
        else:
            assert term.knots is not None
            k = self.degree
            inside = np.clip(filled, term.knots[k], term.knots[-k - 1])
            value = bspline(term.knots, w[: len(term.knots) - k - 1], k, inside)
        if term.has_missing:
            value = value + missing * w[-1]
        return value

    # -- storage ------------------------------------------------------------------------------

    def to_bytes(self, **header: Any) -> bytes:
        """An ``.npz`` archive of the terms plus ``header`` (JSON: kind, version, metadata...)."""
        meta = {
            "format": FORMAT,
            "intercept": self.intercept_,
            "degree": self.degree,
            "terms": [
                {
                    "name": t.name,
                    "kind": t.kind,
                    "offset": t.offset,
                    "fill": t.fill,
                    "scale_mean": t.scale_mean,
                    "scale_sd": t.scale_sd,
                    "has_missing": t.has_missing,
                }
                for t in self.terms
            ],
            "header": header,
        }
        arrays: dict[str, np.ndarray] = {"meta": np.array(json.dumps(meta, default=str))}
        for j, t in enumerate(self.terms):
            arrays[f"w{j}"] = t.weights
            if t.knots is not None:
                arrays[f"k{j}"] = t.knots
            if t.levels is not None:
                arrays[f"l{j}"] = np.array([str(v) for v in t.levels], dtype=str)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy's stub reads the first keyword as allow_pickle
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> tuple[AdditiveScorer, dict[str, Any]]:
        """The scorer and its header; a damaged or foreign archive raises ModelError."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                if meta.get("format") != FORMAT:
                    raise ModelError(f"a compiled model of format {meta.get('format')} (this app reads {FORMAT})")
                terms = []
                for j, t in enumerate(meta["terms"]):
                    terms.append(
                        Term(
                            name=t["name"],
                            kind=t["kind"],
                            weights=archive[f"w{j}"],
                            offset=float(t["offset"]),
                            fill=float(t["fill"]),
                            scale_mean=float(t["scale_mean"]),
                            scale_sd=float(t["scale_sd"]),
                            has_missing=bool(t["has_missing"]),
                            knots=archive[f"k{j}"] if f"k{j}" in archive.files else None,
                            levels=archive[f"l{j}"].astype(object) if f"l{j}" in archive.files else None,
                        )
                    )
                return AdditiveScorer(terms, meta["intercept"], meta["degree"]), dict(meta.get("header", {}))
        except ModelError:
            raise
        except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
            raise ModelError(f"the compiled model could not be read ({exc})") from exc


def compile_model(model: Any) -> AdditiveScorer:
    """The :class:`AdditiveScorer` of a fitted :class:`~repcompanion.intel.propensity.model.AdditiveLogit`."""
    coef = np.asarray(model.logistic_.coef_[0], dtype=np.float64)
    terms: list[Term] = []
    for j, ((name, group, idx), block) in enumerate(zip(model._column_order(), model.blocks_, strict=True)):
        weights = coef[block.start : block.stop].copy()
        offset = float(model.offsets_[j])
        if group == "cat":
            levels = np.asarray(model.categories_[idx], dtype=object)
            terms.append(Term(name, "category", weights, offset, levels=levels))
            continue
        knots = model.knots_[idx]
        terms.append(
            Term(
                name,
                block.kind,
                weights,
                offset,
                fill=float(block.fill),
                scale_mean=float(block.scale_mean),
                scale_sd=float(block.scale_sd),
                has_missing=bool(block.has_missing),
                knots=None if knots is None else np.asarray(knots, dtype=np.float64),
            )
        )
    return AdditiveScorer(terms, float(model.intercept_), int(model.degree))


def compile_bundle(bundle: ModelBundle) -> ModelBundle:
    """``bundle`` with its fitted model compiled to an :class:`AdditiveScorer` (kind, version, metadata kept)."""
    return replace(bundle, estimator=compile_model(bundle.estimator))


def compiled_bytes(bundle: ModelBundle) -> bytes:
    """A compiled bundle as one ``.npz`` archive, its kind, version and metadata in the header."""
    if not isinstance(bundle.estimator, AdditiveScorer):
        raise ModelError(f"model {bundle.version} is not compiled; compile it with compile_bundle first")
    return bundle.estimator.to_bytes(kind=bundle.kind, version=bundle.version, metadata=bundle.metadata)


def read_compiled(data: bytes) -> ModelBundle:
    """The bundle :func:`compiled_bytes` wrote; a damaged or foreign archive raises ModelError."""
    scorer, header = AdditiveScorer.from_bytes(data)
    return ModelBundle(
        estimator=scorer,
        kind=str(header.get("kind", "")),
        version=str(header.get("version", "")),
        metadata=dict(header.get("metadata") or {}),
    )


def sigmoid(logit: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-logit), without overflow for large negative logits."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(logit, dtype=np.float64)))


def category_strings(column: pd.Series) -> np.ndarray:
    """A categorical column as an object array of strings, missing values as MISSING_CATEGORY."""
    values = column.to_numpy(dtype=object)
    out = values.astype(str).astype(object)
    out[pd.isna(values)] = MISSING_CATEGORY
    return out


def category_codes(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Index of each value in ``levels``; unseen values go to OTHER when it exists, else -1."""
    codes = pd.Index(levels).get_indexer(values).astype(np.int64)
    if len(levels) and levels[-1] == OTHER_CATEGORY:
        codes[codes < 0] = len(levels) - 1
    return codes


def bspline(knots: np.ndarray, coef: np.ndarray, degree: int, x: np.ndarray) -> np.ndarray:
    """Σ coef_i B_i(x) by de Boor's algorithm, for ``x`` within [knots[degree], knots[-degree-1]]."""
    k, n = degree, len(knots) - degree - 1
    interval = np.clip(np.searchsorted(knots, x, side="right") - 1, k, n - 1)
    d = np.stack([coef[interval - k + j] for j in range(k + 1)])
    for r in range(1, k + 1):
        for j in range(k, r - 1, -1):
            left = knots[interval + j - k]
            right = knots[interval + 1 + j - r]
            alpha = (x - left) / (right - left)
            d[j] = (1.0 - alpha) * d[j - 1] + alpha * d[j]
    return d[k]
