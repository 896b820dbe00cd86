"""Hand edits of a day plan: drag to reorder keeps the order, a cancelled visit is replaced in place."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from repcompanion.intel.plan import (
    Candidate,
    LockedVisit,
    PlanSettings,
    UnfittableOrderError,
    greedy_plan,
    plan_day,
    recompute_times,
    replace_cancelled,
)

BOSTON = (42.3601, -71.0589)
DAY = date(2026, 6, 10)


def line(n: int, step: float = 0.02, **kw: object) -> list[Candidate]:
    """Candidates north of Boston, one every ~2 km."""
    return [
        Candidate(f"h{i}", f"Dr {i}", BOSTON[0] + step * (i + 1), BOSTON[1], float(n - i), **kw)  # type: ignore[arg-type]
        for i in range(n)
    ]


def settings(**kw: object) -> PlanSettings:
    return PlanSettings(day=DAY, start=BOSTON, time_limit_s=0.2, **kw)  # type: ignore[arg-type]


def test_recompute_keeps_the_given_order_and_moves_times() -> None:
    cands = line(6)
    plan = plan_day(cands, settings())
    reordered = list(reversed(plan.order))
    again = recompute_times(reordered, cands, settings())
    assert list(again.order) == reordered
    for a, b in zip(again.visits, again.visits[1:], strict=False):
        assert b.arrive >= a.end + timedelta(minutes=b.travel_min) - timedelta(seconds=1)
    assert again.total_priority == pytest.approx(plan.total_priority)


def test_recompute_accepts_a_plan_and_gives_the_same_times() -> None:
    cands = line(5)
    plan = greedy_plan(cands, settings())
    assert recompute_times(plan, cands, settings()).visits == plan.visits


def test_recompute_names_the_visit_that_no_longer_fits() -> None:
    cands = [
        *line(3),
        Candidate("early", "Dr Early", BOSTON[0] + 0.3, BOSTON[1], 1.0, windows=((time(8, 30), time(9, 30)),)),
    ]
    order = ["h0", "h1", "h2", "early"]
    with pytest.raises(UnfittableOrderError) as err:
        recompute_times(order, cands, settings())
    assert err.value.hcp_id == "early"
    assert "Dr Early" in str(err.value) and "09:" in str(err.value)


def test_recompute_reports_a_day_that_runs_past_the_hours() -> None:
    cands = line(12, step=0.1)
    with pytest.raises(UnfittableOrderError, match=r"end of the working hours \(12:00\)") as err:
        recompute_times([c.hcp_id for c in cands], cands, settings(hours=(time(8, 30), time(12))))
    assert err.value.hcp_id == "h5"
    with pytest.raises(UnfittableOrderError, match="after the working hours end") as err:
        recompute_times(["h0", "h1", "h2"], cands, settings(hours=(time(8, 30), time(10, 30))))
    assert err.value.hcp_id == "h2"


def test_recompute_keeps_locked_visits_at_their_time() -> None:
    cands = line(4)
    locked = (LockedVisit("h3", time(11, 0)),)
    plan = recompute_times(["h0", "h3", "h1"], cands, settings(), locked)
    v = next(v for v in plan.visits if v.hcp_id == "h3")
    assert v.start.time() == time(11, 0) and v.locked


def test_replace_cancelled_fills_the_slot_and_keeps_the_rest() -> None:
    late = ((time(11), time(12)),)
    cands = [
        *line(2, duration_min=30),
        Candidate("h2", "Dr 2", BOSTON[0] + 0.06, BOSTON[1], 3.0, duration_min=30, windows=late),
        Candidate("spare_low", "Spare low", BOSTON[0] + 0.045, BOSTON[1] + 0.01, 0.5, duration_min=30),
        Candidate("spare_hi", "Spare high", BOSTON[0] + 0.05, BOSTON[1] - 0.01, 0.9, duration_min=30),
        Candidate("far", "Far away", BOSTON[0] + 0.9, BOSTON[1], 99.0, duration_min=30),
    ]
    s = settings(hours=(time(8, 30), time(12, 30)), breaks=())
    base = recompute_times(["h0", "h1", "h2"], cands, s)
    new = replace_cancelled(base, "h1", cands, s)
    assert new.order == ("h0", "spare_hi", "h2")
    old_times = {v.hcp_id: (v.start, v.end) for v in base.visits}
    for v in new.visits:
        if v.hcp_id != "spare_hi":
            assert (v.start, v.end) == old_times[v.hcp_id]
    assert "h1" in new.dropped and "far" in new.dropped
    assert new.total_priority == pytest.approx(base.total_priority - 1.0 + 0.9)


def test_replace_cancelled_without_a_fitting_candidate_just_removes_it() -> None:
    cands = [*line(3), Candidate("far", "Far away", BOSTON[0] + 1.0, BOSTON[1], 9.0)]
    plan = recompute_times(["h0", "h1", "h2"], cands, settings())
    new = replace_cancelled(plan, "h1", cands, settings())
    assert new.order == ("h0", "h2")
    assert new.visits[1].start == plan.visits[2].start


def test_replace_unknown_visit_is_a_clear_error() -> None:
    cands = line(3)
    plan = recompute_times(["h0"], cands, settings())
    with pytest.raises(Exception, match="not in the day's plan"):
        replace_cancelled(plan, "h2", cands, settings())
