"""The territory simulator: responses from the truth, consent respected, history grows, AUC below 1."""

from __future__ import annotations

import random
from datetime import timedelta

import numpy as np
import pytest

from repcompanion.domain import ActionType, EventType, HcpId, NotFoundError
from repcompanion.simulate import DemoTerritory, Outcome, TerritorySimulator, generate_territory


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    for value in np.unique(p):  # average ranks of ties
        tie = p == value
        ranks[tie] = ranks[tie].mean()
    pos = y.sum()
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))


def _random_period(demo: DemoTerritory, seed: int, days: int = 60, per_day: int = 50) -> list[Outcome]:
    sim = TerritorySimulator(demo, seed=seed)
    rng = random.Random(seed)
    outcomes: list[Outcome] = []
    day, done = demo.today, 0
    while done < days:
        if day.weekday() < 5:
            actions = []
            for hcp in rng.sample(demo.hcps, per_day):
                action = rng.choice(list(ActionType))
                pool = [c.id for c in demo.content if c.is_valid_on(day) and c.is_for_specialty(hcp.specialty_code)]
                content = rng.choice(pool) if action is ActionType.EMAIL and pool else None
                actions.append((hcp.id, action, content))
            outcomes += sim.step(day, actions)
            done += 1
        day += timedelta(days=1)
    return outcomes


def test_step_draws_from_the_truth_and_records_events(demo: DemoTerritory) -> None:
    sim = TerritorySimulator(demo, seed=3)
    day = demo.today
    hid = next(h.id for h in demo.hcps if demo.truth.consent_allows(h.id, ActionType.EMAIL, day))
    before = len(sim.history_of(hid))
    content = next(c.id for c in demo.content if c.is_valid_on(day))
    expected = demo.truth.response_probability(
        hid, ActionType.EMAIL, day, content_id=content, history=sim.history_of(hid)
    )
    (out,) = sim.step(day, [(hid, ActionType.EMAIL, content)])
    assert out.hcp_id == hid and out.day == day and out.probability == pytest.approx(expected)
    new = sim.history_of(hid)[before:]
    assert new[0].type is EventType.EMAIL_SENT and new[0].occurred_at.date() == day
    assert (EventType.EMAIL_OPENED in {e.type for e in new}) == out.responded
    assert sim.events[-len(new) :] == new
    assert len({e.id for e in sim.events}) == len(sim.events)
    # the new contact is history tomorrow: fatigue lowers the next probability
    tomorrow = day + timedelta(days=1)
    assert demo.truth.response_probability(
        hid, ActionType.EMAIL, tomorrow, content_id=content, history=sim.history_of(hid)
    ) < demo.truth.response_probability(
        hid, ActionType.EMAIL, tomorrow, content_id=content, history=sim.history_of(hid)[:before]
    )


def test_action_without_consent_has_zero_probability_and_leaves_no_trace(demo: DemoTerritory) -> None:
    sim = TerritorySimulator(demo)
    day = demo.today
    hid = next(h.id for h in demo.hcps if not demo.truth.consent_allows(h.id, ActionType.EMAIL, day))
    before = len(sim.events)
    (out,) = sim.step(day, [(hid, ActionType.EMAIL, None)])
    assert out.probability == 0.0 and not out.responded
    assert len(sim.events) == before


def test_unknown_hcp_or_content_is_refused(demo: DemoTerritory) -> None:
    sim = TerritorySimulator(demo)
    with pytest.raises(NotFoundError):
        sim.step(demo.today, [(HcpId("H99999"), ActionType.VISIT, None)])
    with pytest.raises(NotFoundError):
        sim.step(demo.today, [(demo.hcps[0].id, ActionType.EMAIL, "C999")])


def test_same_seed_gives_same_outcomes_and_the_original_territory_is_untouched() -> None:
    demo = generate_territory(hcps=60, seed=2, years=0.5)
    n_events = len(demo.events)
    a = _random_period(demo, seed=4, days=10, per_day=20)
    b = _random_period(demo, seed=4, days=10, per_day=20)
    assert a == b
    assert len(demo.events) == n_events


def test_oracle_auc_on_a_random_period_is_informative_but_below_one(demo: DemoTerritory) -> None:
    outcomes = [o for o in _random_period(demo, seed=1) if o.probability > 0]
    p = np.array([o.probability for o in outcomes])
    y = np.array([o.responded for o in outcomes])
    assert 0.05 < y.mean() < 0.6
    assert 0.72 < _auc(p, y) < 0.9
    # responses follow the probabilities: calibrated within sampling noise
    assert abs(y.mean() - p.mean()) < 0.03
