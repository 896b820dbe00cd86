"""Plan my day: the day's most valuable visits routed into the rep's hours, edited by hand, exported to a calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.domain import PlanError
from repcompanion.workspace.changes import Changes

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
    start, time zone). Its booked visits (``locked``) stay at their times through every edit."""

    plan: DayPlan
    candidates: tuple[Candidate, ...]
    settings: PlanSettings

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


class PlanManager:
    """``ws.plans``: plan the day from the ranking, reorder, book, replace a cancelled visit, export."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def plan(
        self,
        day: date | None = None,
        *,
        start: tuple[float, float] | None = None,
        hours: tuple[time, time] | None = None,
        locked: Sequence[LockedVisit] = (),
        time_limit_s: float = 1.0,
    ) -> PlannedDay:
        """Route the day's most valuable allowed visits into the working hours, keeping the ``locked`` bookings."""
        from repcompanion.workspace import planning

        day = day or self._ws.today()
        engine_candidates = self._ws.ranking.engine(day).candidates(day)
        plan, candidates, settings = planning.plan(
            self._ws.store, engine_candidates, day, start=start, hours=hours, locked=locked, time_limit_s=time_limit_s
        )
        return PlannedDay(plan, tuple(candidates), settings)

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

        plan = recompute_times(list(order), day.candidates, day.settings, locked)
        return PlannedDay(plan, day.candidates, day.settings)

    def replace_cancelled(self, day: PlannedDay, hcp_id: str) -> PlannedDay:
        """Fill a cancelled visit's slot with the best nearby candidate; the other visits stay as they are."""
        from repcompanion.workspace.planning import replace_cancelled

        plan = replace_cancelled(day.plan, hcp_id, day.candidates, day.settings)
        return PlannedDay(plan, day.candidates, day.settings)

    def export_ics(self, day: PlannedDay, path: Path) -> Path:
        """Write the day to an .ics calendar file (Outlook, Google Calendar)."""
        from repcompanion.workspace.planning import to_ics

        path.write_bytes(to_ics(day.plan))
        return path

    def set_start(self, latitude: float, longitude: float) -> Changes:
        """Remember where the rep's day starts (home or office)."""
        self._ws.store.sync_state.set_value(PLAN_START_KEY, f"{latitude},{longitude}")
        return Changes(plan=True)
