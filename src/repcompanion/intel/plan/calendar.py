"""Export of a day plan as an iCalendar (.ics) file that Outlook and Google Calendar import."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, vGeo

from repcompanion.intel.plan.records import DayPlan, PlannedVisit

__all__ = ["to_ics", "visit_uid", "whole_minute"]

_NAMESPACE = uuid.UUID("6f1c7a52-8f0e-4d8e-9d0b-3c1f4e5a9b21")


def visit_uid(day: str, hcp_id: str) -> str:
    """Stable per day and HCP, so re-importing an updated plan replaces the events instead of doubling them."""
    return f"{uuid.uuid5(_NAMESPACE, f'{day}/{hcp_id}')}@repcompanion"


def whole_minute(at: datetime) -> datetime:
    """``at`` rounded up to a whole minute (the planner works in seconds; a calendar and a rep in minutes).

    Rounding every time of a plan up keeps their order, so a visit never seems to start before its arrival."""
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(minutes=1)


def _description(v: PlannedVisit) -> str:
    lines = [
        f"Priority: {v.priority:.2f}",
        f"Visit {v.order}; arrive {whole_minute(v.arrive):%H:%M} after {v.travel_min:.0f} min of driving.",
    ]
    if v.locked:
        lines.append("Booked visit (kept at its time).")
    lines.append(f"HCP id: {v.hcp_id}")
    return "\n".join(lines)


def to_ics(
    plan: DayPlan, *, calendar_name: str = "RepCompanion day plan", addresses: Mapping[str, str] | None = None
) -> bytes:
    """A VCALENDAR with the plan's VTIMEZONE and one VEVENT per visit (whole-minute times with TZID).

    ``addresses``: each HCP's street address, the event's location (a phone's maps app opens it); without
    one the location is the name and coordinates."""
    addresses = addresses or {}
    cal = Calendar()
    cal.add("prodid", "-//RepCompanion//Day plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", plan.settings.time_zone)
    stamp = datetime.now(UTC).replace(microsecond=0)
    day = plan.settings.day.isoformat()
    for v in plan.visits:
        ev = Event()
        ev.add("uid", visit_uid(day, v.hcp_id))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", whole_minute(v.start))
        ev.add("dtend", whole_minute(v.end))
        ev.add("summary", f"Visit {v.name}" + (" (booked)" if v.locked else ""))
        address = addresses.get(v.hcp_id, "")
        if address:
            ev.add("location", address)
        elif v.latitude is not None and v.longitude is not None:
            ev.add("location", f"{v.name} ({v.latitude:.5f}, {v.longitude:.5f})")
        else:
            ev.add("location", v.name)
        if v.latitude is not None and v.longitude is not None:
            ev.add("geo", vGeo((v.latitude, v.longitude)))
        ev.add("description", _description(v))
        ev.add("categories", ["RepCompanion", v.visit_type])
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    # A compact VTIMEZONE with the transitions of the plan's year (works for any year, Outlook included).
    year = plan.settings.day.year
    cal.add_missing_timezones(first_date=date(year, 1, 1), last_date=date(year, 12, 31))
    return cal.to_ical()
