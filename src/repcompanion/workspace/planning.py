"""The planner fed from the workspace: candidates from the ranking, office hours, the start point, bookings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from statistics import median
from zoneinfo import ZoneInfo

from repcompanion.domain import ActionType, Address, PlanError
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
    whole_minute,
)
from repcompanion.store import Store
from repcompanion.workspace.day import DaySettings
from repcompanion.workspace.plans import PLAN_START_KEY, parse_point

#: Office hours assumed for every HCP (the best time learned from history narrows it softly).
OFFICE_HOURS = ((time(8, 0), time(12, 15)), (time(13, 15), time(18, 0)))
#: A call with the wait in reception and parking is about 35 minutes; reps make 6-10 calls a day.
VISIT_MINUTES = {"in_person": 35, "group": 50, "msl": 40}
MAX_VISITS = 10
FIELD_ACTIONS = {ActionType.VISIT.value: "in_person", ActionType.MSL_REFERRAL.value: "in_person"}


def default_start(store: Store, settings: DaySettings) -> tuple[tuple[float, float], str]:
    """Where the day starts, and the saved place's name: the rep's chosen place, else a point saved by an earlier
    version, else the middle of the territory ("")."""
    place = settings.place(settings.start) if settings.start else None
    if place is not None:
        return place.point, place.name
    saved = store.sync_state.get_value(PLAN_START_KEY)
    if saved:
        return parse_point(saved), ""
    return territory_middle(store), ""


def territory_middle(store: Store) -> tuple[float, float]:
    """The middle of the territory: the median of its HCPs' locations."""
    points = store.hcp_locations()
    if not points:
        raise PlanError("No HCP in this workspace has a location, so there is nothing to route.")
    return median(lat for lat, _ in points), median(lon for _, lon in points)


def candidates(store: Store, ranked: object, zone: str, leave_out: Collection[str] = ()) -> list[Candidate]:
    """Every HCP with an allowed face-to-face action (except ``leave_out``, e.g. those seen today): its priority
    is the prize, its habit the preferred time."""
    frame = ranked  # the engine's candidates DataFrame
    allowed = frame[(frame["blocked_reason"] == "") & frame["action"].isin(list(FIELD_ACTIONS))]  # type: ignore[index]
    best = allowed.sort_values("priority", ascending=False).drop_duplicates("hcp_id")
    tz = ZoneInfo(zone)
    visits: dict[str, list[datetime]] = defaultdict(list)
    for hcp_id, occurred_at in store.activity.discussed_visit_times():
        at = datetime.fromisoformat(occurred_at)
        visits[hcp_id].append(at.astimezone(tz) if at.tzinfo else at)
    hcps = {h.id: h for h in store.hcps.all()}
    out = []
    for row in best.itertuples():
        h = hcps.get(row.hcp_id)
        if h is None or h.id in leave_out or h.address.latitude is None or h.address.longitude is None:
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
    start: tuple[float, float],
    hours: tuple[time, time],
    zone: str,
    leave_out: Collection[str] = (),
    locked: Sequence[LockedVisit] = (),
    time_limit_s: float = 1.0,
) -> tuple[DayPlan, list[Candidate], PlanSettings]:
    cands = candidates(store, engine_candidates, zone, leave_out)
    settings = PlanSettings(
        day=day,
        start=start,
        hours=hours,
        time_zone=zone,
        time_limit_s=time_limit_s,
        visit_minutes=dict(VISIT_MINUTES),
        max_visits=MAX_VISITS,
    )
    return plan_day(cands, settings, locked), cands, settings


def address_text(address: Address) -> str:
    """An address on one line, as a phone's maps app reads it."""
    street = ", ".join(part for part in (address.line1, address.line2) if part)
    town = " ".join(part for part in (f"{address.city},", address.state, address.zip) if part.strip(", "))
    return ", ".join(part for part in (street, town.rstrip(",")) if part)


def booking(visit: PlannedVisit) -> LockedVisit:
    """``visit`` booked where it is: at its start time, for as long as it lasts."""
    minutes = int((visit.end - visit.start).total_seconds() // 60)
    return LockedVisit(visit.hcp_id, visit.start.timetz().replace(tzinfo=None), minutes)


__all__ = [
    "Candidate",
    "DayPlan",
    "LockedVisit",
    "PlanSettings",
    "PlannedVisit",
    "UnfittableOrderError",
    "address_text",
    "booking",
    "plan",
    "recompute_times",
    "replace_cancelled",
    "territory_middle",
    "to_ics",
    "whole_minute",
]
