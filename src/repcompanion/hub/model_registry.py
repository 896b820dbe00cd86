"""The hub's model registry: retrain the propensity model from every territory, gate it, sign and store it.

``train_and_publish`` pools all territories (call reports arrive as visit events, so the reps' own history is in
the events), fits with :func:`repcompanion.intel.training.train_propensity` (its metrics are out of sample: fitted
on the history before the last ``holdout_days`` days, scored on those days), scores the model clients run today on
the same held-out days, and refuses to publish a model whose AUC is lower, or Brier score higher, by more than the
margin — unless forced. A published version is stored whole in ``model_versions`` with its SHA-256 and an Ed25519
signature (see :mod:`repcompanion.hub.model_signing`).
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import BigInteger, Column, Connection, LargeBinary, MetaData, Table, Text, func, select

from repcompanion.domain import ModelError, no_progress
from repcompanion.domain.errors import HubError
from repcompanion.domain.ports import Progress
from repcompanion.domain.rows import SYNCED_TABLES, feedback_from_row, joined_text
from repcompanion.hub import model_signing, schema
from repcompanion.hub.db import HubDb
from repcompanion.intel.inputs import IntelInputs
from repcompanion.intel.lifecycle import ModelBundle, default_model_path, load_model, save_model
from repcompanion.intel.training import held_out_metrics, train_propensity, training_examples

#: the registry's own table (created by migration 0006; kept out of schema.metadata, which another team owns)
registry_metadata = MetaData()
model_versions = Table(
    "model_versions",
    registry_metadata,
    Column("version", Text, primary_key=True),
    Column("created_at", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("signature", Text, nullable=False),
    Column("key_id", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

DEFAULT_HOLDOUT_DAYS = 90
#: a candidate may lose at most this much AUC against the current model on the held-out days
AUC_MARGIN = 0.02
#: … and gain at most this much Brier score
BRIER_MARGIN = 0.01
_EVENT_COLUMNS = ("hcp_id", "type", "occurred_at", "channel", "product_id", "content_id", "topics")


@dataclass(frozen=True)
class ModelVersion:
    """One published model (without its bytes)."""

    version: str
    created_at: str
    metrics: dict[str, Any]
    sha256: str
    signature: str
    key_id: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "created_at": self.created_at,
            "sha256": self.sha256,
            "signature": self.signature,
            "key_id": self.key_id,
            "size": self.size,
            "metrics": self.metrics,
        }


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


def hub_training_inputs(db: HubDb) -> list[IntelInputs]:
    """One IntelInputs per territory that has HCPs, all dated the hub's last event day."""
    ev, al = schema.synced["events"], schema.synced["alignments"]
    with db.read() as conn:
        records = {
            name: [SYNCED_TABLES[name].from_row(r) for r in conn.execute(select(schema.synced[name])).mappings()]
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
        feedback_by_territory.setdefault(str(r["territory_id"]), []).append(_naive(feedback_from_row(r), "at"))
    out = []
    for territory in sorted(members):
        ids = members[territory]
        hcps = [h for h in records["hcps"] if str(h.id) in ids]
        if not hcps:
            continue
        out.append(
            IntelInputs(
                hcps=hcps,
                consents=[_naive(c, "captured_at", "expires_at") for c in records["consents"] if str(c.hcp_id) in ids],
                events=events[events["hcp_id"].isin(ids)].reset_index(drop=True),
                content=records["content"],
                products=records["products"],
                call_plans=[p for p in records["call_plans"] if str(p.hcp_id) in ids],
                feedback=feedback_by_territory.get(territory, []),
                day=last_day,
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


# -- the registry ------------------------------------------------------------------------------------------------


def _record(row: Any) -> ModelVersion:
    return ModelVersion(
        version=row.version,
        created_at=row.created_at,
        metrics=json.loads(row.metrics),
        sha256=row.sha256,
        signature=row.signature,
        key_id=row.key_id,
        size=int(row.size),
    )


_META = [c for c in model_versions.c if c.name != "data"]


_NEWEST_FIRST = (model_versions.c.created_at.desc(), model_versions.c.version.desc())


def list_versions(conn: Connection) -> list[ModelVersion]:
    """Every published version, newest first."""
    return [_record(r) for r in conn.execute(select(*_META).order_by(*_NEWEST_FIRST))]


def latest_version(conn: Connection) -> ModelVersion | None:
    row = conn.execute(select(*_META).order_by(*_NEWEST_FIRST).limit(1)).first()
    return _record(row) if row is not None else None


def get_version(conn: Connection, version: str) -> ModelVersion | None:
    row = conn.execute(select(*_META).where(model_versions.c.version == version)).first()
    return _record(row) if row is not None else None


def model_bytes(conn: Connection, version: str) -> bytes | None:
    return conn.execute(select(model_versions.c.data).where(model_versions.c.version == version)).scalar()


def publish(db: HubDb, bundle: ModelBundle, key: Ed25519PrivateKey, metrics: dict[str, Any]) -> ModelVersion:
    """Serialise ``bundle`` with skops, sign its SHA-256 with its version, and store it as a new version."""
    with tempfile.TemporaryDirectory(prefix="repcompanion-model-") as tmp:
        data = save_model(bundle, Path(tmp) / "propensity.skops").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    record = ModelVersion(
        version=bundle.version,
        created_at=datetime.now(UTC).isoformat(timespec="microseconds"),
        metrics=metrics,
        sha256=digest,
        signature=model_signing.sign(key, bundle.version, digest),
        key_id=model_signing.key_id(key.public_key()),
        size=len(data),
    )
    with db.write() as conn:
        if get_version(conn, record.version) is not None:
            raise HubError(f"Model version {record.version} is already published.", hint="Train again.")
        conn.execute(
            model_versions.insert().values(
                version=record.version,
                created_at=record.created_at,
                metrics=json.dumps(record.metrics, default=_json_default),
                sha256=record.sha256,
                signature=record.signature,
                key_id=record.key_id,
                size=record.size,
                data=data,
            )
        )
    return record


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def current_model(db: HubDb) -> ModelBundle | None:
    """What clients run now: the latest published version, else the default model shipped with the app."""
    with db.read() as conn:
        latest = latest_version(conn)
        data = model_bytes(conn, latest.version) if latest else None
    if data is not None:
        with tempfile.TemporaryDirectory(prefix="repcompanion-model-") as tmp:
            path = Path(tmp) / "current.skops"
            path.write_bytes(data)
            return load_model(path)
    default = default_model_path()
    return load_model(default) if default.is_file() else None


def _new_version(db: HubDb, last_day: date) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"propensity-hub-{last_day.isoformat()}-{stamp}"
    version, n = base, 1
    with db.read() as conn:
        while get_version(conn, version) is not None:
            n += 1
            version = f"{base}-{n}"
    return version


# -- training ------------------------------------------------------------------------------------------------------


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
    return held_out_metrics(y, baseline.estimator.predict_proba(X[columns])[:, 1])


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
    territories = hub_training_inputs(db)
    if not territories:
        raise ModelError("No territory on the hub has HCPs.", hint="Seed or import a territory first.")
    last_day = max(t.day for t in territories if t.day is not None)
    version = _new_version(db, last_day)
    bundle = train_propensity(territories, holdout_days=holdout_days, version=version, progress=progress)
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
        )
    record = publish(db, bundle, key, metrics)
    notes = [f"published although {reason} (--force)"] if reason else []
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


def count_versions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(model_versions)).scalar_one())
