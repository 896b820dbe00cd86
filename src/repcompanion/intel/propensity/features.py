"""Per-HCP features on a day, computed with numpy from the :class:`EventIndex` of the territory's events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from repcompanion.domain import CallPlan, Hcp
from repcompanion.intel.territory.events import (
    ATTENDED,
    CLICKED,
    CONTACT_CODES,
    EVENT_TYPES,
    F2F_CODES,
    INVITED,
    IS_F2F,
    IS_SIGNAL,
    MSL,
    NEVER,
    OPENED,
    REMOTE,
    SAMPLE,
    SENT,
    SIGNAL_CODES,
    VISIT,
    WEB,
    EventIndex,
    day_number,
)
from repcompanion.intel.territory.inputs import FollowUp

WINDOWS = np.array([0, 7, 30, 90, 365, 730])  # age 0 (today) has its own bucket


class _CountCube:
    """Event counts per HCP × type × successful? × age window, from one bincount."""

    def __init__(self, h: np.ndarray, t: np.ndarray, age: np.ndarray, ok: np.ndarray, n: int) -> None:
        n_types = len(EVENT_TYPES)
        bucket = np.searchsorted(WINDOWS, age, side="left")
        key = ((h.astype(np.int64) * n_types + t) * 2 + ok) * (len(WINDOWS) + 1) + bucket
        counts = np.bincount(key, minlength=n * n_types * 2 * (len(WINDOWS) + 1))
        self.cube = counts.reshape(n, n_types, 2, len(WINDOWS) + 1).cumsum(axis=3).astype(np.float64)
        latest = np.full(n * n_types, -np.inf)
        np.maximum.at(latest, h.astype(np.int64) * n_types + t, -age.astype(np.float64))
        self.latest = -latest.reshape(n, n_types)  # smallest age per HCP and type (inf: never)

    def count(
        self, codes: Sequence[int] | np.ndarray, window: int, *, successful: bool = False, before_today: bool = False
    ) -> np.ndarray:
        w = int(np.searchsorted(WINDOWS, window))
        part = self.cube[:, :, :, w][:, list(codes), :]
        if before_today:
            part = part - self.cube[:, :, :, 0][:, list(codes), :]
        return (part[:, :, 1] if successful else part.sum(axis=2)).sum(axis=1)

    def last_age(self, codes: Sequence[int] | np.ndarray) -> np.ndarray:
        out = self.latest[:, list(codes)].min(axis=1)
        return np.where(np.isinf(out), NEVER, out)


@dataclass
class HcpFeatureTable:
    """HCP-level features for one day: ``frame`` (one row per HCP) and per-topic arrays."""

    day: date
    frame: pd.DataFrame
    topic_signal_age: np.ndarray  # (n, T) days since the last open/click/web visit on the topic
    topic_signals: np.ndarray  # (n, T) website visits on the topic in 730 days (the HCP's own choice of topic)
    topic_sent: np.ndarray  # (n, T) emails sent on the topic in 730 days
    topic_opened: np.ndarray  # (n, T) emails opened on the topic in 730 days
    weekday_tries: np.ndarray  # (n, 7) face-to-face contacts per weekday in 730 days
    weekday_success: np.ndarray  # (n, 7) of which topics were discussed
    priors: dict[str, float]  # territory-wide rates the per-HCP rates are shrunk towards


def hcp_features(
    index: EventIndex,
    hcps: Sequence[Hcp],
    day: date,
    *,
    positions: np.ndarray | None = None,
    call_plans: Sequence[CallPlan] = (),
    follow_ups: Sequence[FollowUp] = (),
    priors: dict[str, float] | None = None,
    include_today: bool = False,
) -> HcpFeatureTable:
    """Features of the HCPs at ``positions`` (all when None) on ``day``.

    With ``include_today`` False (training, simulation: no label leakage) only events before ``day``
    count; with True (live ranking) so do the events already logged on ``day`` (age 0), so a visit
    logged this morning changes this afternoon's ranking. Events after ``day`` never count.
    """
    chosen = np.arange(len(hcps)) if positions is None else np.asarray(positions, dtype=np.int64)
    n = len(chosen)
    local = np.full(len(hcps), -1, dtype=np.int64)
    local[chosen] = np.arange(n)
    ev = index.rows_for(None if positions is None else chosen)
    today = day_number(day)
    before = ev.day < (today + 1 if include_today else today)
    h = local[ev.hcp[before]]
    t = ev.type[before]
    age = today - ev.day[before]
    topics = ev.topics[before]
    evday = ev.day[before]

    f: dict[str, np.ndarray] = {}
    priors = dict(priors or {})

    def rate(name: str, hits: np.ndarray, tries: np.ndarray, hit_codes: list[int], try_codes: list[int], window: int):
        # the territory-wide prior ignores today's events, so logging a visit today leaves it unchanged
        if name not in priors:
            successful = hit_codes == try_codes
            prior_hits = cube.count(hit_codes, window, successful=successful, before_today=True)
            prior_tries = cube.count(try_codes, window, before_today=True)
            priors[name] = float((prior_hits.sum() + 1.0) / (prior_tries.sum() + 2.0))
            priors[f"{name}:strength"] = _shrinkage_strength(prior_hits, prior_tries, priors[name])
        return _smoothed_rate(hits, tries, priors[name], priors.get(f"{name}:strength", 2.0))

    sel = [hcps[i] for i in chosen]
    f["segment"] = np.array([str(x.segment) for x in sel], dtype=object)
    f["specialty"] = np.array([x.specialty_code for x in sel], dtype=object)
    f["decile"] = np.array([x.decile for x in sel], dtype=np.float64)
    f["target"] = np.array([1.0 if x.target else 0.0 for x in sel])
    cube = _CountCube(h, t, age, topics != 0, n)
    for name, code in (("visit", VISIT), ("remote", REMOTE), ("email", SENT), ("msl", MSL), ("invite", INVITED)):
        f[f"days_since_{name}"] = cube.last_age([code])
        for window in (30, 90, 365):
            f[f"{name}s_{window}"] = cube.count([code], window)
    f["contacts_7"] = cube.count(CONTACT_CODES, 7)
    f["contacts_30"] = cube.count(CONTACT_CODES, 30)
    # the HCP's usual contact load: with it in the model, contacts_7/30 measure the effect of
    # contacting an HCP more (or less) than usual rather than who tends to be contacted a lot
    f["contacts_30_usual"] = cube.count(CONTACT_CODES, 365, before_today=True) * 30.0 / 365.0
    # contacts against the HCP's own usual load: within-HCP change in contact pressure (fatigue or relief)
    f["contacts_30_vs_usual"] = f["contacts_30"] - f["contacts_30_usual"]
    f["contacts_7_vs_usual"] = f["contacts_7"] - f["contacts_30_usual"] * 7.0 / 30.0
    f["days_since_contact"] = cube.last_age(CONTACT_CODES)
    f["days_since_signal"] = cube.last_age(SIGNAL_CODES)
    f["opens_90"] = cube.count([OPENED], 90)
    f["clicks_90"] = cube.count([CLICKED], 90)
    f["web_visits_90"] = cube.count([WEB], 90)
    sent_365 = cube.count([SENT], 365)
    opened_365 = cube.count([OPENED], 365)
    f["email_open_rate"] = rate("email_open_rate", opened_365, sent_365, [OPENED], [SENT], 365)
    f["emails_opened_365"] = opened_365
    f["emails_sent_365"] = sent_365
    invited = cube.count([INVITED], 730)
    attended = cube.count([ATTENDED], 730)
    f["event_attend_rate"] = rate("event_attend_rate", attended, invited, [ATTENDED], [INVITED], 730)
    f["samples_90"] = cube.count([SAMPLE], 90)

    planned, done, elapsed = _call_plan_progress(sel, call_plans, day, h, t, evday)
    f["plan_planned"], f["plan_done"] = planned, done
    f["plan_gap"] = np.maximum(planned - done, 0.0)
    f["quarter_elapsed"] = elapsed
    due: dict[str, list[int]] = {}
    for fu in follow_ups:
        due.setdefault(str(fu.hcp_id), []).append((fu.due - day).days)
    f["open_follow_ups"] = np.array([float(len(due.get(str(x.id), ()))) for x in sel])
    f["follow_up_due_in"] = np.array([float(min(due[str(x.id)])) if str(x.id) in due else NEVER for x in sel])

    for name, code in (("visit", VISIT), ("remote", REMOTE), ("msl", MSL)):
        tries = cube.count([code], 730)
        f[f"{name}_tries"] = tries
        # a face-to-face contact in which topics were discussed is a successful call
        f[f"{name}_successes"] = cube.count([code], 730, successful=True)
        f[f"{name}_success_rate"] = rate(f"{name}_success_rate", f[f"{name}_successes"], tries, [code], [code], 730)
    f2f_codes = F2F_CODES.tolist()
    f2f = IS_F2F[t] & (age <= 730)
    f2f_ok = cube.count(f2f_codes, 730, successful=True)
    f["f2f_success_rate"] = rate("f2f_success_rate", f2f_ok, cube.count(f2f_codes, 730), f2f_codes, f2f_codes, 730)
    f["event_invites_730"] = invited
    f["events_attended_730"] = attended

    n_topics = len(index.topics)
    pair_row, cols = ev.topic_pairs(n_topics)
    pair_age = today - ev.day[pair_row]
    keep = (pair_age >= (0 if include_today else 1)) & (local[ev.hcp[pair_row]] >= 0)
    pair_row, cols, pair_age = pair_row[keep], cols[keep], pair_age[keep]
    key = local[ev.hcp[pair_row]] * n_topics + cols
    kind = ev.type[pair_row]
    recent = pair_age <= 730
    is_signal = IS_SIGNAL[kind]
    size = n * n_topics

    def per_topic(mask: np.ndarray) -> np.ndarray:
        return np.bincount(key[mask], minlength=size).reshape(n, n_topics).astype(np.float64)

    # website views the HCP chose: not the page an email click just led to (its topic is what was sent)
    clicked_days = np.unique(ev.hcp[ev.type == CLICKED].astype(np.int64) * 1_000_000 + ev.day[ev.type == CLICKED])
    is_web = kind == WEB
    via_click = np.zeros(len(kind), dtype=bool)
    via_click[is_web] = np.isin(
        ev.hcp[pair_row[is_web]].astype(np.int64) * 1_000_000 + ev.day[pair_row[is_web]], clicked_days
    )
    sig_730 = per_topic(is_web & ~via_click & recent)
    sent_t = per_topic((kind == SENT) & recent)
    open_t = per_topic((kind == OPENED) & recent)
    latest = np.full(size, np.inf)
    np.minimum.at(latest, key[is_signal], pair_age[is_signal].astype(np.float64))
    sig_age = np.where(np.isinf(latest), NEVER, latest).reshape(n, n_topics)
    weekday = ((evday + 3) % 7).astype(np.int64)  # 1970-01-01 was a Thursday
    wd_tries = np.bincount(h[f2f] * 7 + weekday[f2f], minlength=n * 7).reshape(n, 7).astype(np.float64)
    ok = f2f & (topics != 0)
    wd_success = np.bincount(h[ok] * 7 + weekday[ok], minlength=n * 7).reshape(n, 7).astype(np.float64)
    frame = pd.DataFrame(f, index=pd.Index([str(x.id) for x in sel], name="hcp_id"))
    return HcpFeatureTable(day, frame, sig_age, sig_730, sent_t, open_t, wd_tries, wd_success, priors)


def _shrinkage_strength(hits: np.ndarray, tries: np.ndarray, pooled: float, min_tries: int = 5) -> float:
    """Empirical-Bayes pseudo-count of a beta prior on the HCPs' rates (method of moments): the
    more HCPs truly differ, the less a few tries are shrunk. Between 1 and 50; 2 with too few HCPs."""
    enough = tries >= min_tries
    if enough.sum() < 10:
        return 2.0
    rates = hits[enough] / tries[enough]
    binomial = float(np.mean(pooled * (1.0 - pooled) / tries[enough]))
    between = float(rates.var()) - binomial
    if between <= 0:
        return 50.0
    return float(np.clip(pooled * (1.0 - pooled) / between - 1.0, 1.0, 50.0))


def _smoothed_rate(hits: np.ndarray, tries: np.ndarray, pooled: float, strength: float = 2.0) -> np.ndarray:
    """Response rate shrunk towards the territory's pooled rate (few tries say little)."""
    return (hits + strength * pooled) / (tries + strength)


def _call_plan_progress(
    sel: Sequence[Hcp], call_plans: Sequence[CallPlan], day: date, h: np.ndarray, t: np.ndarray, evday: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Planned and done visits of the call-plan period around ``day``, and the fraction elapsed."""
    n = len(sel)
    pos = {str(x.id): i for i, x in enumerate(sel)}
    planned = np.zeros(n)
    start = np.full(n, day_number(day) + 1, dtype=np.int64)
    elapsed = np.zeros(n)
    for plan in call_plans:
        i = pos.get(str(plan.hcp_id))
        if i is None or not plan.period_start <= day <= plan.period_end:
            continue
        planned[i] = plan.planned_visits
        start[i] = day_number(plan.period_start)
        span = (plan.period_end - plan.period_start).days + 1
        elapsed[i] = (day - plan.period_start).days / span
    visit = (t == VISIT) & (evday >= start[h])
    done = np.bincount(h[visit], minlength=n).astype(np.float64)
    return planned, done, elapsed
