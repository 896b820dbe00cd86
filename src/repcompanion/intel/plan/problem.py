"""Checks the planner's inputs and turns them into one internal problem in whole seconds."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from repcompanion.intel.plan.geo import haversine_km, road_km_matrix
from repcompanion.intel.plan.records import Candidate, LockedVisit, PlanInputError, PlanSettings

__all__ = ["MAX_START_DISTANCE_KM", "Problem", "Stop", "build_problem", "clock", "seconds"]

MAX_START_DISTANCE_KM = 150.0

Ranges = tuple[tuple[int, int], ...]
"""Allowed visit start times: sorted, disjoint, inclusive (first, last) pairs in seconds after midnight."""


def seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def clock(s: int) -> str:
    s = max(0, int(s))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


@dataclass(frozen=True)
class Stop:
    """A candidate as the planner sees it: duration and allowed start times in seconds."""

    candidate: Candidate
    duration_s: int
    allowed: Ranges
    locked: bool
    preferred: tuple[int, int] | None

    @property
    def hcp_id(self) -> str:
        return self.candidate.hcp_id

    @property
    def priority(self) -> float:
        return self.candidate.priority

    def describe(self) -> str:
        return f"{self.candidate.name} ({self.hcp_id})"


@dataclass(frozen=True)
class Problem:
    """Stops, hours and breaks in seconds, plus the travel matrix.

    Matrix nodes: 0 is the start point, 1 the end point, stop ``k`` is node ``k + 2``.
    """

    settings: PlanSettings
    candidates: tuple[Candidate, ...]
    stops: tuple[Stop, ...]
    hours: tuple[int, int]
    breaks: tuple[tuple[int, int], ...]
    travel_s: np.ndarray
    road_km: np.ndarray
    zone: ZoneInfo

    def index_of(self) -> dict[str, int]:
        return {s.hcp_id: k for k, s in enumerate(self.stops)}


def _subtract(ranges: list[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """Remove the inclusive interval [lo, hi] from inclusive ranges."""
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        if hi < a or lo > b:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo - 1))
        if hi < b:
            out.append((hi + 1, b))
    return out


def _check_point(p: tuple[float, float], what: str) -> None:
    lat, lon = p
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlanInputError(
            f"The {what} ({lat}, {lon}) is not a valid latitude, longitude.",
            hint="Give it as LAT,LON in decimal degrees, e.g. 42.36,-71.06.",
        )


def _check_settings(settings: PlanSettings) -> tuple[int, int, ZoneInfo]:
    try:
        zone = ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PlanInputError(
            f"Unknown time zone {settings.time_zone!r}.",
            hint="Use an IANA name such as America/New_York.",
        ) from exc
    h0, h1 = (seconds(t) for t in settings.hours)
    if h1 <= h0:
        raise PlanInputError(
            f"The working hours end ({clock(h1)}) before they start ({clock(h0)}).",
            hint="Give the hours as START-END, e.g. 08:30-17:30.",
        )
    for b0, b1 in settings.breaks:
        if seconds(b1) <= seconds(b0):
            raise PlanInputError(
                f"The break {b0:%H:%M}–{b1:%H:%M} ends before it starts.",
                hint="Give each break as START-END.",
            )
    if not (settings.road_factor > 0 and settings.speed_kmh > 0):
        raise PlanInputError(
            "The road factor and the average speed must be positive.",
            hint="Typical values: road factor 1.3, speed 50 km/h.",
        )
    if not settings.time_limit_s > 0:
        raise PlanInputError("The planning time limit must be positive.", hint="1 second is usually enough.")
    if settings.max_visits is not None and settings.max_visits < 1:
        raise PlanInputError("The maximum number of visits must be at least 1.")
    if settings.lock_tolerance_min < 0:
        raise PlanInputError("The tolerance for booked visits cannot be negative.")
    _check_point(settings.start, "start point")
    if settings.end is not None:
        _check_point(settings.end, "end point")
    return h0, h1, zone


def _duration_s(c: Candidate, settings: PlanSettings, override: int | None = None) -> int:
    minutes = override if override is not None else c.duration_min
    if minutes is None:
        if c.visit_type not in settings.visit_minutes:
            known = ", ".join(sorted(settings.visit_minutes))
            raise PlanInputError(
                f"{c.name} ({c.hcp_id}) has visit type {c.visit_type!r} with no length set.",
                hint=f"Give the visit a duration, or use one of: {known}.",
            )
        minutes = settings.visit_minutes[c.visit_type]
    if minutes <= 0:
        raise PlanInputError(f"The visit to {c.name} ({c.hcp_id}) must last at least one minute.")
    return int(minutes) * 60


def _check_candidates(candidates: Sequence[Candidate]) -> None:
    if not candidates:
        raise PlanInputError(
            "There are no candidates to plan.",
            hint="Sync or score your territory first, or widen the filter, so there are HCPs to visit.",
        )
    seen: set[str] = set()
    for c in candidates:
        if c.hcp_id in seen:
            raise PlanInputError(f"{c.name} ({c.hcp_id}) is listed twice among the candidates.")
        seen.add(c.hcp_id)
        _check_point((c.latitude, c.longitude), f"location of {c.name} ({c.hcp_id})")
        if not (math.isfinite(c.priority) and c.priority >= 0):
            raise PlanInputError(f"{c.name} ({c.hcp_id}) has priority {c.priority}; it must be 0 or more.")
        for w0, w1 in c.windows:
            if seconds(w1) <= seconds(w0):
                raise PlanInputError(
                    f"The availability window {w0:%H:%M}–{w1:%H:%M} of {c.name} ({c.hcp_id}) ends before it starts."
                )


def _check_distance(candidates: Sequence[Candidate], settings: PlanSettings) -> None:
    lat = float(np.mean([c.latitude for c in candidates]))
    lon = float(np.mean([c.longitude for c in candidates]))
    points = [("start point", settings.start)]
    if settings.end is not None:
        points.append(("end point", settings.end))
    for what, p in points:
        km = haversine_km(p, (lat, lon))
        if km > MAX_START_DISTANCE_KM:
            raise PlanInputError(
                f"The {what} is {km:.0f} km from your territory — check the coordinates (lat,lon order?).",
                hint=f"The territory's centre is near {lat:.3f},{lon:.3f}.",
            )


def _locked_stops(
    locked: Sequence[LockedVisit],
    by_id: dict[str, Candidate],
    settings: PlanSettings,
    h0: int,
    h1: int,
) -> dict[str, tuple[int, int]]:
    """hcp_id → (booked start, duration) in seconds, checked against the hours and each other."""
    booked: dict[str, tuple[int, int]] = {}
    for lv in locked:
        c = by_id.get(lv.hcp_id)
        if c is None:
            raise PlanInputError(
                f"The booked visit {lv.hcp_id} at {lv.start:%H:%M} is not among the candidates, so its "
                "location is unknown.",
                hint="Include every booked HCP in the candidate list.",
            )
        if lv.hcp_id in booked:
            raise PlanInputError(f"{c.name} ({c.hcp_id}) is booked twice on the same day.")
        s = seconds(lv.start)
        d = _duration_s(c, settings, lv.duration_min)
        if s < h0 or s + d > h1:
            raise PlanInputError(
                f"The booked visit with {c.name} at {clock(s)}–{clock(s + d)} is outside your working "
                f"hours {clock(h0)}–{clock(h1)}.",
                hint="Widen the working hours or move the booking.",
            )
        booked[lv.hcp_id] = (s, d)
    ordered = sorted(booked.items(), key=lambda kv: kv[1][0])
    for (a, (sa, da)), (b, (sb, _)) in itertools.pairwise(ordered):
        if sb < sa + da:
            raise PlanInputError(
                f"The booked visits with {by_id[a].name} ({clock(sa)}–{clock(sa + da)}) and "
                f"{by_id[b].name} (from {clock(sb)}) overlap.",
                hint="Move one of the bookings.",
            )
    return booked


def build_problem(
    candidates: Sequence[Candidate], settings: PlanSettings, locked: Sequence[LockedVisit] = ()
) -> Problem:
    """Validate everything a user can get wrong and build the problem; raises PlanInputError."""
    h0, h1, zone = _check_settings(settings)
    _check_candidates(candidates)
    _check_distance(candidates, settings)
    by_id = {c.hcp_id: c for c in candidates}
    booked = _locked_stops(locked, by_id, settings, h0, h1)
    if settings.max_visits is not None and settings.max_visits < len(booked):
        raise PlanInputError(
            f"You have {len(booked)} booked visits but asked for at most {settings.max_visits} visits.",
            hint="Raise the maximum number of visits.",
        )
    breaks = []
    for b0t, b1t in sorted(settings.breaks):
        b0, b1 = max(seconds(b0t), h0), min(seconds(b1t), h1)
        if b1 <= b0:
            continue
        if any(s < b1 and b0 < s + d for s, d in booked.values()):
            continue
        breaks.append((b0, b1))
    free = (h1 - h0) - sum(b1 - b0 for b0, b1 in breaks)
    shortest = min(_duration_s(c, settings) for c in candidates)
    if not booked and free < shortest:
        raise PlanInputError(
            f"Your working hours ({clock(h0)}–{clock(h1)}, {free // 60} minutes without breaks) are shorter "
            f"than one visit ({shortest // 60} minutes).",
            hint="Widen the working hours.",
        )
    tol = settings.lock_tolerance_min * 60
    stops: list[Stop] = []
    for c in candidates:
        if c.hcp_id in booked:
            s, d = booked[c.hcp_id]
            ranges = [(s, min(s + tol, h1 - d))]
            for b0, b1 in breaks:
                ranges = _subtract(ranges, b0 - d + 1, b1 - 1)
            stops.append(Stop(c, d, tuple(ranges), True, None))
            continue
        d = _duration_s(c, settings)
        windows = [(seconds(a), seconds(b)) for a, b in c.windows] or [(h0, h1)]
        ranges = sorted((max(a, h0), min(b, h1) - d) for a, b in windows)
        ranges = [(a, b) for a, b in ranges if a <= b]
        for b0, b1 in breaks:
            ranges = _subtract(ranges, b0 - d + 1, b1 - 1)
        merged: list[tuple[int, int]] = []
        for a, b in ranges:
            if merged and a <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        pref = (seconds(c.preferred[0]), seconds(c.preferred[1])) if c.preferred else None
        stops.append(Stop(c, d, tuple(merged), False, pref))
    points = [settings.start, settings.end_point, *((s.candidate.latitude, s.candidate.longitude) for s in stops)]
    road_km = road_km_matrix(points, settings.road_factor)
    travel_s = np.rint(road_km / settings.speed_kmh * 3600.0).astype(np.int64)
    return Problem(
        settings=settings,
        candidates=tuple(candidates),
        stops=tuple(stops),
        hours=(h0, h1),
        breaks=tuple(breaks),
        travel_s=travel_s,
        road_km=road_km,
        zone=zone,
    )
