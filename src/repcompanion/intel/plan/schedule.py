"""Times a fixed visit order: earliest feasible starts, driving paused over breaks, preferred times kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime

from repcompanion.intel.plan.problem import Problem, Ranges, clock
from repcompanion.intel.plan.records import DayPlan, PlanInputError, PlannedVisit

__all__ = [
    "PREFERRED_MAX_WAIT_S",
    "Schedule",
    "Timing",
    "check_bookings",
    "drive",
    "earliest",
    "earliest_start",
    "schedule",
    "to_day_plan",
]

PREFERRED_MAX_WAIT_S = 45 * 60
"""The longest a rep is asked to wait so that a visit starts in the HCP's preferred time."""


@dataclass(frozen=True)
class Timing:
    stop: int
    arrive: int
    start: int
    travel_s: int


@dataclass(frozen=True)
class Schedule:
    """Times of an order; when ``ok`` is false, ``failed_at`` is the failing position (len = end point)."""

    order: tuple[int, ...]
    timings: tuple[Timing, ...]
    end_at: int
    failed_at: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.failed_at is None


def drive(depart: int, travel_s: int, breaks: Sequence[tuple[int, int]]) -> int:
    """Arrival time of a drive that starts at ``depart``; the rep does not drive during breaks."""
    t, left = depart, travel_s
    for b0, b1 in breaks:
        if left <= 0:
            break
        if t >= b1:
            continue
        if t < b0:
            if t + left <= b0:
                return t + left
            left -= b0 - t
        t = b1
    return t + left


def earliest_start(ranges: Ranges, ready: int) -> int | None:
    for a, b in ranges:
        if ready <= b:
            return max(a, ready)
    return None


def _why_not(problem: Problem, k: int, arrive: int, ranges: Ranges, pos: int) -> str:
    stop = problem.stops[k]
    who = stop.describe()
    if not ranges:
        return f"{who} has no time that day when a {stop.duration_s // 60}-minute visit fits."
    if stop.locked:
        return (
            f"{who} is booked at {clock(ranges[0][0])} but, as visit {pos + 1}, the rep cannot arrive "
            f"before {clock(arrive)}."
        )
    last = ranges[-1][1]
    if last + stop.duration_s >= problem.hours[1]:
        limit = f"to end by the end of the working hours ({clock(problem.hours[1])})"
    else:
        limit = f"to end by {clock(last + stop.duration_s)} (the HCP's availability)"
    return (
        f"{who} does not fit as visit {pos + 1}: the rep arrives at {clock(arrive)}, and the "
        f"{stop.duration_s // 60}-minute visit must start by {clock(last)} {limit}."
    )


def _run(
    problem: Problem, order: Sequence[int], ranges_of: Callable[[int], Ranges], hold: Mapping[int, int]
) -> Schedule:
    h1 = problem.hours[1]
    t, prev = problem.hours[0], 0
    timings: list[Timing] = []
    for pos, k in enumerate(order):
        node = k + 2
        tr = int(problem.travel_s[prev, node])
        arrive = drive(t, tr, problem.breaks)
        ranges = ranges_of(k)
        start = earliest_start(ranges, max(arrive, hold.get(pos, arrive)))
        if start is None:
            return Schedule(tuple(order), tuple(timings), t, pos, _why_not(problem, k, arrive, ranges, pos))
        timings.append(Timing(k, arrive, start, tr))
        t, prev = start + problem.stops[k].duration_s, node
    end_at = drive(t, int(problem.travel_s[prev, 1]), problem.breaks)
    if end_at > h1:
        reason = f"The rep is back at the end point at {clock(end_at)}, after the working hours end ({clock(h1)})."
        return Schedule(tuple(order), tuple(timings), end_at, len(order), reason)
    return Schedule(tuple(order), tuple(timings), end_at, None, "")


def earliest(problem: Problem, order: Sequence[int], pinned: Mapping[int, Ranges] | None = None) -> Schedule:
    """Time ``order`` with every visit as early as possible (the feasibility test)."""
    pinned = pinned or {}
    return _run(problem, order, lambda k: pinned.get(k, problem.stops[k].allowed), {})


def check_bookings(problem: Problem) -> list[int]:
    """The booked stops in time order; raises PlanInputError when they cannot all be reached."""
    booked = sorted((k for k, st in enumerate(problem.stops) if st.locked), key=lambda k: problem.stops[k].allowed)
    sched = earliest(problem, booked)
    if not sched.ok:
        raise PlanInputError(
            f"Your booked visits cannot all be kept: {sched.reason}",
            hint="Move or cancel one of the bookings, or widen the working hours.",
        )
    return booked


def schedule(problem: Problem, order: Sequence[int], pinned: Mapping[int, Ranges] | None = None) -> Schedule:
    """Time ``order`` (stop indices): earliest starts, then waits (bounded) for preferred times."""
    pinned = pinned or {}

    def ranges_of(k: int) -> Ranges:
        return pinned.get(k, problem.stops[k].allowed)

    hold: dict[int, int] = {}
    current = _run(problem, order, ranges_of, hold)
    if not current.ok:
        return current
    for pos, k in enumerate(order):
        stop = problem.stops[k]
        if stop.locked or stop.preferred is None or k in pinned:
            continue
        start = current.timings[pos].start
        p0, p1 = stop.preferred
        if start >= p0:
            continue
        ceiling = max(start, p1)

        def trial(ready: int, pos: int = pos, ceiling: int = ceiling) -> Schedule | None:
            s = _run(problem, order, ranges_of, {**hold, pos: ready})
            return s if s.ok and s.timings[pos].start <= ceiling else None

        lo, hi = start, min(p0, start + PREFERRED_MAX_WAIT_S)
        best = trial(hi)
        if best is None:
            while hi - lo > 60:
                mid = (lo + hi) // 2
                got = trial(mid)
                if got is None:
                    hi = mid
                else:
                    lo, best = mid, got
            if best is None:
                continue
            hold[pos] = lo
        else:
            hold[pos] = hi
        current = best
    return current


def to_day_plan(problem: Problem, sched: Schedule) -> DayPlan:
    """Turn a feasible schedule into the public DayPlan (times in the settings' time zone)."""
    s = problem.settings
    base = datetime.combine(s.day, dtime(0), tzinfo=problem.zone)

    def at(sec: int) -> datetime:
        return base + timedelta(seconds=int(sec))

    visits = []
    km, prev = 0.0, 0
    for order, tm in enumerate(sched.timings, start=1):
        stop = problem.stops[tm.stop]
        km += float(problem.road_km[prev, tm.stop + 2])
        prev = tm.stop + 2
        visits.append(
            PlannedVisit(
                hcp_id=stop.hcp_id,
                name=stop.candidate.name,
                order=order,
                arrive=at(tm.arrive),
                start=at(tm.start),
                end=at(tm.start + stop.duration_s),
                travel_min=tm.travel_s / 60.0,
                priority=stop.priority,
                locked=stop.locked,
                latitude=stop.candidate.latitude,
                longitude=stop.candidate.longitude,
                visit_type=stop.candidate.visit_type,
            )
        )
    km += float(problem.road_km[prev, 1])
    planned = {v.hcp_id for v in visits}
    dropped = sorted((c for c in problem.candidates if c.hcp_id not in planned), key=lambda c: (-c.priority, c.hcp_id))
    return DayPlan(
        settings=s,
        visits=tuple(visits),
        dropped=tuple(c.hcp_id for c in dropped),
        total_priority=float(sum(v.priority for v in visits)),
        travel_km=km,
        end_at=at(sched.end_at),
    )
