"""Baseline planner: repeatedly go to the candidate with the most priority per minute of travel."""

from __future__ import annotations

from collections.abc import Sequence

from repcompanion.intel.plan.problem import Problem, build_problem
from repcompanion.intel.plan.records import Candidate, DayPlan, LockedVisit, PlanSettings
from repcompanion.intel.plan.schedule import Schedule, check_bookings, earliest, schedule, to_day_plan

__all__ = ["greedy_order", "greedy_plan"]


def greedy_order(problem: Problem) -> Schedule:
    """Nearest-highest-priority: next = argmax priority / (1 + travel minutes), while it still fits.

    Booked visits stay in time order; a candidate is taken only if every booked visit after it and the
    drive home still fit.
    """
    s = problem.settings
    pending = check_bookings(problem)
    free = [k for k, st in enumerate(problem.stops) if not st.locked and st.allowed and st.priority > 0]
    route: list[int] = []
    while True:
        if s.max_visits is not None and len(route) + len(pending) >= s.max_visits:
            if not pending:
                break
            route.append(pending.pop(0))
            continue
        here = route[-1] + 2 if route else 0
        ranked = sorted(free, key=lambda k: -problem.stops[k].priority / (1.0 + problem.travel_s[here, k + 2] / 60.0))
        for k in ranked:
            if earliest(problem, [*route, k, *pending]).ok:
                route.append(k)
                free.remove(k)
                break
        else:
            if not pending:
                break
            route.append(pending.pop(0))
    return schedule(problem, route)


def greedy_plan(candidates: Sequence[Candidate], settings: PlanSettings, locked: Sequence[LockedVisit] = ()) -> DayPlan:
    """The baseline the optimiser is measured against (and a fallback)."""
    problem = build_problem(candidates, settings, locked)
    sched = greedy_order(problem)
    return to_day_plan(problem, sched)
