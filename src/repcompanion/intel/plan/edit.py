"""Edits of a plan the rep makes by hand: reorder (drag) and replace a cancelled visit."""

from __future__ import annotations

from collections.abc import Sequence

from repcompanion.intel.plan.problem import build_problem, seconds
from repcompanion.intel.plan.records import (
    Candidate,
    DayPlan,
    LockedVisit,
    PlanInputError,
    PlanSettings,
    UnfittableOrderError,
)
from repcompanion.intel.plan.schedule import schedule, to_day_plan

__all__ = ["recompute_times", "replace_cancelled"]


def recompute_times(
    plan_or_order: DayPlan | Sequence[str],
    candidates: Sequence[Candidate],
    settings: PlanSettings,
    locked: Sequence[LockedVisit] = (),
) -> DayPlan:
    """Keep the given visit order and recompute every arrival and start time.

    Raises UnfittableOrderError naming the first visit that cannot fit (too late for its window or
    booking, or the day runs past the working hours).
    """
    order_ids = plan_or_order.order if isinstance(plan_or_order, DayPlan) else tuple(plan_or_order)
    problem = build_problem(candidates, settings, locked)
    index = problem.index_of()
    unknown = [h for h in order_ids if h not in index]
    if unknown:
        raise PlanInputError(f"{unknown[0]} is in the order but not among the candidates.")
    if len(set(order_ids)) != len(order_ids):
        raise PlanInputError("A visit appears twice in the order.", hint="Each HCP can be visited once a day.")
    missing = [lv.hcp_id for lv in locked if lv.hcp_id not in set(order_ids)]
    if missing:
        name = problem.stops[index[missing[0]]].describe()
        raise PlanInputError(
            f"The booked visit with {name} is missing from the order.",
            hint="Keep booked visits in the day or unlock them first.",
        )
    sched = schedule(problem, [index[h] for h in order_ids])
    if not sched.ok:
        assert sched.failed_at is not None
        failed = order_ids[sched.failed_at] if sched.failed_at < len(order_ids) else None
        if failed is None and order_ids:
            failed = order_ids[-1]
        raise UnfittableOrderError(sched.reason, hcp_id=failed)
    return to_day_plan(problem, sched)


def replace_cancelled(
    plan: DayPlan, cancelled_hcp_id: str, candidates: Sequence[Candidate], settings: PlanSettings
) -> DayPlan:
    """Put the best unplanned candidate that fits into the freed slot; every other visit keeps its time.

    "Best" is the highest priority, then the shortest detour. When nothing fits, the visit is simply
    removed. Booked (locked) visits of ``plan`` stay locked.
    """
    order_ids = list(plan.order)
    if cancelled_hcp_id not in order_ids:
        raise PlanInputError(f"{cancelled_hcp_id} is not in the day's plan, so there is nothing to replace.")
    pos = order_ids.index(cancelled_hcp_id)
    kept = [v for v in plan.visits if v.hcp_id != cancelled_hcp_id]
    locked = [
        LockedVisit(v.hcp_id, v.start.timetz().replace(tzinfo=None), int((v.end - v.start).total_seconds() // 60))
        for v in kept
        if v.locked
    ]
    problem = build_problem(candidates, settings, locked)
    index = problem.index_of()
    missing = [v.hcp_id for v in kept if v.hcp_id not in index]
    if missing:
        raise PlanInputError(f"{missing[0]} is in the plan but not among the candidates.")
    pinned = {}
    for v in kept:
        s = seconds(v.start.timetz())
        pinned[index[v.hcp_id]] = ((s, s),)
    base_order = [index[v.hcp_id] for v in kept]
    best = None
    best_key: tuple[float, float] | None = None
    taken = set(order_ids)
    for k, stop in enumerate(problem.stops):
        if stop.hcp_id in taken or not stop.allowed:
            continue
        order = [*base_order[:pos], k, *base_order[pos:]]
        sched = schedule(problem, order, pinned)
        if not sched.ok:
            continue
        prev = base_order[pos - 1] + 2 if pos > 0 else 0
        nxt = base_order[pos] + 2 if pos < len(base_order) else 1
        detour = float(problem.travel_s[prev, k + 2] + problem.travel_s[k + 2, nxt])
        key = (stop.priority, -detour)
        if best_key is None or key > best_key:
            best, best_key = sched, key
    if best is None:
        best = schedule(problem, base_order, pinned)
        if not best.ok:
            # Travel is rounded to whole seconds; a shortcut can come out a second longer.
            best = schedule(problem, base_order)
    return to_day_plan(problem, best)
