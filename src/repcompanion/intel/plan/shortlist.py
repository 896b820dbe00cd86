"""Cuts hundreds of candidates down to the few dozen a day's route could use, before routing."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from repcompanion.intel.plan.problem import Problem
from repcompanion.intel.plan.schedule import earliest

__all__ = ["SHORTLIST_SIZE", "shortlist"]

SHORTLIST_SIZE = 90
NEIGHBOURS = 4


def shortlist(problem: Problem, *, extra: Iterable[int] = (), size: int = SHORTLIST_SIZE) -> list[int]:
    """Stop indices worth routing: booked visits, ``extra`` (e.g. the greedy route) and the best of the rest.

    Only 8–10 visits fit in a day, so a candidate is kept when it ranks high by priority, by priority
    per minute of the day it would use (its visit plus the drive from its nearest neighbours), or is a
    near neighbour of a high-priority candidate (cheap to add on the way).
    """
    stops = problem.stops
    chosen: dict[int, None] = {k: None for k, st in enumerate(stops) if st.locked}
    chosen.update((k, None) for k in extra)
    usable = [
        k
        for k, st in enumerate(stops)
        if not st.locked and st.allowed and st.priority > 0 and earliest(problem, [k]).ok
    ]
    if len(usable) + len(chosen) <= size:
        return [*chosen, *(k for k in usable if k not in chosen)]
    idx = np.array(usable)
    nodes = idx + 2
    travel = problem.travel_s[np.ix_(nodes, nodes)].astype(float)
    np.fill_diagonal(travel, np.inf)
    from_depots = np.minimum(problem.travel_s[0, nodes], problem.travel_s[nodes, 1]).astype(float)
    near = np.sort(np.column_stack([travel, from_depots]), axis=1)[:, :NEIGHBOURS]
    priority = np.array([stops[k].priority for k in usable])
    duration = np.array([stops[k].duration_s for k in usable], dtype=float)
    density = priority / (duration + near.mean(axis=1))
    by_priority = idx[np.argsort(-priority, kind="stable")]
    by_density = idx[np.argsort(-density, kind="stable")]
    neighbours = np.argsort(travel, axis=1)[:, :NEIGHBOURS]
    position = {k: i for i, k in enumerate(usable)}
    quota = size - len(chosen)
    for rank in range(len(usable)):
        if len(chosen) >= size or quota <= 0:
            break
        for k in (int(by_density[rank]), int(by_priority[rank])):
            chosen.setdefault(k, None)
        if rank < quota // 6:
            for j in neighbours[position[int(by_priority[rank])]]:
                chosen.setdefault(int(idx[j]), None)
    return list(chosen)
