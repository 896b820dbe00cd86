"""Training the propensity model from a territory's engagement history.

Past contacts become examples with the same conventions the hub and the simulator use
(docs/simulator.md): a visit, remote call or MSL visit succeeded when topics were recorded; an
email when it was opened the same day; an invitation when the event was attended a week later.
Each example's features are computed from the events before its day only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from repcompanion.domain import ACTION_EVENT, ActionType, ModelError, no_progress
from repcompanion.domain.ports import Progress
from repcompanion.intel.propensity.bundle import ModelBundle
from repcompanion.intel.propensity.features import hcp_features
from repcompanion.intel.propensity.model import AdditiveLogit
from repcompanion.intel.propensity.pairs import CATEGORICAL_FEATURES, MODEL_FEATURES, ContentCatalog, pair_features
from repcompanion.intel.territory.events import EventIndex
from repcompanion.intel.territory.inputs import IntelInputs, events_frame

CONTACT_ACTION = {str(event): action for action, event in ACTION_EVENT.items()}
ATTENDANCE_LAG_DAYS = 7


def observed_contacts(events: pd.DataFrame) -> pd.DataFrame:
    """Past contacts with their outcome: columns hcp_id, action, content_id, day, responded."""
    ev = events_frame(events)
    kind = ev["type"].astype(str)
    day = pd.to_datetime(ev["occurred_at"]).dt.normalize()
    content = ev["content_id"].fillna("").astype(str) if "content_id" in ev else pd.Series("", index=ev.index)
    topics = ev["topics"].fillna("").astype(str) if "topics" in ev else pd.Series("", index=ev.index)
    hcp = ev["hcp_id"].astype(str)
    opened = set(
        zip(hcp[kind == "email_opened"], content[kind == "email_opened"], day[kind == "email_opened"], strict=True)
    )
    att = kind == "event_attended"
    attended = set(zip(hcp[att], content[att], day[att] - pd.Timedelta(days=ATTENDANCE_LAG_DAYS), strict=True))
    is_contact = kind.isin(list(CONTACT_ACTION))
    out = pd.DataFrame(
        {
            "hcp_id": hcp[is_contact].to_numpy(),
            "action": kind[is_contact].map(lambda k: str(CONTACT_ACTION[k])).to_numpy(),
            "content_id": content[is_contact].to_numpy(),
            "day": day[is_contact].to_numpy(),
            "topics": topics[is_contact].to_numpy(),
        }
    )
    keys = list(zip(out["hcp_id"], out["content_id"], out["day"], strict=True))
    email = out["action"] == str(ActionType.EMAIL)
    invite = out["action"] == str(ActionType.EVENT_INVITE)
    responded = out["topics"] != ""
    responded[email] = [k in opened for k, e in zip(keys, email, strict=True) if e]
    responded[invite] = [k in attended for k, i in zip(keys, invite, strict=True) if i]
    out["responded"] = responded.astype(int)
    return out.drop(columns="topics")


def training_examples(
    inputs: IntelInputs, *, since: date | None = None, until: date | None = None, progress: Progress = no_progress
) -> tuple[pd.DataFrame, np.ndarray]:
    """Model inputs (MODEL_FEATURES) and outcomes of every past contact with ``since <= day < until``."""
    X, y, _ = _examples(inputs, since=since, until=until, progress=progress)
    return X, y


def _examples(
    inputs: IntelInputs, *, since: date | None = None, until: date | None = None, progress: Progress = no_progress
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """:func:`training_examples` and the day of each example (examples are in day order)."""
    hcps = list(inputs.hcps)
    topics = sorted({t for c in inputs.content for t in c.topics})
    index = EventIndex([h.id for h in hcps], inputs.events, topics=topics)
    catalog = ContentCatalog.build(inputs.content, index.topics)
    contacts = observed_contacts(events_frame(inputs.events))
    days = contacts["day"].dt.date
    keep = np.ones(len(contacts), dtype=bool)
    if since is not None:
        keep &= (days >= since).to_numpy()
    if until is not None:
        keep &= (days < until).to_numpy()
    contacts = contacts[keep]
    pos_of = {str(h.id): i for i, h in enumerate(hcps)}
    content_of = {str(c.id): i for i, c in enumerate(catalog.items)}
    contacts = contacts[contacts["hcp_id"].isin(pos_of)]
    follow_ups = inputs.follow_up_records()
    last_day = (inputs.day or contacts["day"].max().date()) if len(contacts) else date.today()
    priors = hcp_features(index, hcps, last_day, call_plans=inputs.call_plans).priors
    frames, labels, example_days = [], [], []
    groups = list(contacts.groupby(contacts["day"].dt.date, sort=True))
    for k, (day, rows) in enumerate(groups):
        positions = np.unique(rows["hcp_id"].map(pos_of).to_numpy())
        table = hcp_features(
            index, hcps, day, positions=positions, call_plans=inputs.call_plans, follow_ups=follow_ups, priors=priors
        )
        local = pd.Series(np.arange(len(positions)), index=positions)
        cand = pd.DataFrame(
            {
                "hcp_pos": rows["hcp_id"].map(pos_of).to_numpy(),
                "action": rows["action"].to_numpy(),
                "content_idx": rows["content_id"].map(lambda c: content_of.get(c, -1)).to_numpy(),
            }
        )
        cand["local"] = local.loc[cand["hcp_pos"]].to_numpy()
        cand = pair_features(cand, table, hcps, catalog, index.topics)
        frames.append(cand[list(MODEL_FEATURES)])
        labels.append(rows["responded"].to_numpy())
        example_days.append(rows["day"].dt.date.to_numpy())
        if k % 20 == 0:
            progress(k / max(len(groups), 1), f"features for {day.isoformat()}")
    if not frames:
        raise ModelError(
            "the history holds no past contacts to learn from", hint="Train on a territory with engagement history."
        )
    return pd.concat(frames, ignore_index=True), np.concatenate(labels), np.concatenate(example_days)


def new_propensity_model() -> AdditiveLogit:
    return AdditiveLogit(
        categorical_features=list(CATEGORICAL_FEATURES),
        n_knots=6,
        C=0.3,
        linear_features=["contacts_30_vs_usual", "contacts_7_vs_usual"],
    )


def held_out_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """AUC, average precision, Brier score and expected calibration error (10 equal-count bins)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    single = len(np.unique(y)) < 2
    return {
        "auc": float("nan") if single else float(roc_auc_score(y, p)),
        "average_precision": float("nan") if single else float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p),
    }


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Σ over equal-count bins of (bin share) × |mean outcome − mean probability|."""
    order = np.argsort(p, kind="stable")
    total = 0.0
    for chunk in np.array_split(order, min(bins, max(len(p), 1))):
        if len(chunk):
            total += len(chunk) / len(p) * abs(float(y[chunk].mean()) - float(p[chunk].mean()))
    return total


def train_propensity(
    inputs: IntelInputs | Sequence[IntelInputs],
    *,
    holdout_days: int = 90,
    version: str = "",
    progress: Progress = no_progress,
) -> ModelBundle:
    """Fit the propensity model on the history before the last ``holdout_days`` days, report
    metrics on those days, then refit on everything.

    Several territories (a sequence of inputs) are pooled: each holds out its own last days, so
    the model sees many HCPs and contact patterns while the metrics stay out of sample."""
    territories = [inputs] if isinstance(inputs, IntelInputs) else list(inputs)
    parts_X, parts_y, parts_train = [], [], []
    used: list[IntelInputs] = []
    skipped: list[int] = []
    for k, one in enumerate(territories):

        def share(f: float, m: str, k: int = k) -> None:
            progress((k + f) / len(territories), m)

        try:
            X, y, days = _examples(one, progress=share)
        except ModelError:
            if len(territories) == 1:
                raise
            skipped.append(k)  # no past contacts yet (e.g. just imported): nothing to learn from it
            continue
        last = one.day or date.today()
        used.append(one)
        parts_X.append(X)
        parts_y.append(y)
        parts_train.append(days < last - timedelta(days=holdout_days))
    if not used:
        raise ModelError(
            f"none of the {len(territories)} territories holds past contacts to learn from",
            hint="Train once reps have synced visits, or seed a demo hub.",
        )
    X = pd.concat(parts_X, ignore_index=True)
    y = np.concatenate(parts_y)
    train = np.concatenate(parts_train)
    metrics: dict[str, float] = {}
    if train.any() and (~train).any() and len(np.unique(y[train])) == 2:
        held = new_propensity_model().fit(X[train], y[train])
        metrics = held_out_metrics(y[~train], held.predict_proba(X[~train])[:, 1])
    model = new_propensity_model().fit(X, y)
    last_day = max((one.day or date.today()) for one in used)
    meta = {
        "examples": len(y),
        "positive_rate": float(y.mean()),
        "holdout_days": holdout_days,
        "holdout_metrics": metrics,
        "features": list(MODEL_FEATURES),
        "territories": len(used),
        "skipped_territories": skipped,  # positions in ``inputs`` with no past contacts
    }
    return ModelBundle(model, "propensity", version or f"propensity-{last_day.isoformat()}", meta)
