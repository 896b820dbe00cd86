"""The ground truth: deterministic probabilities, consent gates, fatigue and timing, learnable history."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.domain import ActionType, EngagementEvent, EventId, EventType, HcpId
from repcompanion.simulate import CONTACT_OF_ACTION, DemoTerritory, observed_actions


def _history(demo: DemoTerritory) -> dict[HcpId, list[EngagementEvent]]:
    by: dict[HcpId, list[EngagementEvent]] = defaultdict(list)
    for e in demo.events:
        by[e.hcp_id].append(e)
    return by


def _consented(demo: DemoTerritory, action: ActionType, day: date) -> list[HcpId]:
    return [h.id for h in demo.hcps if demo.truth.consent_allows(h.id, action, day)]


@settings(max_examples=60, deadline=None)
@given(
    idx=st.integers(min_value=0, max_value=299),
    action=st.sampled_from(list(ActionType)),
    offset=st.integers(min_value=0, max_value=700),
    with_content=st.booleans(),
)
def test_truth_is_deterministic_and_a_probability(
    demo: DemoTerritory, idx: int, action: ActionType, offset: int, with_content: bool
) -> None:
    hcp = demo.hcps[idx]
    day = demo.today - timedelta(days=offset)
    history = [e for e in demo.events if e.hcp_id == hcp.id] if offset % 3 == 0 else []
    content = demo.content[offset % len(demo.content)].id if with_content else None
    p1 = demo.truth.response_probability(hcp.id, action, day, content_id=content, history=history)
    p2 = demo.truth.response_probability(hcp.id, action, day, content_id=content, history=list(history))
    assert p1 == p2
    assert 0.0 <= p1 <= 1.0
    if not demo.truth.consent_allows(hcp.id, action, day):
        assert p1 == 0.0
    else:
        assert 0.0 < p1 < 1.0


def test_truth_is_zero_without_consent_and_for_do_not_contact(demo: DemoTerritory) -> None:
    no_email = [h.id for h in demo.hcps if not demo.truth.consent_allows(h.id, ActionType.EMAIL, demo.today)]
    assert no_email
    for hid in no_email:
        assert demo.truth.response_probability(hid, ActionType.EMAIL, demo.today) == 0.0
        assert demo.truth.response_probability(hid, ActionType.EVENT_INVITE, demo.today) == 0.0
    for h in demo.hcps:
        if h.do_not_contact:
            assert all(demo.truth.response_probability(h.id, a, demo.today) == 0.0 for a in ActionType)


def test_truth_matches_the_probabilities_that_generated_the_history(demo: DemoTerritory) -> None:
    by = _history(demo)
    events = {e.id: e for e in demo.events}
    rng = random.Random(5)
    for eid in rng.sample(sorted(demo.contact_probabilities), 400):
        e = events[eid]
        p = demo.truth.response_probability(
            e.hcp_id, CONTACT_OF_ACTION[e.type], e.occurred_at.date(), content_id=e.content_id, history=by[e.hcp_id]
        )
        assert abs(p - demo.contact_probabilities[eid]) < 1e-6, e


def _contact(hcp: HcpId, at: datetime, k: int) -> EngagementEvent:
    return EngagementEvent(EventId(f"X{k}"), hcp, EventType.EMAIL_SENT, at, topics=("access",))


def test_recent_contacts_lower_the_probability(demo: DemoTerritory) -> None:
    day = demo.today
    for hid in _consented(demo, ActionType.VISIT, day)[:40]:
        quiet = demo.truth.response_probability(hid, ActionType.VISIT, day)
        at = datetime.combine(day, datetime.min.time())
        month = [_contact(hid, at - timedelta(days=10 + k), k) for k in range(4)]
        week = [_contact(hid, at - timedelta(days=1 + k), k) for k in range(4)]
        tired = demo.truth.response_probability(hid, ActionType.VISIT, day, history=month)
        exhausted = demo.truth.response_probability(hid, ActionType.VISIT, day, history=week)
        assert quiet > tired > exhausted
        # contacts on or after the day itself are not history
        later = [_contact(hid, at + timedelta(hours=9), 1)]
        assert demo.truth.response_probability(hid, ActionType.VISIT, day, history=later) == quiet


def test_recently_read_clinical_content_raises_msl_acceptance(demo: DemoTerritory) -> None:
    day = demo.today
    at = datetime.combine(day, datetime.min.time())
    for hid in _consented(demo, ActionType.MSL_REFERRAL, day)[:40]:
        base = demo.truth.response_probability(hid, ActionType.MSL_REFERRAL, day)
        read = [
            EngagementEvent(
                EventId("R1"), hid, EventType.EMAIL_CLICKED, at - timedelta(days=2), topics=("clinical_data",)
            )
        ]
        stale = [replace(read[0], occurred_at=at - timedelta(days=120))]
        other = [replace(read[0], topics=("access",))]
        boosted = demo.truth.response_probability(hid, ActionType.MSL_REFERRAL, day, history=read)
        assert boosted > base + 0.05
        assert demo.truth.response_probability(hid, ActionType.MSL_REFERRAL, day, history=stale) < boosted
        assert demo.truth.response_probability(hid, ActionType.MSL_REFERRAL, day, history=other) < boosted


def test_history_reflects_hidden_email_receptivity(demo: DemoTerritory) -> None:
    sent: dict[HcpId, int] = defaultdict(int)
    opened: dict[HcpId, int] = defaultdict(int)
    for e in demo.events:
        if e.type is EventType.EMAIL_SENT:
            sent[e.hcp_id] += 1
        elif e.type is EventType.EMAIL_OPENED:
            opened[e.hcp_id] += 1
    ids = [h for h in sent if sent[h] >= 30]
    assert len(ids) > 100
    rate = np.array([opened[h] / sent[h] for h in ids])
    hidden = np.array([demo.truth.params[h].receptivity["email"] for h in ids])
    assert np.corrcoef(hidden, rate)[0, 1] > 0.5


def test_history_reflects_hidden_visit_receptivity(demo: DemoTerritory) -> None:
    held: dict[HcpId, list[bool]] = defaultdict(list)
    for e in demo.events:
        if e.type is EventType.VISIT:
            held[e.hcp_id].append(bool(e.topics))
    ids = [h for h in held if len(held[h]) >= 12]
    rate = np.array([np.mean(held[h]) for h in ids])
    hidden = np.array([demo.truth.params[h].receptivity["in_person"] for h in ids])
    assert np.corrcoef(hidden, rate)[0, 1] > 0.3


def test_observed_outcomes_in_history_follow_the_true_probabilities(demo: DemoTerritory) -> None:
    observed = observed_actions(demo.events)
    assert len(observed) == len(demo.contact_probabilities)
    for action in ActionType:
        rows = [o for o in observed if o.action is action]
        assert len(rows) > 100, action
        rate = np.mean([o.responded for o in rows])
        expected = np.mean([demo.contact_probabilities[o.event_id] for o in rows])
        assert abs(rate - expected) < 4 * np.sqrt(expected * (1 - expected) / len(rows)) + 0.005, action
