"""The day planner: a prize-collecting vehicle-routing problem with time windows (OR-Tools routing).

One vehicle leaves the start point at the start of the working hours and must be back at the end point
by their end. Every candidate is optional (a disjunction whose penalty is its priority, so dropping it
costs its priority); booked visits are mandatory and pinned to their time. Service times, availability
windows (gaps removed from the start domain), the lunch break (a vehicle break interval) and preferred
times (soft bounds) live in one time dimension. Travel is only a tie-breaker: a whole day of driving
costs less than a thousandth of the top priority.

``plan_day`` validates, builds the greedy route, shortlists ~90 candidates, runs the search portfolio
(each with a share of the time limit) and re-times the best order with ``schedule`` — never returning
less priority than the greedy route.
"""

from __future__ import annotations

import itertools
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util.optional_boolean_pb2 import BOOL_TRUE

from repcompanion.domain import Cancelled, PlanError, Progress, never_cancelled, no_progress
from repcompanion.intel.plan.greedy import greedy_order
from repcompanion.intel.plan.problem import Problem, build_problem
from repcompanion.intel.plan.records import Candidate, DayPlan, LockedVisit, PlanSettings
from repcompanion.intel.plan.schedule import schedule, to_day_plan
from repcompanion.intel.plan.shortlist import shortlist

__all__ = ["PORTFOLIO", "PRIZE_SCALE", "Strategy", "plan_day", "solve_order"]

PRIZE_SCALE = 10_000_000
"""Solver units of the highest priority; one second of driving costs 1."""
LATE_BOOKING_COST_PER_S = PRIZE_SCALE // 100 // 60
"""Starting a booked visit a minute late (within the tolerance) costs 1 % of the top priority."""
PREFERRED_SHARE_PER_HOUR = 0.02
"""Starting an hour outside the preferred time costs 2 % of that visit's priority."""
_LS = routing_enums_pb2.LocalSearchMetaheuristic
_FS = routing_enums_pb2.FirstSolutionStrategy


@dataclass(frozen=True)
class Strategy:
    """One search of the portfolio: a metaheuristic, extra neighbourhoods, and whether to start from greedy."""

    metaheuristic: int
    operators: tuple[str, ...] = ()
    from_greedy: bool = True
    """Start from the best route so far (the greedy one at first) instead of cheapest insertion."""
    share: float = 0.5
    """Share of the time limit."""


PORTFOLIO = (
    # Insertion/removal of optional visits near each other is what prize collecting needs most.
    Strategy(
        _LS.GUIDED_LOCAL_SEARCH,
        (
            "use_global_cheapest_insertion_close_nodes_lns",
            "use_local_cheapest_insertion_close_nodes_lns",
            "use_inactive_lns",
        ),
    ),
    # A differently biased second opinion from a different start; the best of both is kept.
    Strategy(
        _LS.TABU_SEARCH,
        ("use_extended_swap_active", "use_relocate_and_make_active", "use_exchange_and_make_active"),
        from_greedy=False,
    ),
)


def _ranges_to_domain(cumul: pywrapcp.IntVar, ranges: Sequence[tuple[int, int]]) -> None:
    cumul.SetRange(ranges[0][0], ranges[-1][1])
    for (_, b), (a, _) in itertools.pairwise(ranges):
        cumul.RemoveInterval(b + 1, a - 1)


def solve_order(
    problem: Problem,
    keep: Sequence[int],
    time_limit_s: float,
    *,
    hint: Sequence[int] = (),
    strategy: Strategy = PORTFOLIO[0],
    cancelled: Cancelled = never_cancelled,
    progress: Progress = no_progress,
) -> list[int] | None:
    """Best visit order (stop indices) among ``keep`` found within the time limit, or None."""
    s = problem.settings
    nodes = [0, 1, *(k + 2 for k in keep)]
    n = len(nodes)
    travel = problem.travel_s[np.ix_(nodes, nodes)]
    service = np.array([0, 0, *(problem.stops[k].duration_s for k in keep)], dtype=np.int64)
    manager = pywrapcp.RoutingIndexManager(n, 1, [0], [1])
    routing = pywrapcp.RoutingModel(manager)
    cost_cb = routing.RegisterTransitMatrix(travel.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
    day = 24 * 3600
    routing.AddDimension(time_cb, day, day, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    h0, h1 = problem.hours
    time_dim.CumulVar(routing.Start(0)).SetRange(h0, h1)
    time_dim.CumulVar(routing.End(0)).SetRange(h0, h1)
    top = max((st.priority for st in problem.stops), default=0.0) or 1.0
    for pos, k in enumerate(keep, start=2):
        stop = problem.stops[k]
        index = manager.NodeToIndex(pos)
        cumul = time_dim.CumulVar(index)
        _ranges_to_domain(cumul, stop.allowed)
        if stop.locked:
            time_dim.SetCumulVarSoftUpperBound(index, stop.allowed[0][0], LATE_BOOKING_COST_PER_S)
            continue
        prize = round(stop.priority / top * PRIZE_SCALE)
        routing.AddDisjunction([index], prize)
        if stop.preferred is not None:
            coef = max(1, round(prize * PREFERRED_SHARE_PER_HOUR / 3600))
            time_dim.SetCumulVarSoftLowerBound(index, stop.preferred[0], coef)
            time_dim.SetCumulVarSoftUpperBound(index, stop.preferred[1], coef)
    if problem.breaks:
        solver = routing.solver()
        intervals = [
            solver.FixedDurationIntervalVar(b0, b0, b1 - b0, False, f"break{i}")
            for i, (b0, b1) in enumerate(problem.breaks)
        ]
        visit = [int(service[manager.IndexToNode(i)]) for i in range(routing.Size() + routing.vehicles())]
        time_dim.SetBreakIntervalsOfVehicle(intervals, 0, visit)
    if s.max_visits is not None:
        count_cb = routing.RegisterUnaryTransitVector([0, 0, *([1] * len(keep))])
        routing.AddDimension(count_cb, 0, s.max_visits, True, "Visits")
    for node in (routing.Start(0), routing.End(0)):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(node))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = _FS.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = strategy.metaheuristic
    for name in strategy.operators:
        setattr(params.local_search_operators, name, BOOL_TRUE)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))

    started = _time.monotonic()
    stop_flag = [False]

    def limit() -> bool:
        if not stop_flag[0] and cancelled():
            stop_flag[0] = True
        return stop_flag[0]

    def on_solution() -> None:
        frac = min(1.0, (_time.monotonic() - started) / max(time_limit_s, 1e-3))
        progress(frac, "Improving the route")

    routing.AddSearchMonitor(routing.solver().CustomLimit(limit))
    routing.AddAtSolutionCallback(on_solution)
    position = {k: pos for pos, k in enumerate(keep, start=2)}
    solution = None
    if strategy.from_greedy and hint and all(k in position for k in hint):
        routing.CloseModelWithParameters(params)
        # RoutesToAssignment only sets the next-variables (ReadAssignmentFromRoutes would spend the
        # whole time limit assigning slack and break variables first).
        start_assignment = routing.solver().Assignment()
        routes = [[manager.NodeToIndex(position[k]) for k in hint]]
        if routing.RoutesToAssignment(routes, True, True, start_assignment):
            solution = routing.SolveFromAssignmentWithParameters(start_assignment, params)
    if solution is None and not stop_flag[0]:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    order: list[int] = []
    index = routing.Start(0)
    while True:
        index = solution.Value(routing.NextVar(index))
        if routing.IsEnd(index):
            return order
        order.append(keep[manager.IndexToNode(index) - 2])


def plan_day(
    candidates: Sequence[Candidate],
    settings: PlanSettings,
    locked: Sequence[LockedVisit] = (),
    *,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> DayPlan:
    """Route the most valuable visits into the day; see the module docstring for the model.

    Cancelling stops the search and returns the best plan found so far.
    """
    progress(0.0, "Checking the day")
    problem = build_problem(candidates, settings, locked)
    baseline = greedy_order(problem)  # raises PlanInputError when the booked visits cannot all be kept
    keep = shortlist(problem, extra=baseline.order)
    progress(0.1, f"Routing the best {len(keep)} of {len(problem.stops)} candidates")
    best = baseline
    for i, strategy in enumerate(PORTFOLIO):
        if cancelled():
            break

        def report(fraction: float, message: str, i: int = i) -> None:
            progress(0.1 + 0.85 * (i + fraction) / len(PORTFOLIO), message)

        order = solve_order(
            problem,
            keep,
            settings.time_limit_s * strategy.share,
            hint=best.order,
            strategy=strategy,
            cancelled=cancelled,
            progress=report,
        )
        if order is None:
            continue
        routed = schedule(problem, order)
        if routed.ok and _prize(problem, routed.order) > _prize(problem, best.order) + 1e-9:
            best = routed
    if not best.ok:
        raise PlanError(f"No plan fits the day: {best.reason}")
    progress(1.0, f"Planned {len(best.order)} visits")
    return to_day_plan(problem, best)


def _prize(problem: Problem, order: Sequence[int]) -> float:
    return float(sum(problem.stops[k].priority for k in order))
