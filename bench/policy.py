"""Policy value and model quality on a held-out simulated period, measured against the ground truth.

Run: python -m bench.policy [--hcps 300] [--seed 3] [--days 60] [--no-bound]. Prints one JSON object.

Set-up. A demo territory (seed 3, different from the default model's seed 11) with two years of
history. The propensity model is trained on that history only (as the hub would retrain it); the
next ``--days`` working days are the held-out period, simulated by ``TerritorySimulator`` with the
same random numbers for every policy. Each policy has the same daily capacity — 8 field actions
(visit, remote meeting, MSL referral) and 20 digital actions (approved email, event invitation) —
at most one action per HCP per day, and may only take actions the rules allow (each policy has its
own engine so caps and consent see its own history).

Policies. ``engine``: the engine's candidates by priority. ``baseline``: visit the highest-decile
targets furthest behind their call plan; email everyone with consent weekly (those not emailed for
the longest first) with the week's campaign item (rotating through the approved library; the baseline
does not personalise content). ``random``: allowed candidates in random order. ``oracle``: the same candidate
set ranked by the true response probability × value.

Value = Σ over the period of responded × hcp_value(hcp) (segment weight × (0.5 + decile / 10)).
``model_auc``, ``oracle_auc`` and ``ece`` are measured on the outcomes of the random policy (it
explores every action type); ``engine_model_auc`` on the engine's own outcomes. For context,
``history_holdout_vs_truth`` gives the same three on the last 90 days of the history itself (a model fitted
on the days before; the contact patterns it was trained on), against the truth's probabilities recorded there.

``knowable`` (skip with ``--no-bound``) is the best any predictor learning from this data can do on the
random policy's outcomes: the Bayes predictor of ``bench.policy_bound``, which knows the truth's formula,
its priors and every HCP's topic interest, and infers only receptivity, fatigue sensitivity and preferred
weekday from the outcomes before each day. ``*_gap_expected`` are AUC gaps to the truth averaged over
outcomes redrawn from the true probabilities (free of this draw's luck), with their spread.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from bench import demo_inputs
from repcompanion.domain import ActionType, ContentId, HcpId
from repcompanion.intel.nba import Engine, pick_with_capacity
from repcompanion.intel.nba.candidates import eligible_content
from repcompanion.intel.propensity.training import (
    CONTACT_ACTION,
    _examples,
    expected_calibration_error,
    new_propensity_model,
    train_propensity,
)
from repcompanion.intel.territory import IntelInputs
from repcompanion.simulate import TerritorySimulator, generate_territory, hcp_value

CAPACITY = {"field": 8, "digital": 20}
POLICIES = ("engine", "baseline", "random", "oracle")


def working_days(after: date, count: int) -> list[date]:
    days, day = [], after
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def baseline_pick(cand, hcps, last_email: dict[str, date], day: date, campaign: dict[str, str]):
    """Visit top-decile targets furthest behind plan; email those with consent, longest-unemailed first,
    with the week's campaign item (``campaign``: HCP → content id) rather than a personalised one."""
    allowed = cand[cand["blocked_reason"] == ""].copy()
    info = {h.id: h for h in hcps}
    visits = allowed[allowed["action"] == str(ActionType.VISIT)].copy()
    visits = visits[[info[h].target for h in visits["hcp_id"]]]
    visits["decile"] = [info[h].decile for h in visits["hcp_id"]]
    visits = visits.sort_values(["decile", "plan_gap", "priority"], ascending=False).drop_duplicates("hcp_id")
    field = visits.head(CAPACITY["field"])
    emails = allowed[(allowed["action"] == str(ActionType.EMAIL)) & ~allowed["hcp_id"].isin(field["hcp_id"])]
    emails = emails.drop_duplicates("hcp_id").copy()
    emails["waited"] = [(day - last_email.get(h, date.min + timedelta(days=1))).days for h in emails["hcp_id"]]
    emails = emails[(emails["waited"] >= 7) & emails["hcp_id"].isin(campaign)]
    emails = emails.sort_values("waited", ascending=False, kind="stable").head(CAPACITY["digital"]).copy()
    emails["content_id"] = [campaign[h] for h in emails["hcp_id"]]
    return field, emails


def weekly_campaign(engine: Engine, hcps, day: date) -> dict[str, str]:
    """The email campaign of the week: per HCP, one allowed item, rotating through the library by week."""
    ok = eligible_content(engine.catalog, ActionType.EMAIL, hcps, day)
    week = day.isocalendar()[1]
    out = {}
    for i, h in enumerate(hcps):
        items = np.flatnonzero(ok[i])
        if len(items):
            out[h.id] = str(engine.catalog.items[items[week % len(items)]].id)
    return out


def history_holdout(demo, inputs: IntelInputs, holdout_days: int = 90) -> dict[str, float]:
    """Model vs truth on the last ``holdout_days`` of the history itself (the contact patterns the model was
    trained on), with a model fitted on the days before: context for the random-policy figures, not a target."""
    X, y, days = _examples(inputs)
    contacts = [e for e in demo.events if str(e.type) in CONTACT_ACTION]
    # the truth in the examples' order: by day, keeping the events' order within a day
    truth = np.array([demo.contact_probabilities[e.id] for e in sorted(contacts, key=lambda e: e.occurred_at.date())])
    held = days >= demo.today - timedelta(days=holdout_days)
    model = new_propensity_model().fit(X[~held], y[~held])
    p = model.predict_proba(X[held])[:, 1]
    return {
        "outcomes": int(held.sum()),
        "model_auc": round(float(roc_auc_score(y[held], p)), 4),
        "oracle_auc": round(float(roc_auc_score(y[held], truth[held])), 4),
        "ece": round(expected_calibration_error(y[held].astype(float), p), 4),
    }


def run(args: argparse.Namespace) -> dict:
    demo = generate_territory(hcps=args.hcps, seed=args.seed)
    inputs = demo_inputs(demo)
    started = time.perf_counter()
    bundle = train_propensity(inputs, holdout_days=90, version="bench-policy")
    train_s = time.perf_counter() - started
    value_of = {h.id: hcp_value(h) for h in demo.hcps}
    days = working_days(demo.today, args.days)
    rng = np.random.default_rng(args.seed)
    totals = {}
    scored: dict[str, list[tuple[float, float, bool]]] = {}
    random_outcomes: list = []
    for policy in POLICIES:
        sim = TerritorySimulator(demo, seed=args.seed)
        engine = Engine(inputs, bundle, include_today=False)  # each day is scored before it happens
        last_email: dict[str, date] = {}
        total = 0.0
        scored[policy] = []
        for day in days:
            cand = engine.candidates(day)
            if policy == "engine":
                chosen = pick_with_capacity(cand, CAPACITY)
            elif policy == "random":
                cand = cand.assign(shuffle=rng.random(len(cand)))
                chosen = pick_with_capacity(cand, CAPACITY, score="shuffle")
            elif policy == "oracle":
                allowed = cand[cand["blocked_reason"] == ""].copy()
                allowed["true_value"] = [
                    demo.truth.response_probability(
                        HcpId(h),
                        ActionType(a),
                        day,
                        content_id=ContentId(c) if c else None,
                        history=sim.history_of(HcpId(h)),
                    )
                    * value_of[h]
                    for h, a, c in zip(allowed["hcp_id"], allowed["action"], allowed["content_id"], strict=True)
                ]
                chosen = pick_with_capacity(allowed, CAPACITY, score="true_value")
            else:
                gaps = engine._day(day).table.frame["plan_gap"]
                cand = cand.assign(plan_gap=gaps.loc[cand["hcp_id"]].to_numpy())
                campaign = weekly_campaign(engine, demo.hcps, day)
                field, digital = baseline_pick(cand, demo.hcps, last_email, day, campaign)
                chosen = pd.concat([field, digital])
            actions = [
                (HcpId(h), ActionType(a), ContentId(c) if c else None)
                for h, a, c in zip(chosen["hcp_id"], chosen["action"], chosen["content_id"], strict=True)
            ]
            before = len(sim.events)
            outcomes = sim.step(day, actions)
            if policy == "random":
                random_outcomes.extend(outcomes)
            for o, p_model in zip(outcomes, chosen["probability"], strict=True):
                total += value_of[o.hcp_id] * o.responded
                scored[policy].append((float(p_model), o.probability, o.responded))
                if o.action is ActionType.EMAIL:
                    last_email[o.hcp_id] = day
            engine.rerank(day=day, events=sim.events[before:])
        totals[policy] = total
        if policy == "random":
            random_events = sim.events
    model_p, true_p, y = (np.array(v) for v in zip(*scored["random"], strict=True))
    e_model, _, e_y = (np.array(v) for v in zip(*scored["engine"], strict=True))
    bound = {}
    if args.bound:
        from bench.policy_bound import knowable_auc

        bound = {"knowable": knowable_auc(demo, random_outcomes, random_events, model_p)}
    return {
        "hcps": len(demo.hcps),
        "days": len(days),
        "capacity": CAPACITY,
        "train_s": round(train_s, 1),
        "holdout_metrics_history": {k: round(v, 4) for k, v in bundle.metadata["holdout_metrics"].items()},
        "history_holdout_vs_truth": history_holdout(demo, inputs),
        "outcomes_random": len(y),
        "model_auc": round(float(roc_auc_score(y, model_p)), 4),
        "oracle_auc": round(float(roc_auc_score(y, true_p)), 4),
        "ece": round(expected_calibration_error(y.astype(float), model_p), 4),
        "engine_model_auc": round(float(roc_auc_score(e_y, e_model)), 4),
        **{p: round(v, 2) for p, v in totals.items()},
        "engine_vs_baseline": round(totals["engine"] / totals["baseline"], 3),
        "engine_vs_random": round(totals["engine"] / totals["random"], 3),
        "engine_vs_oracle": round(totals["engine"] / totals["oracle"], 3),
        **bound,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hcps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument(
        "--no-bound", dest="bound", action="store_false", help="skip the knowable predictor (bench.policy_bound)"
    )
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
