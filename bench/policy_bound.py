"""The best AUC any predictor could reach from the history: the "knowable" Bayes predictor of bench.policy.

It knows the exact formula of the simulator's truth, its priors, and every HCP's true topic interest
(more than a model can learn), and it knows every term of every contact's logit except the three
hidden per-HCP quantities that only the contacts' outcomes reveal: the receptivity per channel (4),
the fatigue sensitivity and the preferred weekday. Those it infers, for each scored outcome, from all
outcomes before that day (the two years of history and the held-out period so far): a Laplace
approximation of the posterior for each weekday, corrected by importance sampling, and the
probability averaged over the posterior. Its AUC on the random policy's outcomes bounds what the
propensity model can reach there: no predictor that learns from the same data can do better in
expectation (bar sampling noise, reported as ``knowable_auc_sd``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
from sklearn.metrics import roc_auc_score

from repcompanion.domain import ACTION_EVENT, CONTACT_EVENTS, ActionType, EngagementEvent, EventType
from repcompanion.simulate.simulator import Outcome
from repcompanion.simulate.territory import DemoTerritory
from repcompanion.simulate.truth import (
    _CHANNEL_MEAN,
    _PREFERRED_KEY,
    _SEGMENT_OPENNESS,
    ACTION_SPECS,
    FATIGUE_30_WEIGHT,
    RECEPTIVITY_KEYS,
)

REC_SD, LOG_FATIGUE_MEAN, LOG_FATIGUE_SD = 0.9, math.log(0.16), 0.5  # the truth's priors (simulate.truth)
SAMPLES = 600  # importance samples per HCP and weekday
_ACTION_OF = {str(e): a for a, e in ACTION_EVENT.items()}


def _history_contacts(demo: DemoTerritory) -> list[tuple[str, date, ActionType, float, bool]]:
    """(HCP, day, action, true probability, responded) for every contact of the history."""
    opened = {(e.hcp_id, e.content_id, e.occurred_at.date()) for e in demo.events if e.type is EventType.EMAIL_OPENED}
    attended = {
        (e.hcp_id, e.content_id, e.occurred_at.date() - timedelta(days=7))
        for e in demo.events
        if e.type is EventType.EVENT_ATTENDED
    }
    out = []
    for e in demo.events:
        if e.type not in CONTACT_EVENTS:
            continue
        action, day = _ACTION_OF[str(e.type)], e.occurred_at.date()
        if action is ActionType.EMAIL:
            ok = (e.hcp_id, e.content_id, day) in opened
        elif action is ActionType.EVENT_INVITE:
            ok = (e.hcp_id, e.content_id, day) in attended
        else:
            ok = bool(e.topics)
        out.append((e.hcp_id, day, action, float(demo.contact_probabilities[e.id]), ok))
    return out


def _contact_days(events: Sequence[EngagementEvent]) -> dict[str, np.ndarray]:
    """Per HCP: the sorted day numbers of their company contacts."""
    days: dict[str, list[int]] = defaultdict(list)
    for e in events:
        if e.type in CONTACT_EVENTS:
            days[e.hcp_id].append(e.occurred_at.date().toordinal())
    return {h: np.sort(np.array(d)) for h, d in days.items()}


def knowable_probabilities(
    demo: DemoTerritory,
    outcomes: Sequence[Outcome],
    period_events: Sequence[EngagementEvent],
    seed: int = 0,
    *,
    flip_history: bool = False,
) -> tuple[np.ndarray, float]:
    """The knowable predictor's probability for each of ``outcomes`` (taken in the held-out period by one
    policy whose simulator ended with ``period_events``; NaN where the truth's is 0 or 1), and the smallest
    effective sample size. ``flip_history`` inverts every past outcome (a check that outcomes inform it)."""
    rng = np.random.default_rng(seed)
    contact_days = _contact_days(period_events)
    truth = demo.truth.params
    hcps = {h.id: h for h in demo.hcps}
    rows: dict[str, list[tuple[int, int, float, float, float, int, bool, int]]] = defaultdict(list)
    # (day, receptivity key, known part of the logit, load, weekday weight, weekday, responded, target index)
    history = [(h, day, a, p, ok != flip_history, -1) for h, day, a, p, ok in _history_contacts(demo)]
    period = [(o.hcp_id, o.day, o.action, o.probability, o.responded, j) for j, o in enumerate(outcomes)]
    for hcp_id, day, action, p, ok, j in history + period:
        if not 0.0 < p < 1.0:
            continue
        t, spec = truth[hcp_id], ACTION_SPECS[action]
        d = day.toordinal()
        past = contact_days.get(hcp_id, np.zeros(0, dtype=int))
        n7 = np.searchsorted(past, d) - np.searchsorted(past, d - 7)
        n30 = np.searchsorted(past, d) - np.searchsorted(past, d - 30)
        load = n7 + FATIGUE_30_WEIGHT * n30
        key = RECEPTIVITY_KEYS.index(spec.receptivity)
        match = float(day.weekday() == t.preferred_weekday)
        z = math.log(p / (1.0 - p))
        known = z - t.receptivity[spec.receptivity] + t.fatigue_sensitivity * load - spec.weekday_weight * match
        rows[hcp_id].append((d, key, known, load, spec.weekday_weight, day.weekday(), ok, j))

    probs = np.full(len(outcomes), np.nan)
    min_ess = float("inf")
    for hcp_id, items in rows.items():
        d, key, known, load, wd_w, wd, ok, target = (np.array(col) for col in zip(*items, strict=True))
        hcp = hcps[hcp_id]
        prior_mean = np.array([_CHANNEL_MEAN[k] for k in RECEPTIVITY_KEYS]) + _SEGMENT_OPENNESS[hcp.segment]
        prior_mean[RECEPTIVITY_KEYS.index(_PREFERRED_KEY[hcp.preferred_channel])] += 0.8
        prior_mean = np.append(prior_mean, LOG_FATIGUE_MEAN)
        prior_sd = np.append(np.full(len(RECEPTIVITY_KEYS), REC_SD), LOG_FATIGUE_SD)
        onehot = np.eye(len(RECEPTIVITY_KEYS))[key]
        scored = target >= 0
        fit = ~scored
        samples = []
        for w in range(5):
            base = known + wd_w * (wd == w)
            theta, hess = _posterior_mode(base[fit], onehot[fit], load[fit], ok[fit], prior_mean, prior_sd)
            draw, log_q = _draw_around(rng, theta, hess)
            log_prior = -0.5 * (((draw - prior_mean) / prior_sd) ** 2).sum(axis=1)
            samples.append((w, draw, log_prior - log_q))
        # importance weights of every sample after each contact, in day order; score before each day
        all_draws = np.concatenate([s[1] for s in samples])
        base_logw = np.concatenate([s[2] for s in samples])
        weekday_of = np.concatenate([np.full(SAMPLES, s[0]) for s in samples])
        z_all = (
            known[None, :]
            + wd_w[None, :] * (wd[None, :] == weekday_of[:, None])
            + all_draws[:, :-1] @ onehot.T
            - np.exp(all_draws[:, -1:]) * load[None, :]
        )
        ll = np.where(ok[None, :], -np.logaddexp(0.0, -z_all), -np.logaddexp(0.0, z_all))
        # a contact informs only scored outcomes on later days: sum the log-likelihood of earlier days
        ll_hist = np.where(scored[None, :], 0.0, ll)  # the period's own outcomes count once they are observed
        ll_period = np.where(scored[None, :], ll, 0.0)
        history_logw = base_logw + ll_hist.sum(axis=1)
        for i in np.flatnonzero(scored):
            lw = history_logw + ll_period[:, d < d[i]].sum(axis=1)
            wts = np.exp(lw - lw.max())
            wts /= wts.sum()
            min_ess = min(min_ess, 1.0 / float((wts**2).sum()))
            probs[target[i]] = float((wts * 0.5 * (1.0 + np.tanh(0.5 * z_all[:, i]))).sum())
    return probs, min_ess


def _posterior_mode(
    base: np.ndarray, onehot: np.ndarray, load: np.ndarray, ok: np.ndarray, mean: np.ndarray, sd: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mode of (receptivities, log fatigue sensitivity) and the Hessian there, by Newton's
    method; a contact's logit is ``base + receptivity[channel] - exp(log sensitivity) * load``."""
    theta = mean.copy()
    for _ in range(50):
        sens = np.exp(theta[-1])
        q = 1.0 / (1.0 + np.exp(-(base + onehot @ theta[:-1] - sens * load)))
        r = ok - q
        jac = np.concatenate([onehot, -sens * load[:, None]], axis=1)
        grad = jac.T @ r - (theta - mean) / sd**2
        hess = -(jac * (q * (1 - q))[:, None]).T @ jac - np.diag(1.0 / sd**2)
        hess[-1, -1] -= sens * (load * r).sum()
        step = np.linalg.solve(hess, -grad)
        step *= min(1.0, 1.0 / max(np.abs(step).max(), 1e-12))
        theta = theta + step
        if np.abs(step).max() < 1e-8:
            break
    return theta, hess


def _draw_around(rng: np.random.Generator, theta: np.ndarray, hess: np.ndarray, df: float = 5.0):
    """``SAMPLES`` draws from a Student-t proposal 1.5 times wider than the Laplace fit, with their log
    density (up to a constant shared by every proposal)."""
    cov = np.linalg.inv(-hess + 1e-9 * np.eye(len(theta)))
    chol = np.linalg.cholesky((cov + cov.T) / 2 * 1.5**2)
    g = rng.standard_normal((SAMPLES, len(theta)))
    u = rng.chisquare(df, size=(SAMPLES, 1)) / df
    draw = theta + (g @ chol.T) / np.sqrt(u)
    dev = np.linalg.solve(chol, (draw - theta).T).T
    log_q = -0.5 * (df + len(theta)) * np.log1p((dev**2).sum(axis=1) / df) - np.log(np.diag(chol)).sum()
    return draw, log_q


def knowable_auc(
    demo: DemoTerritory,
    outcomes: Sequence[Outcome],
    period_events: Sequence[EngagementEvent],
    model_p: np.ndarray,
    repeats: int = 200,
) -> dict[str, float]:
    """AUC of the knowable predictor on ``outcomes``; and the expected AUC gap to the truth of it and of
    the model (``model_p``), with outcomes redrawn from the true probabilities ``repeats`` times."""
    probs, ess = knowable_probabilities(demo, outcomes, period_events)
    y = np.array([o.responded for o in outcomes], dtype=int)
    truth = np.array([o.probability for o in outcomes])
    keep = ~np.isnan(probs)
    rng = np.random.default_rng(0)
    gaps, model_gaps = [], []
    for _ in range(repeats):  # outcomes redrawn from the truth: the expected gap, free of this draw's luck
        yy = (rng.random(keep.sum()) < truth[keep]).astype(int)
        best = roc_auc_score(yy, truth[keep])
        gaps.append(best - roc_auc_score(yy, probs[keep]))
        model_gaps.append(best - roc_auc_score(yy, np.asarray(model_p)[keep]))
    return {
        "knowable_auc": round(float(roc_auc_score(y[keep], probs[keep])), 4),
        "knowable_gap_expected": round(float(np.mean(gaps)), 4),
        "knowable_gap_sd": round(float(np.std(gaps)), 4),
        "model_gap_expected": round(float(np.mean(model_gaps)), 4),
        "model_gap_sd": round(float(np.std(model_gaps)), 4),
        "min_effective_samples": round(ess, 1),
    }
