"""A day that follows the clock and the rep: time zone, working days, days off, places, who was seen today."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import PlanError, ValidationError
from repcompanion.workspace import (
    DaySettings,
    PlaceNotFoundError,
    Workspace,
    whole_minute,
)
from repcompanion.workspace.day import resolve_address, territory_time_zone
from tests.workspace.conftest import open_copy

NEW_YORK = ZoneInfo("America/New_York")
WEDNESDAY = date(2026, 11, 25)
SATURDAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def folder(demo_template):
    return demo_template(60)


@pytest.fixture
def ws(folder, tmp_path):
    yield from open_copy(folder, tmp_path)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NEW_YORK)


def test_the_working_day_is_the_reps_calendar_day_not_utcs(ws: Workspace) -> None:
    assert ws.day.time_zone() == "America/New_York"  # the territory is in Massachusetts
    ws.pin_clock(datetime(2026, 11, 26, 2, 30, tzinfo=UTC))  # 21:30 on the 25th in Boston
    assert ws.today() == WEDNESDAY
    ws.day.update(time_zone="Europe/Paris")
    assert ws.today() == date(2026, 11, 26)
    with pytest.raises(ValidationError, match="not a time zone"):
        ws.day.update(time_zone="Mars/Olympus")


def test_planning_at_1515_starts_after_1515(ws: Workspace) -> None:
    ws.pin_clock(at(WEDNESDAY, 15, 15))
    day = ws.plans.plan(time_limit_s=0.3)
    assert day.settings.day == WEDNESDAY and day.notice == ""
    assert day.settings.hours[0] == time(15, 15) and day.working_hours == (time(8, 30), time(17, 30))
    assert day.visits, "an afternoon still holds visits"
    assert all(v.arrive.astimezone(NEW_YORK).time() >= time(15, 15) for v in day.visits)
    ws.pin_clock(at(WEDNESDAY, 15, 12) + timedelta(seconds=30))
    assert ws.plans.plan(time_limit_s=0.2).settings.hours[0] == time(15, 15)  # the next whole five minutes


def test_after_hours_and_on_a_weekend_the_next_working_day_is_planned(ws: Workspace) -> None:
    ws.pin_clock(at(WEDNESDAY, 17, 0))
    evening = ws.plans.plan(time_limit_s=0.2)
    assert evening.settings.day == date(2026, 11, 26) and evening.settings.hours[0] == time(8, 30)
    assert "end at 17:30" in evening.notice
    ws.pin_clock(at(SATURDAY, 9, 0))
    weekend = ws.plans.plan(time_limit_s=0.2)
    assert weekend.settings.day == date(2026, 11, 30)  # Monday
    assert "do not work on Saturdays" in weekend.notice
    with pytest.raises(PlanError, match="do not work on Sundays"):
        ws.plans.plan(date(2026, 11, 29), time_limit_s=0.2)


def test_days_off_and_working_weekdays_come_from_the_reps_settings(ws: Workspace) -> None:
    ws.day.update(weekdays=[0, 1, 2, 3], days_off=[date(2026, 11, 30)])  # no Fridays; Monday 30th off
    ws.pin_clock(at(date(2026, 11, 26), 18, 0))  # Thursday evening
    day = ws.plans.plan(time_limit_s=0.2)
    assert day.settings.day == date(2026, 12, 1)  # not Friday, not the weekend, not the day off
    with pytest.raises(PlanError, match="one of your days off"):
        ws.plans.plan(date(2026, 11, 30), time_limit_s=0.2)
    reopened = DaySettings.from_json(ws.day.settings().to_json())
    assert reopened == ws.day.settings()


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)), st.sets(st.integers(0, 6), min_size=1))
def test_the_next_working_day_is_never_a_day_off(start: date, weekdays: set[int]) -> None:
    settings = DaySettings(weekdays=frozenset(weekdays), days_off=(start, start + timedelta(days=1)))
    found = settings.next_working_day(start)
    assert found >= start and settings.works_on(found) and found.weekday() in weekdays
    assert all(not settings.works_on(start + timedelta(days=k)) for k in range((found - start).days))


def test_a_visit_logged_today_takes_the_hcp_off_the_list_and_the_plan(ws: Workspace) -> None:
    ws.pin_clock(at(WEDNESDAY, 10, 0))
    top = ws.ranking.lines()[0]
    assert top.rank == 1
    planned = ws.plans.plan(time_limit_s=0.2)
    visited = planned.visits[0].hcp_id
    ws.visits.submit(ws.visits.new(visited).edited(topics=("efficacy",)))
    assert ws.day.seen() == {visited}
    lines = ws.ranking.lines()
    assert visited not in {line.hcp_id for line in lines}
    assert [line.rank for line in lines] == list(range(1, len(lines) + 1))
    assert visited not in {s.hcp_id for s in ws.ranking.priorities()}
    again = ws.plans.plan(time_limit_s=0.2)
    assert visited not in again.order and visited not in {c.hcp_id for c in again.candidates}
    ws.pin_clock(at(WEDNESDAY + timedelta(days=1), 10, 0))
    assert visited in {line.hcp_id for line in ws.ranking.lines()}  # a new day: back on the list


def test_a_saved_place_is_placed_offline_and_starts_the_day(ws: Workspace) -> None:
    home = ws.day.save_place("Home", "18 Franklin Street, Boston, MA 02133-1234", start_here=True)
    assert home.point == pytest.approx((42.3584, -71.0598)) and "02133" in home.found
    office = ws.day.save_place("Office", "Worcester, MA")
    assert office.found == "the middle of Worcester, MA"
    ws.pin_clock(at(WEDNESDAY, 8, 0))
    assert ws.plans.plan(time_limit_s=0.2).settings.start == home.point
    from_office = ws.plans.plan(start="office", time_limit_s=0.2)
    assert from_office.settings.start == office.point and from_office.start_place == "Office"
    with pytest.raises(PlaceNotFoundError, match="no ZIP code or town"):
        ws.day.save_place("Home", "somewhere nice")
    with pytest.raises(PlaceNotFoundError, match="00000 is not in the offline ZIP table"):
        ws.day.save_place("Home", "1 Nowhere Road, 00000")
    assert ws.day.settings().place("Home") == home  # a failed save keeps the place
    ws.day.forget_place("Home")
    assert ws.day.settings().start == ""


def test_an_address_number_is_not_taken_for_its_zip() -> None:
    place = resolve_address("Office", "12345 Main Street, Cambridge, MA 02139")
    assert "02139" in place.found


def test_the_ics_holds_street_addresses_and_whole_minutes(ws: Workspace, tmp_path) -> None:
    ws.pin_clock(at(WEDNESDAY, 8, 0))
    day = ws.plans.plan(time_limit_s=0.2)
    path = ws.plans.export_ics(day, tmp_path / "day.ics")
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert len(events) == len(day.visits)
    for event, visit in zip(events, day.visits, strict=True):
        hcp = ws.directory.hcp(visit.hcp_id)
        location = str(event["LOCATION"])
        assert hcp.address.line1 in location and hcp.address.zip in location and hcp.address.city in location
        start = event.decoded("DTSTART")
        assert start == whole_minute(visit.start) and start.second == 0


def test_the_territorys_time_zone_comes_from_its_state() -> None:
    assert territory_time_zone("ca") == "America/Los_Angeles"
    assert territory_time_zone("TX") == "America/Chicago"
    assert territory_time_zone("") == "America/New_York"


def test_settings_are_saved_all_at_once_or_not_at_all(ws: Workspace) -> None:
    before = ws.day.settings()
    good = {
        "time_zone": "",
        "weekdays": [0, 1, 2],
        "days_off": [date(2026, 12, 24)],
        "hours": (time(9, 0), time(16, 0)),
        "addresses": {"Home": "Worcester, MA", "Office": ""},
        "start": "Home",
    }
    for wrong, message in (
        ({"addresses": {"Home": "nowhere at all"}}, "no ZIP code"),
        ({"weekdays": []}, "at least one working day"),
        ({"hours": (time(17, 0), time(9, 0))}, "before they start"),
        ({"start": "Office"}, "no saved place called 'Office'"),
        ({"time_zone": "Atlantis/Capital"}, "not a time zone"),
    ):
        with pytest.raises((ValidationError, PlaceNotFoundError), match=message):
            ws.day.save_all(**(good | wrong))
        assert ws.day.settings() == before
    changes = ws.day.save_all(**good)
    assert changes.all_hcps and changes.ranking and changes.plan  # every list reads afresh
    saved = ws.day.settings()
    assert saved.weekdays == {0, 1, 2} and saved.start == "Home" and saved.place("Home") is not None
    assert not ws.day.save_all(**good)  # the same again changes nothing


def test_a_visit_in_the_evening_counts_on_the_reps_day_not_on_utcs(ws: Workspace) -> None:
    ws.pin_clock(at(WEDNESDAY, 20, 30))  # 01:30 UTC on Thursday
    hcp = ws.directory.hcps()[3].id
    ws.visits.submit(ws.visits.new(hcp).edited(topics=("efficacy",)))
    assert ws.visits.logged_on(WEDNESDAY) == 1 and ws.visits.logged_on(WEDNESDAY + timedelta(days=1)) == 0
    assert hcp in ws.day.seen(WEDNESDAY) and hcp not in ws.day.seen(WEDNESDAY + timedelta(days=1))


def test_the_ranking_counts_an_evening_visit_on_the_reps_day(ws: Workspace) -> None:
    from repcompanion.intel.nba import promised_follow_ups
    from repcompanion.intel.territory.events import day_number
    from repcompanion.workspace.priorities import event_chunks

    ws.pin_clock(at(WEDNESDAY, 20, 30))  # 01:30 UTC on Thursday
    hcp = ws.directory.hcps()[3].id
    report = ws.visits.submit(ws.visits.new(hcp).edited(topics=("efficacy",), follow_up_requests=("send the label",)))

    def day_of_visit(zone: tzinfo) -> int:
        return max(
            int(d)
            for frame in event_chunks(ws.store, zone)
            for h, d in zip(frame["hcp_id"], frame["day"], strict=True)
            if h == hcp
        )

    assert day_of_visit(NEW_YORK) == day_number(WEDNESDAY)
    assert day_of_visit(UTC) == day_number(WEDNESDAY) + 1  # what the engine saw before it ranked on the rep's clock
    [promise] = promised_follow_ups([report.value], WEDNESDAY, NEW_YORK)
    assert promise.due == WEDNESDAY + timedelta(days=14)
