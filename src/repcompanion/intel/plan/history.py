"""The best time to call on an HCP, learned from the start times of past held visits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

__all__ = ["MIN_SHARE", "MIN_VISITS", "WINDOW_MIN", "best_time_windows"]

WINDOW_MIN = 120
"""Width of the sliding window that looks for the busiest part of the day."""
MIN_VISITS = 3
MIN_SHARE = 0.5
"""The window must hold at least this share of the past visits to count as a habit."""


def _to_time(minutes: int) -> time:
    minutes = max(0, min(minutes, 24 * 60 - 1))
    return time(minutes // 60, minutes % 60)


def best_time_windows(visit_times: Sequence[datetime]) -> tuple[time, time] | None:
    """(from, to) of visit start times when this HCP was usually seen, or None without a clear habit.

    Times are read on the wall clock each datetime carries (pass them in the rep's local zone). The
    busiest 2-hour stretch wins if it holds at least 3 visits and half of them; the result is rounded
    out to quarter hours and is at least an hour wide.
    """
    if len(visit_times) < MIN_VISITS:
        return None
    minutes = sorted(t.hour * 60 + t.minute for t in visit_times)
    best_count, best = 0, (0, 0)
    hi = 0
    for lo in range(len(minutes)):
        while hi < len(minutes) and minutes[hi] - minutes[lo] <= WINDOW_MIN:
            hi += 1
        if hi - lo > best_count:
            best_count, best = hi - lo, (lo, hi - 1)
    if best_count < MIN_VISITS or best_count < MIN_SHARE * len(minutes):
        return None
    first = minutes[best[0]] // 15 * 15
    last = -(-minutes[best[1]] // 15) * 15
    if last - first < 60:
        mid = (first + last) // 2
        first, last = mid - 30, mid + 30
    return _to_time(first), _to_time(last)
