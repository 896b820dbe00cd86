"""Retraining on the hub: pool every territory, fit, gate the candidate against the current model, publish it signed.

``train_and_publish`` pools all territories (call reports arrive as visit events, so the reps' own history is in
the events), fits with :func:`repcompanion.intel.propensity.train_propensity` (its metrics are out of sample: fitted
on the history before the last ``holdout_days`` days, scored on those days), scores the model clients run today on
the same held-out days, and refuses to publish a model whose AUC is lower, or Brier score higher, by more than the
margin — unless forced.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from repcompanion.domain import ModelError, no_progress
from repcompanion.domain.ports import Progress
from repcompanion.domain.rows import SYNCED_TABLES, feedback_from_row, joined_text
from repcompanion.hub.db import HubDb, schema
from repcompanion.hub.models.registry import ModelVersion, current_model, new_version, publish
from repcompanion.intel.propensity import ModelBundle, held_out_metrics, train_propensity, training_examples
from repcompanion.intel.territory import IntelInputs

DEFAULT_HOLDOUT_DAYS = 90
#: a candidate may lose at most this much AUC against the current model on the held-out days
AUC_MARGIN = 0.02
#: … and gain at most this much Brier score
BRIER_MARGIN = 0.01
_EVENT_COLUMNS = ("hcp_id", "type", "occurred_at", "channel", "product_id", "content_id", "topics")


@dataclass
class TrainResult:
    """What ``train_and_publish`` did: published or refused, with both models' held-out numbers."""

    published: bool
    version: str
    metrics: dict[str, Any]
    baseline_version: str
    baseline_metrics: dict[str, float]
    reason: str
    seconds: float
    record: ModelVersion | None = None
    notes: list[str] = field(default_factory=list)


# -- reading the hub's territories ------------------------------------------------------------------------------


def hub_training_inputs(db: HubDb) -> list[tuple[str, IntelInputs]]:
    """(territory id, IntelInputs) per territory that has HCPs, all dated the hub's last event day."""
    ev, al = schema.synced["events"], schema.synced["alignments"]
    with db.read() as conn:
        records = {
            name: [SYNCED_TABLES[name].from_row(dict(r)) for r in conn.execute(select(schema.synced[name])).mappings()]
            for name in ("hcps", "consents", "content", "products", "call_plans")
        }
        event_rows = [dict(r) for r in conn.execute(select(*(ev.c[c] for c in _EVENT_COLUMNS))).mappings()]
        alignments = conn.execute(select(al.c.territory_id, al.c.hcp_id)).all()
        feedback_rows = list(conn.execute(select(schema.suggestion_feedback)).mappings())
    events = _events_frame(event_rows)
    if events.empty:
        raise ModelError("The hub holds no engagement events to learn from.", hint="Sync reps or seed the hub first.")
    last_day: date = events["occurred_at"].max().date()
    members: dict[str, set[str]] = {}
    for territory_id, hcp_id in alignments:
        members.setdefault(str(territory_id), set()).add(str(hcp_id))
    feedback_by_territory: dict[str, list[Any]] = {}
    for r in feedback_rows:
        feedback_by_territory.setdefault(str(r["territory_id"]), []).append(_naive(feedback_from_row(dict(r)), "at"))
    out = []
    for territory in sorted(members):
        ids = members[territory]
        hcps = [h for h in records["hcps"] if str(h.id) in ids]
        if not hcps:
            continue
        out.append(
            (
                territory,
                IntelInputs(
                    hcps=hcps,
                    consents=[
                        _naive(c, "captured_at", "expires_at") for c in records["consents"] if str(c.hcp_id) in ids
                    ],
                    events=events[events["hcp_id"].isin(ids)].reset_index(drop=True),
                    content=records["content"],
                    products=records["products"],
                    call_plans=[p for p in records["call_plans"] if str(p.hcp_id) in ids],
                    feedback=feedback_by_territory.get(territory, []),
                    day=last_day,
                ),
            )
        )
    return out


def _events_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(_EVENT_COLUMNS))
    for c in ("channel", "product_id", "content_id"):
        frame[c] = frame[c].fillna("").astype(str)
    frame["topics"] = frame["topics"].map(joined_text)  # the engine's events frame joins topics with ';'
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601").dt.tz_localize(None)
    return frame


def _naive(record: Any, *names: str) -> Any:
    """The engine works in naive UTC; the hub stores offset-aware UTC."""
    changes = {}
    for n in names:
        v = getattr(record, n)
        if isinstance(v, datetime) and v.tzinfo is not None:
            changes[n] = v.astimezone(UTC).replace(tzinfo=None)
    return replace(record, **changes) if changes else record


# -- training ------------------------------------------------------------------------------------------------------


def skipped_notes(territories: set[str]) -> list[str]:
    if not territories:
        return []
    return [
        f"left out {len(territories)} territor{'y' if len(territories) == 1 else 'ies'} with no visits or other "
        f"contacts on record yet (newly imported?): {', '.join(sorted(territories))}; their reps are ranked with "
        "the model learned from the others"
    ]


def baseline_metrics(
    baseline: ModelBundle, territories: Sequence[IntelInputs], holdout_days: int
) -> dict[str, float] | None:
    """The baseline model's metrics on the held-out days of every territory, or None when it cannot score them."""
    parts_X, parts_y = [], []
    for one in territories:
        since = (one.day or date.today()) - timedelta(days=holdout_days)
        try:
            X, y = training_examples(one, since=since)
        except ModelError:
            continue
        parts_X.append(X)
        parts_y.append(y)
    if not parts_X:
        return None
    X = pd.concat(parts_X, ignore_index=True)
    y = np.concatenate(parts_y)
    columns = [str(c) for c in getattr(baseline.estimator, "feature_names_in_", X.columns)]
    if any(c not in X.columns for c in columns):
        return None
    estimator: Any = baseline.estimator  # a published bundle holds the fitted model, never its compiled form
    return held_out_metrics(y, estimator.predict_proba(X[columns])[:, 1])


def gate(candidate: dict[str, float], baseline: dict[str, float] | None) -> str:
    """Why the candidate must not be published ("" when it may be)."""
    auc, brier = candidate.get("auc", math.nan), candidate.get("brier", math.nan)
    if math.isnan(auc) or math.isnan(brier):
        return "the held-out days hold too few outcomes to measure the new model (AUC undefined)"
    if baseline is None:
        return ""
    if not math.isnan(baseline.get("auc", math.nan)) and auc < baseline["auc"] - AUC_MARGIN:
        return (
            f"its held-out AUC {auc:.3f} is below the current model's {baseline['auc']:.3f} by more than {AUC_MARGIN}"
        )
    if brier > baseline.get("brier", math.inf) + BRIER_MARGIN:
        return (
            f"its held-out Brier score {brier:.4f} is above the current model's {baseline['brier']:.4f} "
            f"by more than {BRIER_MARGIN}"
        )
    return ""


def train_and_publish(
    db: HubDb,
    key: Ed25519PrivateKey,
    *,
    force: bool = False,
    holdout_days: int = DEFAULT_HOLDOUT_DAYS,
    progress: Progress = no_progress,
) -> TrainResult:
    """Retrain from every territory; publish a signed version unless it is worse than the current model."""
    started = time.perf_counter()
    named = hub_training_inputs(db)
    if not named:
        raise ModelError("No territory on the hub has HCPs.", hint="Seed or import a territory first.")
    last_day = max(t.day for _, t in named if t.day is not None)
    version = new_version(db, last_day)
    bundle = train_propensity([t for _, t in named], holdout_days=holdout_days, version=version, progress=progress)
    left_out = {named[k][0] for k in bundle.metadata.get("skipped_territories", [])}
    territories = [t for name, t in named if name not in left_out]
    candidate = dict(bundle.metadata.get("holdout_metrics") or {})
    baseline = current_model(db)
    base_metrics = baseline_metrics(baseline, territories, holdout_days) if baseline is not None else None
    feedback = Counter(str(f.kind) for t in territories for f in t.feedback)
    metrics: dict[str, Any] = {
        "examples": int(bundle.metadata["examples"]),
        "positive_rate": float(bundle.metadata["positive_rate"]),
        "holdout_days": holdout_days,
        "holdout": candidate,
        "baseline_version": baseline.version if baseline else "",
        "baseline_holdout": base_metrics or {},
        "territories": len(territories),
        "territories_without_history": sorted(left_out),
        "hcps": sum(len(t.hcps) for t in territories),
        "history_until": last_day.isoformat(),
        "feedback": dict(sorted(feedback.items())),
        "train_seconds": round(time.perf_counter() - started, 2),
    }
    bundle.metadata.update({"trained_on": "hub", "registry_metrics": metrics})
    reason = gate(candidate, base_metrics)
    if reason and not force:
        return TrainResult(
            False,
            version,
            metrics,
            metrics["baseline_version"],
            base_metrics or {},
            f"Not published: {reason}. Clients keep {metrics['baseline_version'] or 'their model'}; "
            "use --force to publish anyway.",
            time.perf_counter() - started,
            notes=skipped_notes(left_out),
        )
    record = publish(db, bundle, key, metrics)
    notes = [f"published although {reason} (--force)"] if reason else []
    notes += skipped_notes(left_out)
    return TrainResult(
        True,
        version,
        metrics,
        metrics["baseline_version"],
        base_metrics or {},
        "",
        time.perf_counter() - started,
        record,
        notes,
    )
