"""Plan my day: the day's most valuable visits routed into the rep's hours (planner fed from the workspace)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from statistics import median
from zoneinfo import ZoneInfo

from repcompanion.domain import ActionType, EventType, PlanError
from repcompanion.intel.plan import (
    Candidate,
    DayPlan,
    LockedVisit,
    PlannedVisit,
    PlanSettings,
    UnfittableOrderError,
    best_time_windows,
    plan_day,
    recompute_times,
    replace_cancelled,
    to_ics,
)
from repcompanion.store import Store

#: Office hours assumed for every HCP (the best time learned from history narrows it softly).
OFFICE_HOURS = ((time(8, 0), time(12, 15)), (time(13, 15), time(18, 0)))
#: A call with the wait in reception and parking is about 35 minutes; reps make 6-10 calls a day.
VISIT_MINUTES = {"in_person": 35, "group": 50, "msl": 40}
MAX_VISITS = 10
FIELD_ACTIONS = {ActionType.VISIT.value: "in_person", ActionType.MSL_REFERRAL.value: "in_person"}
TIME_ZONES = {
    "MA": "America/New_York",
    "CT": "America/New_York",
    "RI": "America/New_York",
    "NY": "America/New_York",
    "CA": "America/Los_Angeles",
    "TX": "America/Chicago",
    "IL": "America/Chicago",
    "CO": "America/Denver",
}


def parse_hours(text: str) -> tuple[time, time]:
    """'08:30-17:30' → (08:30, 17:30), with a clear message for anything else."""
    try:
        a, b = text.split("-")
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError as exc:
        raise PlanError(f"Working hours {text!r} are not of the form HH:MM-HH:MM (e.g. 08:30-17:30).") from exc


def parse_point(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError as exc:
        raise PlanError(f"Start point {text!r} is not LAT,LON (e.g. 42.36,-71.06).") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlanError(f"Start point {text!r} is not a valid latitude,longitude pair.")
    return lat, lon


def default_start(store: Store) -> tuple[float, float]:
    """The rep's saved home/office, else the middle of the territory."""
    saved = store.sync_state.get_value("plan_start")
    if saved:
        return parse_point(saved)
    rows = store.query("SELECT latitude, longitude FROM hcps WHERE latitude IS NOT NULL")
    if not rows:
        raise PlanError("No HCP in this workspace has a location, so there is nothing to route.")
    return median(r["latitude"] for r in rows), median(r["longitude"] for r in rows)


def time_zone(store: Store) -> str:
    territory = store.territories.all()
    return TIME_ZONES.get(territory[0].state if territory else "", "America/New_York")


def candidates(store: Store, ranked: object, zone: str) -> list[Candidate]:
    """Every HCP with an allowed face-to-face action: its priority is the prize, its habit the preferred time."""
    frame = ranked  # the engine's candidates DataFrame
    allowed = frame[(frame["blocked_reason"] == "") & frame["action"].isin(list(FIELD_ACTIONS))]  # type: ignore[index]
    best = allowed.sort_values("priority", ascending=False).drop_duplicates("hcp_id")
    tz = ZoneInfo(zone)
    visits: dict[str, list[datetime]] = defaultdict(list)
    for r in store.query(
        "SELECT hcp_id, occurred_at FROM events WHERE type = ? AND topics NOT IN ('', '[]')", (EventType.VISIT.value,)
    ):
        at = datetime.fromisoformat(r["occurred_at"])
        visits[r["hcp_id"]].append(at.astimezone(tz) if at.tzinfo else at)
    hcps = {h.id: h for h in store.hcps.all()}
    out = []
    for row in best.itertuples():
        h = hcps.get(row.hcp_id)
        if h is None or h.address.latitude is None or h.address.longitude is None:
            continue
        out.append(
            Candidate(
                h.id,
                h.display_name,
                h.address.latitude,
                h.address.longitude,
                float(row.priority),
                visit_type=FIELD_ACTIONS[row.action],
                windows=OFFICE_HOURS,
                preferred=best_time_windows(visits.get(h.id, [])),
            )
        )
    return out


def plan(
    store: Store,
    engine_candidates: object,
    day: date,
    *,
    start: tuple[float, float] | None = None,
    hours: tuple[time, time] | None = None,
    locked: Sequence[LockedVisit] = (),
    time_limit_s: float = 1.0,
) -> tuple[DayPlan, list[Candidate], PlanSettings]:
    zone = time_zone(store)
    cands = candidates(store, engine_candidates, zone)
    settings = PlanSettings(
        day=day,
        start=start or default_start(store),
        hours=hours or (time(8, 30), time(17, 30)),
        time_zone=zone,
        time_limit_s=time_limit_s,
        visit_minutes=dict(VISIT_MINUTES),
        max_visits=MAX_VISITS,
    )
    return plan_day(cands, settings, locked), cands, settings


__all__ = [
    "Candidate",
    "DayPlan",
    "LockedVisit",
    "PlanSettings",
    "PlannedVisit",
    "UnfittableOrderError",
    "parse_hours",
    "parse_point",
    "plan",
    "recompute_times",
    "replace_cancelled",
    "to_ics",
]
