"""HCP features on a day: recency, frequency, call-plan progress, rates and topic engagement."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest

from repcompanion.domain import (
    Address,
    CallPlan,
    CallPlanId,
    EngagementEvent,
    EventId,
    EventType,
    Hcp,
    HcpId,
    Segment,
    TerritoryId,
)
from repcompanion.intel.propensity.features import hcp_features
from repcompanion.intel.territory import EventIndex, FollowUp, events_frame

DAY = date(2026, 11, 24)


def _hcp(i: int) -> Hcp:
    return Hcp(
        HcpId(f"H{i}"),
        None,
        "A",
        f"B{i}",
        "MD",
        "207RC0000X",
        "Cardiology",
        Segment.A,
        9,
        Address("1 Main St", "Boston", "MA", "02110"),
    )


def _ev(k: int, hcp: str, kind: EventType, days_ago: int, topics: tuple[str, ...] = ()) -> EngagementEvent:
    return EngagementEvent(
        EventId(f"E{k}"), HcpId(hcp), kind, datetime.combine(DAY - timedelta(days=days_ago), time(9)), topics=topics
    )


EVENTS = [
    _ev(1, "H0", EventType.VISIT, 47, ("efficacy",)),
    _ev(2, "H0", EventType.VISIT, 10),
    _ev(3, "H0", EventType.EMAIL_SENT, 3, ("efficacy",)),
    _ev(4, "H0", EventType.EMAIL_OPENED, 3, ("efficacy",)),
    _ev(5, "H0", EventType.EMAIL_SENT, 40, ("safety",)),
    _ev(6, "H0", EventType.VISIT, 0),  # today: not in the features of today
    _ev(7, "H1", EventType.WEB_VISIT, 5, ("dosing",)),
]
PLANS = [CallPlan(CallPlanId("P0"), TerritoryId("T"), HcpId("H0"), date(2026, 10, 1), date(2026, 12, 31), 4)]


@pytest.mark.parametrize("as_frame", [False, True])
def test_recency_frequency_and_plan_progress(as_frame: bool):
    hcps = [_hcp(0), _hcp(1)]
    index = EventIndex([h.id for h in hcps], events_frame(EVENTS) if as_frame else EVENTS)
    table = hcp_features(index, hcps, DAY, call_plans=PLANS, follow_ups=[FollowUp(HcpId("H1"), "send PI", DAY)])
    h0, h1 = table.frame.loc["H0"], table.frame.loc["H1"]
    assert h0["days_since_visit"] == 10 and h0["visits_30"] == 1 and h0["visits_90"] == 2
    assert h0["days_since_email"] == 3 and h0["contacts_7"] == 1 and h0["contacts_30"] == 2
    assert (h0["plan_planned"], h0["plan_done"], h0["plan_gap"]) == (4, 2, 2)
    assert h0["quarter_elapsed"] == pytest.approx(54 / 92)
    assert h0["visit_tries"] == 2 and h0["visit_successes"] == 1
    assert np.isnan(h1["days_since_visit"]) and h1["days_since_signal"] == 5
    assert h1["open_follow_ups"] == 1 and h1["follow_up_due_in"] == 0
    topics = index.topics
    assert table.topic_signal_age[0, topics.index("efficacy")] == 3
    assert table.topic_sent[0, topics.index("safety")] == 1 and table.topic_opened[0, topics.index("safety")] == 0
    prior = table.priors["email_open_rate"]
    assert h0["email_open_rate"] == pytest.approx((1 + 2 * prior) / (2 + 2))
    assert h1["email_open_rate"] == pytest.approx(prior)


def test_features_of_a_few_hcps_equal_those_of_all():
    hcps = [_hcp(0), _hcp(1)]
    index = EventIndex([h.id for h in hcps], EVENTS)
    full = hcp_features(index, hcps, DAY, call_plans=PLANS)
    one = hcp_features(index, hcps, DAY, positions=np.array([1]), call_plans=PLANS, priors=full.priors)
    assert one.frame.loc["H1"].equals(full.frame.loc["H1"])
    index.add([_ev(99, "H1", EventType.VISIT, 2)])
    after = hcp_features(index, hcps, DAY, positions=np.array([1]), priors=full.priors)
    assert after.frame.loc["H1", "days_since_visit"] == 2


def test_todays_events_count_for_live_ranking_only():
    hcps = [_hcp(0), _hcp(1)]
    index = EventIndex([h.id for h in hcps], EVENTS)
    strict = hcp_features(index, hcps, DAY, call_plans=PLANS)
    live = hcp_features(index, hcps, DAY, call_plans=PLANS, include_today=True)
    h0 = live.frame.loc["H0"]
    assert h0["days_since_visit"] == 0 and h0["contacts_7"] == 2 and h0["visits_30"] == 2
    assert (h0["plan_done"], h0["plan_gap"]) == (3, 1) and h0["visit_tries"] == 3
    assert strict.frame.loc["H0", "plan_done"] == 2
    assert live.priors == strict.priors  # today's events never move the territory-wide priors
    assert live.frame.loc["H1"].equals(strict.frame.loc["H1"])


def test_rates_are_shrunk_by_how_much_hcps_really_differ():
    from repcompanion.intel.propensity.features import _shrinkage_strength

    rng = np.random.default_rng(0)
    tries = np.full(400, 20.0)
    alike = rng.binomial(20, 0.3, size=400).astype(float)
    differ = rng.binomial(20, rng.beta(1.5, 3.5, size=400)).astype(float)
    assert _shrinkage_strength(differ, tries, 0.3) < 10 < _shrinkage_strength(alike, tries, 0.3)
    assert _shrinkage_strength(alike[:5], tries[:5], 0.3) == 2.0


def test_topic_interest_comes_from_the_hcps_own_website_views():
    from repcompanion.intel.propensity.pairs import topic_scores

    hcps = [_hcp(0), _hcp(1)]
    topics = ["dosing", "efficacy", "safety"]
    index = EventIndex([h.id for h in hcps], EVENTS, topics=topics)
    table = hcp_features(index, hcps, DAY)
    # H0 only opened an efficacy email (what was sent, not what they chose); H1 looked up dosing
    assert table.topic_signals[0].tolist() == [0.0, 0.0, 0.0]
    assert table.topic_signals[1].tolist() == [1.0, 0.0, 0.0]
    _, share = topic_scores(table)
    assert np.allclose(share[0], 0.0)
    assert share[1, 0] > 0 > share[1, 1] and share[1, 1] == share[1, 2]


def test_website_views_reached_from_an_email_click_do_not_count_as_chosen_interest():
    hcps = [_hcp(0)]
    topics = ["dosing", "efficacy"]
    events = [
        _ev(1, "H0", EventType.EMAIL_SENT, 4, ("efficacy",)),
        _ev(2, "H0", EventType.EMAIL_OPENED, 4, ("efficacy",)),
        _ev(3, "H0", EventType.EMAIL_CLICKED, 4, ("efficacy",)),
        _ev(4, "H0", EventType.WEB_VISIT, 4, ("efficacy",)),  # the page the click led to
        _ev(5, "H0", EventType.WEB_VISIT, 9, ("dosing",)),  # looked up on their own
    ]
    table = hcp_features(EventIndex([h.id for h in hcps], events, topics=topics), hcps, DAY)
    assert table.topic_signals[0].tolist() == [1.0, 0.0]
    assert table.topic_signal_age[0].tolist() == [9.0, 4.0]  # the click still counts as recent engagement


def test_contacts_are_measured_against_the_hcps_usual_load():
    hcps = [_hcp(0)]
    # twelve emails a month for the past year, none in the last 30 days
    events = [_ev(k, "H0", EventType.EMAIL_SENT, 31 + 2 * k) for k in range(150)]
    f = hcp_features(EventIndex([h.id for h in hcps], events, topics=[]), hcps, DAY).frame.loc["H0"]
    usual = 150 * 30.0 / 365.0  # the 150 sends fall within the year (days 31..329)
    assert f["contacts_30_usual"] == pytest.approx(usual)
    assert f["contacts_30_vs_usual"] == pytest.approx(-usual)
    assert f["contacts_7_vs_usual"] == pytest.approx(-usual * 7.0 / 30.0)


def test_the_best_weekday_is_inferred_from_productive_calls():
    from repcompanion.intel.propensity.pairs import weekday_posterior

    rate = np.array([0.5, 0.5, 0.5])
    tries = np.array([[6.0, 6, 6, 6, 6], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]])
    wins = np.array([[6.0, 3, 3, 3, 3], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    post = weekday_posterior(tries, wins, rate)
    assert np.allclose(post.sum(axis=1), 1.0)
    assert post[0].argmax() == 0 and post[0, 0] > 0.5  # six of six on Mondays, half on other days
    assert np.allclose(post[1], 0.2)  # no calls: even over the five days
    assert 0.2 < post[2, 0] < post[0, 0]  # one productive Monday says less than six
