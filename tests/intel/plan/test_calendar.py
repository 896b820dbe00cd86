"""The .ics export parses with a real calendar library and holds the right times and time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from repcompanion.intel.plan import (
    Candidate,
    LockedVisit,
    PlanSettings,
    best_time_windows,
    recompute_times,
    to_ics,
    whole_minute,
)

BOSTON = (42.3601, -71.0589)


def plan_on(day: date, zone: str = "America/New_York"):
    cands = [
        Candidate("h1", "Dr Ada", BOSTON[0] + 0.02, BOSTON[1], 3.0),
        Candidate("h2", "Dr Bo, Jr.", BOSTON[0] + 0.04, BOSTON[1], 2.0, visit_type="group"),
    ]
    s = PlanSettings(day=day, start=BOSTON, time_zone=zone)
    return recompute_times(["h1", "h2"], cands, s, [LockedVisit("h2", time(14, 0))])


@pytest.mark.parametrize(
    ("day", "offset_h"), [(date(2026, 1, 15), -5), (date(2026, 3, 9), -4), (date(2026, 11, 2), -5)]
)
def test_ics_parses_with_tzid_and_the_dst_offset_of_the_day(day: date, offset_h: int) -> None:
    plan = plan_on(day)
    cal = Calendar.from_ical(to_ics(plan))
    tzs = [c for c in cal.walk("VTIMEZONE")]
    assert [str(t["TZID"]) for t in tzs] == ["America/New_York"]
    events = cal.walk("VEVENT")
    assert len(events) == 2
    for ev, v in zip(events, plan.visits, strict=True):
        assert ev["DTSTART"].params["TZID"] == "America/New_York"
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        assert start == whole_minute(v.start) and end == whole_minute(v.end)
        assert start.utcoffset() == timedelta(hours=offset_h)
        assert start.second == 0 and timedelta(0) <= start - v.start < timedelta(minutes=1)
        assert f"Priority: {v.priority:.2f}" in str(ev["DESCRIPTION"])
        assert v.name in str(ev["LOCATION"])
    booked = events[1]
    assert booked.decoded("DTSTART").time() == time(14, 0)
    assert booked.decoded("DTEND") - booked.decoded("DTSTART") == timedelta(minutes=45)
    assert datetime.combine(day, time(14), tzinfo=UTC) - booked.decoded("DTSTART").astimezone(UTC) == timedelta(
        hours=offset_h
    )


def test_ics_locations_are_street_addresses_and_times_whole_minutes() -> None:
    plan = plan_on(date(2026, 6, 1))
    assert any(v.arrive.second or v.start.second for v in plan.visits), "the drive makes second-level times"
    addresses = {"h1": "18 Franklin Street, Suite 224, Boston, MA 02133"}
    cal = Calendar.from_ical(to_ics(plan, addresses=addresses))
    first, second = cal.walk("VEVENT")
    assert str(first["LOCATION"]) == addresses["h1"]
    assert first.decoded("GEO") == pytest.approx((BOSTON[0] + 0.02, BOSTON[1]))
    assert "Dr Bo" in str(second["LOCATION"])  # no address known: the name and coordinates
    for ev in (first, second):
        for key in ("DTSTART", "DTEND"):
            assert ev.decoded(key).second == 0 and ev.decoded(key).microsecond == 0
    arrive = whole_minute(plan.visits[0].arrive)
    assert f"arrive {arrive:%H:%M}" in str(first["DESCRIPTION"])


@pytest.mark.parametrize(
    ("at", "expected"),
    [((9, 14, 0), (9, 14)), ((9, 14, 1), (9, 15)), ((9, 59, 59), (10, 0))],
)
def test_whole_minute_rounds_up(at: tuple[int, int, int], expected: tuple[int, int]) -> None:
    rounded = whole_minute(datetime(2026, 6, 1, *at, 5 if at[2] else 0, tzinfo=UTC))
    assert (rounded.hour, rounded.minute, rounded.second, rounded.microsecond) == (*expected, 0, 0)


def test_ics_uids_are_stable_per_day_and_hcp() -> None:
    a = Calendar.from_ical(to_ics(plan_on(date(2026, 6, 1))))
    b = Calendar.from_ical(to_ics(plan_on(date(2026, 6, 1)), calendar_name="Other"))
    c = Calendar.from_ical(to_ics(plan_on(date(2026, 6, 2))))
    uid = lambda cal: [str(e["UID"]) for e in cal.walk("VEVENT")]  # noqa: E731
    assert uid(a) == uid(b)
    assert len(set(uid(a))) == 2
    assert set(uid(a)).isdisjoint(uid(c))
    assert str(b["X-WR-CALNAME"]) == "Other"


def test_ics_uses_the_settings_time_zone() -> None:
    plan = plan_on(date(2026, 7, 1), zone="America/Los_Angeles")
    cal = Calendar.from_ical(to_ics(plan))
    ev = cal.walk("VEVENT")[0]
    assert ev["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert ev.decoded("DTSTART").utcoffset() == timedelta(hours=-7)


def test_ics_of_an_empty_plan_is_still_a_calendar() -> None:
    plan = plan_on(date(2026, 6, 1))
    empty = type(plan)(plan.settings, (), plan.order, 0.0, 0.0, plan.end_at)
    cal = Calendar.from_ical(to_ics(empty))
    assert cal.walk("VEVENT") == []


def _at(h: int, m: int, d: int = 1) -> datetime:
    return datetime(2026, 5, d, h, m)


def test_best_time_windows_finds_the_habit() -> None:
    times = [_at(10, 5, 1), _at(10, 40, 2), _at(11, 20, 3), _at(15, 0, 4), _at(10, 15, 5)]
    assert best_time_windows(times) == (time(10, 0), time(11, 30))


def test_best_time_windows_is_at_least_an_hour_wide() -> None:
    assert best_time_windows([_at(9, 0, d) for d in range(1, 5)]) == (time(8, 30), time(9, 30))


def test_best_time_windows_needs_a_clear_pattern() -> None:
    assert best_time_windows([_at(9, 0), _at(10, 0)]) is None
    assert best_time_windows([_at(8, 30), _at(11, 0), _at(13, 30), _at(16, 0), _at(17, 0)]) is None
