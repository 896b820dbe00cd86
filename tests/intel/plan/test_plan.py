"""The day planner keeps every hard rule (windows, hours, breaks, bookings, travel) and collects priority."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repcompanion.domain import PlanError
from repcompanion.intel.plan import (
    Candidate,
    DayPlan,
    LockedVisit,
    PlanSettings,
    greedy_plan,
    plan_day,
    travel_minutes,
)

BOSTON = (42.3601, -71.0589)
DAY = date(2026, 6, 10)


def scatter(n: int, seed: int, *, spread_km: float = 25.0, **kw: object) -> list[Candidate]:
    rng = random.Random(seed)
    deg = spread_km / 111.0
    return [
        Candidate(
            hcp_id=f"h{i}",
            name=f"Dr {i}",
            latitude=BOSTON[0] + rng.uniform(-deg, deg),
            longitude=BOSTON[1] + rng.uniform(-deg, deg) * 1.35,
            priority=round(rng.paretovariate(1.5), 3),
            **kw,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


def at(day: date, t: time, plan: DayPlan) -> datetime:
    return datetime.combine(day, t, tzinfo=plan.visits[0].start.tzinfo if plan.visits else None)


def breaks_in_effect(plan: DayPlan) -> list[tuple[datetime, datetime]]:
    """The settings' breaks, except those a booked visit overlaps (the booking replaces the break)."""
    day = plan.settings.day
    out = []
    for b0, b1 in plan.settings.breaks:
        lo, hi = at(day, b0, plan), at(day, b1, plan)
        if not any(v.locked and v.start < hi and lo < v.end for v in plan.visits):
            out.append((lo, hi))
    return out


def break_overlap(a: datetime, b: datetime, plan: DayPlan) -> timedelta:
    total = timedelta()
    for b0, b1 in breaks_in_effect(plan):
        lo, hi = max(a, b0), min(b, b1)
        if hi > lo:
            total += hi - lo
    return total


def duration(c: Candidate, s: PlanSettings) -> int:
    return c.duration_min if c.duration_min is not None else s.visit_minutes[c.visit_type]


def assert_feasible(plan: DayPlan, candidates: list[Candidate], locked: tuple[LockedVisit, ...] = ()) -> None:
    """Every hard rule of the day, checked from the public output only."""
    s = plan.settings
    by_id = {c.hcp_id: c for c in candidates}
    booked = {lv.hcp_id: lv for lv in locked}
    assert {lv.hcp_id for lv in locked} <= set(plan.order)
    assert len(set(plan.order)) == len(plan.order)
    assert set(plan.order).isdisjoint(plan.dropped)
    assert set(plan.order) | set(plan.dropped) == set(by_id)
    if not plan.visits:
        return
    day_start, day_end = (at(s.day, t, plan) for t in s.hours)
    prev_end, prev_point = day_start, s.start
    for i, v in enumerate(plan.visits, start=1):
        c = by_id[v.hcp_id]
        assert v.order == i
        drive = travel_minutes(prev_point, c, s)
        assert v.travel_min == pytest.approx(drive, abs=0.02)
        driving_time = (v.arrive - prev_end) - break_overlap(prev_end, v.arrive, plan)
        assert driving_time >= timedelta(minutes=drive) - timedelta(seconds=1), f"{v.hcp_id} teleported"
        assert v.start >= v.arrive
        assert day_start <= v.start and v.end <= day_end
        assert break_overlap(v.start, v.end, plan) == timedelta()
        if v.hcp_id in booked:
            lv = booked[v.hcp_id]
            booked_at = at(s.day, lv.start, plan)
            assert v.locked
            assert booked_at <= v.start <= booked_at + timedelta(minutes=s.lock_tolerance_min)
        else:
            assert not v.locked
            assert v.end - v.start == timedelta(minutes=duration(c, s))
            if c.windows:
                assert any(at(s.day, w0, plan) <= v.start and v.end <= at(s.day, w1, plan) for w0, w1 in c.windows), (
                    f"{v.hcp_id} outside its windows"
                )
        prev_end, prev_point = v.end, (c.latitude, c.longitude)
    back = travel_minutes(prev_point, s.end_point, s)
    driving_time = (plan.end_at - prev_end) - break_overlap(prev_end, plan.end_at, plan)
    assert driving_time >= timedelta(minutes=back) - timedelta(seconds=1)
    assert plan.end_at <= day_end
    assert plan.total_priority == pytest.approx(sum(v.priority for v in plan.visits))


def test_plan_respects_windows_hours_break_and_travel() -> None:
    cands = scatter(40, 1)
    rng = random.Random(7)
    windowed = []
    for c in cands:
        pick = rng.random()
        if pick < 0.3:
            c = Candidate(**{**c.__dict__, "windows": ((time(9), time(11, 30)), (time(14), time(16)))})
        elif pick < 0.5:
            c = Candidate(**{**c.__dict__, "windows": ((time(13, 30), time(17)),)})
        windowed.append(c)
    s = PlanSettings(day=DAY, start=BOSTON, time_limit_s=0.5)
    plan = plan_day(windowed, s)
    assert 6 <= len(plan.visits) <= 16
    assert_feasible(plan, windowed)


def test_locked_visits_are_kept_at_their_booked_time() -> None:
    cands = scatter(30, 2)
    locked = (LockedVisit("h5", time(10, 0)), LockedVisit("h17", time(15, 15), duration_min=45))
    s = PlanSettings(day=DAY, start=BOSTON, time_limit_s=0.3)
    plan = plan_day(cands, s, locked)
    assert_feasible(plan, cands, locked)
    starts = {v.hcp_id: v.start.time() for v in plan.visits}
    assert starts["h5"] == time(10, 0)
    assert starts["h17"] == time(15, 15)
    v17 = next(v for v in plan.visits if v.hcp_id == "h17")
    assert v17.end - v17.start == timedelta(minutes=45)


def test_locked_visit_over_lunch_replaces_the_break() -> None:
    cands = scatter(15, 3)
    locked = (LockedVisit("h1", time(12, 15), duration_min=60),)
    s = PlanSettings(day=DAY, start=BOSTON, time_limit_s=0.2)
    plan = plan_day(cands, s, locked)
    v = next(v for v in plan.visits if v.hcp_id == "h1")
    assert v.start.time() == time(12, 15)


def test_optimiser_collects_at_least_the_greedy_prize() -> None:
    cands = scatter(120, 4, spread_km=45, duration_min=30)
    s = PlanSettings(day=DAY, start=BOSTON, time_limit_s=0.5)
    best = plan_day(cands, s)
    base = greedy_plan(cands, s)
    assert_feasible(best, cands)
    assert_feasible(base, cands)
    assert best.total_priority >= base.total_priority - 1e-9


def test_high_priority_is_preferred_over_many_small_ones() -> None:
    near = [Candidate(f"n{i}", f"Near {i}", BOSTON[0] + 0.001 * i, BOSTON[1], 0.1, duration_min=60) for i in range(8)]
    star = Candidate("star", "Star", BOSTON[0] + 0.15, BOSTON[1], 50.0, duration_min=60)
    s = PlanSettings(day=DAY, start=BOSTON, hours=(time(9), time(13)), breaks=(), time_limit_s=0.2)
    plan = plan_day([*near, star], s)
    assert "star" in plan.order
    assert plan.dropped[0] == "n0" or plan.dropped[0].startswith("n")


def test_max_visits_caps_the_day() -> None:
    cands = scatter(30, 5)
    s = PlanSettings(day=DAY, start=BOSTON, max_visits=3, time_limit_s=0.2)
    plan = plan_day(cands, s)
    assert len(plan.visits) == 3
    assert_feasible(plan, cands)


def test_preferred_time_is_honoured_when_the_wait_is_short() -> None:
    c = Candidate("p", "Dr Pref", BOSTON[0] + 0.01, BOSTON[1], 1.0, preferred=(time(10, 0), time(11, 0)))
    s = PlanSettings(day=DAY, start=BOSTON, hours=(time(9, 30), time(12)), breaks=(), time_limit_s=0.1)
    plan = plan_day([c], s)
    assert time(10, 0) <= plan.visits[0].start.time() <= time(11, 0)


def test_end_point_differs_from_start() -> None:
    cands = scatter(20, 6)
    office = (BOSTON[0] + 0.2, BOSTON[1] - 0.2)
    s = PlanSettings(day=DAY, start=BOSTON, end=office, time_limit_s=0.2)
    plan = plan_day(cands, s)
    assert_feasible(plan, cands)


def test_progress_is_reported_and_cancel_returns_a_valid_plan() -> None:
    cands = scatter(60, 8)
    s = PlanSettings(day=DAY, start=BOSTON, time_limit_s=5.0)
    seen: list[float] = []
    calls = [0]

    def cancelled() -> bool:
        calls[0] += 1
        return calls[0] > 50

    started = datetime.now()
    plan = plan_day(cands, s, progress=lambda f, m: seen.append(f), cancelled=cancelled)
    assert datetime.now() - started < timedelta(seconds=4)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert_feasible(plan, cands)


def test_candidates_that_cannot_fit_are_dropped_not_fatal() -> None:
    ok = scatter(5, 9)
    closed = Candidate("closed", "Closed", BOSTON[0], BOSTON[1], 99.0, windows=((time(6), time(7)),))
    plan = plan_day([*ok, closed], PlanSettings(day=DAY, start=BOSTON, time_limit_s=0.1))
    assert "closed" in plan.dropped


def test_no_plan_is_an_error_only_when_bookings_collide() -> None:
    a = Candidate("a", "Dr A", BOSTON[0], BOSTON[1], 1.0)
    b = Candidate("b", "Dr B", BOSTON[0] + 0.9, BOSTON[1], 1.0)
    locked = (LockedVisit("a", time(10)), LockedVisit("b", time(10, 25)))
    with pytest.raises(PlanError, match="Dr B"):
        plan_day([a, b], PlanSettings(day=DAY, start=BOSTON), locked)


window = st.tuples(st.integers(8 * 4, 17 * 4), st.integers(2, 16)).map(
    lambda t: (time(t[0] // 4, t[0] % 4 * 15), time(min(23, (t[0] + t[1]) // 4), (t[0] + t[1]) % 4 * 15))
)
candidate = st.builds(
    lambda i, dlat, dlon, prio, dur, wins: (dlat, dlon, prio, dur, tuple(w for w in wins if w[1] > w[0])),
    st.integers(),
    st.floats(-0.2, 0.2),
    st.floats(-0.25, 0.25),
    st.floats(0.0, 10.0),
    st.sampled_from([10, 20, 30, 45, 60]),
    st.lists(window, max_size=2),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(candidate, min_size=1, max_size=8),
    lunch=st.booleans(),
    lock=st.one_of(st.none(), st.integers(9 * 4, 15 * 4)),
)
def test_random_days_respect_every_window(specs, lunch, lock) -> None:
    cands = [
        Candidate(f"r{i}", f"R {i}", BOSTON[0] + la, BOSTON[1] + lo, p, duration_min=d, windows=w)
        for i, (la, lo, p, d, w) in enumerate(specs)
    ]
    locked = () if lock is None else (LockedVisit("r0", time(lock // 4, lock % 4 * 15), duration_min=20),)
    breaks = ((time(12, 30), time(13, 0)),) if lunch else ()
    s = PlanSettings(day=DAY, start=BOSTON, breaks=breaks, time_limit_s=0.05)
    try:
        plan = plan_day(cands, s, locked)
    except PlanError:
        assert locked, "only a booked visit that cannot be reached may make a day unplannable"
        return
    assert_feasible(plan, cands, locked)
