"""Bad input gets a clear message that says what is wrong and what to do."""

from __future__ import annotations

from datetime import date, time

import pytest

from repcompanion.domain import PlanError
from repcompanion.intel.plan import (
    Candidate,
    LockedVisit,
    PlanInputError,
    PlanSettings,
    greedy_plan,
    plan_day,
    recompute_times,
    travel_minutes,
)

BOSTON = (42.3601, -71.0589)
DAY = date(2026, 6, 10)
CANDS = [Candidate(f"h{i}", f"Dr {i}", BOSTON[0] + 0.01 * i, BOSTON[1], 1.0) for i in range(5)]


def s(**kw: object) -> PlanSettings:
    return PlanSettings(**{"day": DAY, "start": BOSTON, "time_limit_s": 0.1, **kw})  # type: ignore[arg-type]


def test_no_candidates() -> None:
    with pytest.raises(PlanInputError, match="no candidates") as err:
        plan_day([], s())
    assert isinstance(err.value, PlanError)
    assert err.value.hint


def test_start_point_far_from_the_territory_suggests_swapped_coordinates() -> None:
    with pytest.raises(PlanInputError, match=r"The start point is \d+ km from your territory — check the coordinates"):
        plan_day(CANDS, s(start=(BOSTON[1], BOSTON[0])))
    with pytest.raises(PlanInputError, match="The end point is"):
        plan_day(CANDS, s(end=(40.7, -74.0 - 3)))


def test_start_point_that_is_not_a_coordinate() -> None:
    with pytest.raises(PlanInputError, match="not a valid latitude"):
        plan_day(CANDS, s(start=(142.0, -71.0)))


def test_hours_that_end_before_they_start() -> None:
    with pytest.raises(PlanInputError, match=r"end \(08:00\) before they start \(17:30\)"):
        plan_day(CANDS, s(hours=(time(17, 30), time(8, 0))))


def test_hours_shorter_than_one_visit() -> None:
    with pytest.raises(PlanInputError, match="shorter than one visit"):
        plan_day(CANDS, s(hours=(time(9, 0), time(9, 15))))


def test_locked_visit_outside_the_hours() -> None:
    with pytest.raises(PlanInputError, match="outside your working hours 08:30–17:30"):
        plan_day(CANDS, s(), [LockedVisit("h1", time(7, 45))])
    with pytest.raises(PlanInputError, match="outside your working hours"):
        plan_day(CANDS, s(), [LockedVisit("h1", time(17, 20))])


def test_locked_visits_that_overlap() -> None:
    with pytest.raises(PlanInputError, match=r"Dr 1.*Dr 2.*overlap"):
        plan_day(CANDS, s(), [LockedVisit("h2", time(10, 10)), LockedVisit("h1", time(10, 0))])


def test_locked_visit_not_among_candidates() -> None:
    with pytest.raises(PlanInputError, match="not among the candidates"):
        greedy_plan(CANDS, s(), [LockedVisit("zz", time(10, 0))])


def test_unknown_visit_type_and_bad_priority() -> None:
    with pytest.raises(PlanInputError, match="visit type 'lunch'"):
        plan_day([Candidate("x", "Dr X", *BOSTON, 1.0, visit_type="lunch")], s())
    with pytest.raises(PlanInputError, match="priority"):
        plan_day([Candidate("x", "Dr X", *BOSTON, float("nan"))], s())


def test_duplicate_candidates_and_bad_time_zone() -> None:
    with pytest.raises(PlanInputError, match="listed twice"):
        plan_day([CANDS[0], CANDS[0]], s())
    with pytest.raises(PlanInputError, match="Unknown time zone"):
        plan_day(CANDS, s(time_zone="Mars/Olympus"))


def test_reorder_with_unknown_or_missing_visits() -> None:
    with pytest.raises(PlanInputError, match="not among the candidates"):
        recompute_times(["h1", "nope"], CANDS, s())
    with pytest.raises(PlanInputError, match="missing from the order"):
        recompute_times(["h1"], CANDS, s(), [LockedVisit("h2", time(10, 0))])


def test_travel_minutes_is_haversine_times_road_factor_over_speed() -> None:
    boston, nyc = BOSTON, (40.7128, -74.0060)
    km = 306.1  # great-circle Boston–New York
    assert travel_minutes(boston, nyc, s()) == pytest.approx(km * 1.3 / 50 * 60, rel=0.005)
    assert travel_minutes(boston, boston, s()) == 0.0
