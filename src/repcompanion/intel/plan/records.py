"""The planner's inputs and outputs: candidates, locked visits, settings and the day plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from repcompanion.domain import PlanError

__all__ = [
    "Candidate",
    "DayPlan",
    "LockedVisit",
    "PlanInputError",
    "PlanSettings",
    "PlannedVisit",
    "UnfittableOrderError",
]


class PlanInputError(PlanError):
    """The inputs describe a day that cannot be planned (bad hours, coordinates, bookings)."""


class UnfittableOrderError(PlanError):
    """A hand-made visit order does not fit the day; ``hcp_id`` names the first visit that fails."""

    hint = "Move that visit elsewhere in the list, or remove it from the day."

    def __init__(self, message: str, *, hcp_id: str | None) -> None:
        super().__init__(message)
        self.hcp_id = hcp_id


@dataclass(frozen=True)
class Candidate:
    """An HCP that could be visited on the day, with the priority its visit would collect."""

    hcp_id: str
    name: str
    latitude: float
    longitude: float
    priority: float
    visit_type: str = "in_person"
    duration_min: int | None = None
    """None: ``PlanSettings.visit_minutes[visit_type]``."""
    windows: tuple[tuple[time, time], ...] = ()
    """Availability that day (office hours); a visit starts and ends inside one window. Empty: all day."""
    preferred: tuple[time, time] | None = None
    """Best time to start a visit, learned from history; soft: honoured when it costs no priority."""


@dataclass(frozen=True)
class LockedVisit:
    """A visit the rep already booked: it starts at ``start`` (see ``PlanSettings.lock_tolerance_min``)."""

    hcp_id: str
    start: time
    duration_min: int | None = None


def _default_visit_minutes() -> dict[str, int]:
    return {"in_person": 20, "group": 45, "msl": 30}


@dataclass(frozen=True)
class PlanSettings:
    """The rep's day: where it starts and ends, working hours, breaks, visit lengths and travel model."""

    day: date
    start: tuple[float, float]
    """(latitude, longitude) of home or office."""
    end: tuple[float, float] | None = None
    """None: back to ``start``."""
    hours: tuple[time, time] = (time(8, 30), time(17, 30))
    breaks: tuple[tuple[time, time], ...] = ((time(12, 30), time(13, 0)),)
    """Fixed breaks (lunch): no visit and no driving then. A break that overlaps a locked visit is skipped."""
    visit_minutes: dict[str, int] = field(default_factory=_default_visit_minutes)
    road_factor: float = 1.3
    speed_kmh: float = 50.0
    time_zone: str = "America/New_York"
    max_visits: int | None = None
    time_limit_s: float = 1.0
    lock_tolerance_min: int = 0
    """A booked visit starts at its booked time, never earlier; with a tolerance, the planner may start it
    up to this many minutes late, but only when that lets it fit more priority."""

    @property
    def end_point(self) -> tuple[float, float]:
        return self.end if self.end is not None else self.start


@dataclass(frozen=True)
class PlannedVisit:
    """One stop of the day: when the rep arrives, starts and leaves, and the drive that led there."""

    hcp_id: str
    name: str
    order: int
    arrive: datetime
    start: datetime
    end: datetime
    travel_min: float
    """Driving minutes from the previous stop (or the start point)."""
    priority: float
    locked: bool
    latitude: float | None = None
    longitude: float | None = None
    visit_type: str = "in_person"


@dataclass(frozen=True)
class DayPlan:
    """The ordered visits of a day, what was left out (best first) and the totals."""

    settings: PlanSettings
    visits: tuple[PlannedVisit, ...]
    dropped: tuple[str, ...]
    total_priority: float
    travel_km: float
    end_at: datetime
    """Arrival back at the end point."""

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(v.hcp_id for v in self.visits)
