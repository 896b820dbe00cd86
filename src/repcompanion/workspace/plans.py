"""Plan my day: the day's most valuable visits routed into the rep's hours, edited by hand, exported to a calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.domain import PlanError
from repcompanion.workspace.changes import Changes
from repcompanion.workspace.day import SETTINGS_HINT, WEEKDAY_NAMES, DaySettings

if TYPE_CHECKING:
    from repcompanion.intel.plan import Candidate, DayPlan, LockedVisit, PlannedVisit, PlanSettings
    from repcompanion.workspace.core import Workspace

#: Where the rep's day starts (``LAT,LON``), kept in the workspace's settings.
PLAN_START_KEY = "plan_start"


def parse_hours(text: str) -> tuple[time, time]:
    """'08:30-17:30' → (08:30, 17:30), with a clear message for anything else."""
    try:
        a, b = text.split("-")
        return time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
    except ValueError as exc:
        raise PlanError(f"Working hours {text!r} are not of the form HH:MM-HH:MM (e.g. 08:30-17:30).") from exc


def parse_point(text: str) -> tuple[float, float]:
    """'42.36,-71.06' → (42.36, -71.06), with a clear message for anything else."""
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError as exc:
        raise PlanError(f"Start point {text!r} is not LAT,LON (e.g. 42.36,-71.06).") from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlanError(f"Start point {text!r} is not a valid latitude,longitude pair.")
    return lat, lon


@dataclass(frozen=True)
class PlannedDay:
    """A day plan with what it was made from: the candidates it chose among and the settings (day, hours,
    start, time zone). Its booked visits (``locked``) stay at their times through every edit.

    ``hours`` are the rep's working hours (the plan's own start later on a day already under way);
    ``start_place`` names the saved place the day starts from ("": the middle of the territory or a point);
    ``notice`` says why this day was planned rather than today ("" when it is today)."""

    plan: DayPlan
    candidates: tuple[Candidate, ...]
    settings: PlanSettings
    hours: tuple[time, time] | None = None
    start_place: str = ""
    notice: str = ""

    @property
    def working_hours(self) -> tuple[time, time]:
        return self.hours or self.settings.hours

    @property
    def visits(self) -> tuple[PlannedVisit, ...]:
        return self.plan.visits

    @property
    def order(self) -> tuple[str, ...]:
        return self.plan.order

    @property
    def locked(self) -> tuple[LockedVisit, ...]:
        """The booked visits, each at its start time and for its length."""
        from repcompanion.workspace.planning import booking

        return tuple(booking(v) for v in self.plan.visits if v.locked)

    def visit(self, hcp_id: str) -> PlannedVisit:
        for v in self.plan.visits:
            if v.hcp_id == hcp_id:
                return v
        raise PlanError(f"{hcp_id} is not in the day's plan.")

    def _with(self, plan: DayPlan) -> PlannedDay:
        return replace(self, plan=plan)


#: The shortest part of a day still worth planning (one visit and the drive to it).
MIN_PLAN_MINUTES = 45
#: Planning later in a day starts at the next multiple of this many minutes.
START_STEP_MINUTES = 5


def whole_minute(at: datetime) -> datetime:
    """``at`` rounded up to a whole minute, as the calendar export rounds (``intel.plan.whole_minute``; kept here
    so the app can show plan times without loading the planner)."""
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(minutes=1)


def _next_step(at: datetime) -> time:
    """``at``'s time of day, rounded up to the next ``START_STEP_MINUTES``."""
    minutes = at.hour * 60 + at.minute + (1 if at.second or at.microsecond else 0)
    minutes = -(-minutes // START_STEP_MINUTES) * START_STEP_MINUTES
    return time(23, 59) if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


class PlanManager:
    """``ws.plans``: plan the day from the ranking, reorder, book, replace a cancelled visit, export."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def plan(
        self,
        day: date | None = None,
        *,
        start: tuple[float, float] | str | None = None,
        hours: tuple[time, time] | None = None,
        locked: Sequence[LockedVisit] = (),
        time_limit_s: float = 1.0,
    ) -> PlannedDay:
        """Route the day's most valuable allowed visits into the working hours, keeping the ``locked`` bookings.

        Without a ``day``: today from now on the rep's clock (whole five minutes), or the next working day when
        today is not one or its hours are over. A ``day`` that is not a working day (a weekend, a day off) is
        refused. ``start``: a point, a saved place's name, or None for the rep's start place. HCPs already seen
        today are left out. ``start`` "" is the middle of the territory.
        """
        from repcompanion.workspace import planning

        prefs = self._ws.day.settings()
        hours = hours or prefs.hours
        today, clock = self._ws.today(), self._clock()
        notice = ""
        if day is None:
            day, earliest = today, hours[0]
            if clock is not None:
                earliest = max(earliest, _next_step(clock))
            if not prefs.works_on(day) or _minutes(hours[1]) - _minutes(earliest) < MIN_PLAN_MINUTES:
                why = prefs.why_not(day) or f"your working hours today end at {hours[1]:%H:%M}"
                day, earliest = prefs.next_working_day(day + timedelta(days=1)), hours[0]
                notice = f"Planning {WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}: {why}."
        else:
            why = prefs.why_not(day)
            if why:
                raise PlanError(f"{day.isoformat()} is not planned: {why}.", hint=SETTINGS_HINT)
            earliest = hours[0]
            if day == today and clock is not None:
                earliest = max(earliest, _next_step(clock))
                if _minutes(hours[1]) - _minutes(earliest) < MIN_PLAN_MINUTES:
                    raise PlanError(
                        f"Your working hours today end at {hours[1]:%H:%M}; it is {clock:%H:%M}, too late to plan "
                        "more visits today.",
                        hint="Plan the next working day instead.",
                    )
        if locked:  # a booking made earlier in the day keeps its place in it
            earliest = min([earliest, *(lv.start for lv in locked)])
        point, place = self._start(start, prefs)
        seen = self._ws.day.seen(today) | (self._ws.day.seen(day) if day != today else frozenset())
        engine_candidates = self._ws.ranking.engine().candidates(day)
        plan, candidates, settings = planning.plan(
            self._ws.store,
            engine_candidates,
            day,
            start=point,
            hours=(earliest, hours[1]),
            zone=self._ws.day.time_zone(),
            leave_out=seen,
            locked=locked,
            time_limit_s=time_limit_s,
        )
        return PlannedDay(plan, tuple(candidates), settings, hours, place, notice)

    def _clock(self) -> datetime | None:
        """Now on the rep's clock, when the working day is the clock's own day (None: a pinned, other day)."""
        local = self._ws.clock().astimezone(self._ws.day.zone())
        return local if local.date() == self._ws.today() else None

    def _start(self, start: tuple[float, float] | str | None, prefs: DaySettings) -> tuple[tuple[float, float], str]:
        from repcompanion.workspace.planning import default_start, territory_middle

        if start == "":
            return territory_middle(self._ws.store), ""
        if isinstance(start, str):
            place = prefs.place(start)
            if place is None:
                known = ", ".join(p.name for p in prefs.places) or "none saved yet"
                raise PlanError(
                    f"There is no saved place called {start!r} (saved: {known}).",
                    hint="Give a saved place's name or a point as LAT,LON; save home and office in Settings.",
                )
            return place.point, place.name
        if start is not None:
            return start, ""
        return default_start(self._ws.store, prefs)

    def replan(self, day: PlannedDay, order: Sequence[str]) -> PlannedDay:
        """``day`` with its visits in the rep's ``order`` (drag to reorder) and the times recomputed; its booked
        visits stay at their times. UnfittableOrderError names a visit that cannot fit there."""
        return self._recompute(day, order, day.locked)

    def set_locked(self, day: PlannedDay, hcp_id: str, locked: bool) -> PlannedDay:
        """Book ``hcp_id``'s visit at its current start time (or release it), and recompute the times."""
        from repcompanion.workspace.planning import booking

        bookings = {lv.hcp_id: lv for lv in day.locked}
        if locked:
            bookings[hcp_id] = booking(day.visit(hcp_id))
        else:
            bookings.pop(hcp_id, None)
        return self._recompute(day, day.order, tuple(bookings.values()))

    def _recompute(self, day: PlannedDay, order: Sequence[str], locked: Sequence[LockedVisit]) -> PlannedDay:
        from repcompanion.workspace.planning import recompute_times

        return day._with(recompute_times(list(order), day.candidates, day.settings, locked))

    def replace_cancelled(self, day: PlannedDay, hcp_id: str) -> PlannedDay:
        """Fill a cancelled visit's slot with the best nearby candidate; the other visits stay as they are."""
        from repcompanion.workspace.planning import replace_cancelled

        return day._with(replace_cancelled(day.plan, hcp_id, day.candidates, day.settings))

    def export_ics(self, day: PlannedDay, path: Path) -> Path:
        """Write the day to an .ics calendar file (Outlook, Google Calendar): each visit at the HCP's street
        address, in whole minutes."""
        from repcompanion.workspace.planning import address_text, to_ics

        addresses = {}
        for v in day.visits:
            hcp = self._ws.store.hcps.find(v.hcp_id)
            if hcp is not None:
                addresses[v.hcp_id] = address_text(hcp.address)
        path.write_bytes(to_ics(day.plan, addresses=addresses))
        return path

    def set_start(self, latitude: float, longitude: float) -> Changes:
        """Remember where the rep's day starts (home or office)."""
        self._ws.store.sync_state.set_value(PLAN_START_KEY, f"{latitude},{longitude}")
        return Changes(plan=True)
