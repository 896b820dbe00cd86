"""The knowable predictor of bench.policy_bound infers the hidden per-HCP parameters from outcomes."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np

from bench.policy_bound import knowable_probabilities
from repcompanion.domain import ActionType
from repcompanion.simulate import Outcome, TerritorySimulator, generate_territory


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def test_knowable_predictor_tracks_the_truth_better_than_a_predictor_blind_to_outcomes() -> None:
    demo = generate_territory(hcps=60, seed=21)
    sim = TerritorySimulator(demo, seed=21)
    rng = random.Random(21)
    outcomes: list[Outcome] = []
    day = demo.today
    for _ in range(14):
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        actions = []
        for hcp in rng.sample(demo.hcps, 15):
            action = rng.choice([a for a in ActionType if a is not ActionType.EMAIL])
            actions.append((hcp.id, action, None))
        outcomes += sim.step(day, actions)
    truth = np.array([o.probability for o in outcomes])
    probs, ess = knowable_probabilities(demo, outcomes, sim.events)
    scored = (truth > 0) & (truth < 1)
    assert np.isfinite(probs[scored]).all() and ((probs[scored] > 0) & (probs[scored] < 1)).all()
    assert np.isnan(probs[~scored]).all()
    assert ess > 50
    error = np.abs(_logit(probs[scored]) - _logit(truth[scored])).mean()
    # the same predictor with every past outcome flipped must do worse: what it knows comes from outcomes
    flipped, _ = knowable_probabilities(demo, outcomes, sim.events, flip_history=True)
    blind = np.abs(_logit(flipped[scored]) - _logit(truth[scored])).mean()
    assert error < 0.6 * blind, (error, blind)
