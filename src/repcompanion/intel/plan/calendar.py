"""Export of a day plan as an iCalendar (.ics) file that Outlook and Google Calendar import."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from icalendar import Calendar, Event, vGeo

from repcompanion.intel.plan.records import DayPlan, PlannedVisit

__all__ = ["to_ics", "visit_uid"]

_NAMESPACE = uuid.UUID("6f1c7a52-8f0e-4d8e-9d0b-3c1f4e5a9b21")


def visit_uid(day: str, hcp_id: str) -> str:
    """Stable per day and HCP, so re-importing an updated plan replaces the events instead of doubling them."""
    return f"{uuid.uuid5(_NAMESPACE, f'{day}/{hcp_id}')}@repcompanion"


def _description(v: PlannedVisit) -> str:
    lines = [
        f"Priority: {v.priority:.2f}",
        f"Visit {v.order}; arrive {v.arrive:%H:%M} after {v.travel_min:.0f} min of driving.",
    ]
    if v.locked:
        lines.append("Booked visit (kept at its time).")
    lines.append(f"HCP id: {v.hcp_id}")
    return "\n".join(lines)


def to_ics(plan: DayPlan, *, calendar_name: str = "RepCompanion day plan") -> bytes:
    """A VCALENDAR with the plan's VTIMEZONE and one VEVENT per visit (times with TZID)."""
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
        ev.add("dtstart", v.start)
        ev.add("dtend", v.end)
        ev.add("summary", f"Visit {v.name}" + (" (booked)" if v.locked else ""))
        if v.latitude is not None and v.longitude is not None:
            ev.add("location", f"{v.name} ({v.latitude:.5f}, {v.longitude:.5f})")
            ev.add("geo", vGeo((v.latitude, v.longitude)))
        else:
            ev.add("location", v.name)
        ev.add("description", _description(v))
        ev.add("categories", ["RepCompanion", v.visit_type])
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    # A compact VTIMEZONE with the transitions of the plan's year (works for any year, Outlook included).
    year = plan.settings.day.year
    cal.add_missing_timezones(first_date=date(year, 1, 1), last_date=date(year, 12, 31))
    return cal.to_ical()
