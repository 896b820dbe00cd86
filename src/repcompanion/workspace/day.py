"""The rep's working day: time zone, working days and days off, hours, saved places, and who was seen today."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from repcompanion.domain import HcpId, PlanError, ValidationError
from repcompanion.workspace.changes import ALL, Changes

if TYPE_CHECKING:
    from repcompanion.store import Store
    from repcompanion.workspace.core import Workspace

#: Where the rep's day settings are kept in the workspace (JSON).
DAY_SETTINGS_KEY = "rep_day"
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONDAY_TO_FRIDAY = frozenset(range(5))
DEFAULT_HOURS = (time(8, 30), time(17, 30))
#: The names of the places a day can start from.
HOME, OFFICE = "Home", "Office"
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_CITY_STATE = re.compile(r"([A-Za-z][A-Za-z .'-]*?)\s*,\s*([A-Za-z]{2})\b")


class PlaceNotFoundError(ValidationError):
    """An address that cannot be placed on the map offline."""

    hint = (
        "Give the address with its 5-digit ZIP code (e.g. 18 Franklin Street, Boston, MA 02133), or a town and state."
    )


@dataclass(frozen=True)
class Place:
    """A saved place a day can start from (home, office): the address as typed and where it was placed."""

    name: str
    address: str
    latitude: float
    longitude: float
    found: str  # what the address was placed at, in words ("ZIP 02133, Boston, MA")

    @property
    def point(self) -> tuple[float, float]:
        return self.latitude, self.longitude


@dataclass(frozen=True)
class DaySettings:
    """How the rep works: time zone, working weekdays (0 = Monday), days off, hours and the day's start place.

    ``time_zone`` empty: the territory's own (from its HCPs' ZIP codes). ``start`` names one of ``places``;
    empty, the day starts from the middle of the territory.
    """

    time_zone: str = ""
    weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    days_off: tuple[date, ...] = ()
    hours: tuple[time, time] = DEFAULT_HOURS
    places: tuple[Place, ...] = ()
    start: str = ""

    def works_on(self, day: date) -> bool:
        """``day`` is a working day (a working weekday and not a day off)."""
        return day.weekday() in self.weekdays and day not in self.days_off

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next one."""
        if not self.weekdays:
            raise PlanError("No weekday is set as a working day, so there is no day to plan.", hint=SETTINGS_HINT)
        for offset in range(370):
            candidate = day + timedelta(days=offset)
            if self.works_on(candidate):
                return candidate
        raise PlanError("There is no working day in the coming year.", hint=SETTINGS_HINT)

    def place(self, name: str) -> Place | None:
        return next((p for p in self.places if p.name.lower() == name.lower()), None)

    def why_not(self, day: date) -> str:
        """Why ``day`` is not a working day, in words ("" when it is one)."""
        if day in self.days_off:
            return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()} is one of your days off"
        if day.weekday() not in self.weekdays:
            return f"you do not work on {WEEKDAY_NAMES[day.weekday()]}s"
        return ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "time_zone": self.time_zone,
                "weekdays": sorted(self.weekdays),
                "days_off": [d.isoformat() for d in sorted(self.days_off)],
                "hours": [t.strftime("%H:%M") for t in self.hours],
                "places": [p.__dict__ for p in self.places],
                "start": self.start,
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> DaySettings:
        """The settings ``text`` holds; anything missing or unreadable is the default."""
        if not text:
            return cls()
        try:
            raw = json.loads(text)
            return cls(
                time_zone=str(raw.get("time_zone", "")),
                weekdays=frozenset(int(d) for d in raw.get("weekdays", sorted(MONDAY_TO_FRIDAY)) if 0 <= int(d) <= 6),
                days_off=tuple(date.fromisoformat(d) for d in raw.get("days_off", ())),
                hours=_hours(raw.get("hours")),
                places=tuple(Place(**p) for p in raw.get("places", ())),
                start=str(raw.get("start", "")),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()


SETTINGS_HINT = "Set your working days and days off in Settings (File ▸ Settings…)."


def _hours(value: object) -> tuple[time, time]:
    if isinstance(value, list) and len(value) == 2:
        start, end = (time.fromisoformat(str(v)) for v in value)
        if start < end:
            return start, end
    return DEFAULT_HOURS


@dataclass(frozen=True)
class DayStart:
    """When and from where a plan starts: the day, the hour (now, on a day already under way) and the place."""

    day: date
    earliest: time
    point: tuple[float, float]
    place: str  # the saved place's name, or "" (the middle of the territory / a point given)
    moved: str = ""  # why the day is not the one asked for, in words ("" when it is)
    notes: tuple[str, ...] = field(default_factory=tuple)


def check_time_zone(name: str) -> str:
    """``name`` when it is an IANA time zone (or empty: the territory's own), else a ValidationError."""
    name = name.strip()
    if not name:
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"{name!r} is not a time zone.", hint="Choose one from the list, such as America/New_York."
        ) from exc
    return name


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone name, the American ones first (the territories are in the US)."""
    names = sorted(available_timezones())
    return tuple([n for n in names if n.startswith("America/")] + [n for n in names if not n.startswith("America/")])


@lru_cache(maxsize=1)
def _zip_table() -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], list[tuple[float, float]]]]:
    """(ZIP → its entry, (town lower-case, state) → the centroids of its ZIP codes), built once."""
    import zipcodes

    by_zip: dict[str, dict[str, str]] = {}
    by_town: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for entry in zipcodes.list_all():
        try:
            point = float(entry["lat"]), float(entry["long"])
        except (KeyError, TypeError, ValueError):
            continue
        by_zip[entry["zip_code"]] = entry
        by_town.setdefault((str(entry["city"]).lower(), str(entry["state"]).upper()), []).append(point)
    return by_zip, by_town


def resolve_address(name: str, address: str) -> Place:
    """Place ``address`` offline at its ZIP code's centroid (or, with no ZIP, its town's middle)."""
    text = address.strip()
    if not text:
        raise PlaceNotFoundError(f"Type the address of {name.lower() or 'the place'} first.")
    by_zip, by_town = _zip_table()
    zips = _ZIP.findall(text)
    for code in reversed(zips):  # the ZIP is at the end of a US address; a street number may look like one
        entry = by_zip.get(code)
        if entry is not None:
            found = f"ZIP {code}, {entry['city']}, {entry['state']}"
            return Place(name, text, float(entry["lat"]), float(entry["long"]), found)
    for town, state in reversed(_CITY_STATE.findall(text)):
        points = by_town.get((town.strip().lower(), state.upper()))
        if points:
            lat = sum(p[0] for p in points) / len(points)
            lon = sum(p[1] for p in points) / len(points)
            return Place(name, text, round(lat, 4), round(lon, 4), f"the middle of {town.strip()}, {state.upper()}")
    if zips:
        raise PlaceNotFoundError(f"ZIP code {zips[-1]} is not in the offline ZIP table; {name} was not saved.")
    raise PlaceNotFoundError(f"{text!r} has no ZIP code or town and state to place it by; {name} was not saved.")


#: The time zone most of each state lives in (a state across two zones gets its larger one).
STATE_TIME_ZONES = {
    **dict.fromkeys(
        [
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "IN",
            "KY",
            "ME",
            "MD",
            "MA",
            "MI",
            "NH",
            "NJ",
            "NY",
            "NC",
            "OH",
            "PA",
            "RI",
            "SC",
            "VT",
            "VA",
            "WV",
        ],
        "America/New_York",
    ),
    **dict.fromkeys(
        ["AL", "AR", "IL", "IA", "KS", "LA", "MN", "MS", "MO", "NE", "ND", "OK", "SD", "TN", "TX", "WI"],
        "America/Chicago",
    ),
    **dict.fromkeys(["CO", "MT", "NM", "UT", "WY", "ID"], "America/Denver"),
    "AZ": "America/Phoenix",
    **dict.fromkeys(["CA", "NV", "OR", "WA"], "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
}
DEFAULT_TIME_ZONE = "America/New_York"


def territory_time_zone(state: str) -> str:
    """The time zone of a territory in ``state`` (New York's when the state is not known)."""
    return STATE_TIME_ZONES.get(state.upper(), DEFAULT_TIME_ZONE)


class DayManager:
    """``ws.day``: the rep's working day — settings, the clock in the rep's time zone, who was seen today."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._settings = DaySettings()
        self._territory_zone = DEFAULT_TIME_ZONE
        self.refresh(ws.store)

    def refresh(self, store: Store) -> None:
        """Read the settings and the territory again (after a sync: the territory may have changed); read on the
        thread that owns ``store``, so that the clock can be read on any thread."""
        self._settings = DaySettings.from_json(store.sync_state.get_value(DAY_SETTINGS_KEY))
        territories = store.territories.all()
        self._territory_zone = territory_time_zone(territories[0].state if territories else "")

    def settings(self) -> DaySettings:
        return self._settings

    def time_zone(self) -> str:
        """The rep's time zone: the one chosen in Settings, else the territory's."""
        return self._settings.time_zone or self._territory_zone

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone())

    def update(
        self,
        *,
        time_zone: str | None = None,
        weekdays: Iterable[int] | None = None,
        days_off: Iterable[date] | None = None,
        hours: tuple[time, time] | None = None,
        start: str | None = None,
    ) -> Changes:
        """Change the given settings (the others stay); a plan made before says it is out of date."""
        current = self.settings()
        new = replace(
            current,
            time_zone=check_time_zone(time_zone) if time_zone is not None else current.time_zone,
            weekdays=frozenset(weekdays) if weekdays is not None else current.weekdays,
            days_off=tuple(sorted(set(days_off))) if days_off is not None else current.days_off,
            hours=_check_hours(hours) if hours is not None else current.hours,
            start=_check_start(current, start) if start is not None else current.start,
        )
        return self._save(new)

    def save_place(self, name: str, address: str, *, start_here: bool = False) -> Place:
        """Place ``address`` offline and keep it as ``name`` (replacing a place of that name)."""
        place = resolve_address(name, address)
        current = self.settings()
        places = (*(p for p in current.places if p.name.lower() != name.lower()), place)
        self._save(replace(current, places=places, start=place.name if start_here else current.start))
        return place

    def locate(self, name: str, address: str) -> Place:
        """Where ``address`` is, offline (nothing is saved); PlaceNotFoundError says why it cannot be placed."""
        return resolve_address(name, address)

    def save_all(
        self,
        *,
        time_zone: str,
        weekdays: Iterable[int],
        days_off: Iterable[date],
        hours: tuple[time, time],
        addresses: dict[str, str],
        start: str,
    ) -> Changes:
        """Every setting at once, as the Settings dialog has them; ``addresses``: place name → address ("" forgets
        the place). Nothing is saved when one of them is wrong (an address that cannot be placed, hours that end
        before they start, a start place with no address)."""
        current = self.settings()
        kept = {p.name: p for p in current.places}
        for name, address in addresses.items():
            if not address.strip():
                kept.pop(name, None)
            elif name not in kept or kept[name].address != address.strip():
                kept[name] = resolve_address(name, address)
        new = DaySettings(
            time_zone=check_time_zone(time_zone),
            weekdays=frozenset(weekdays),
            days_off=tuple(sorted(set(days_off))),
            hours=_check_hours(hours),
            places=tuple(kept.values()),
            start="",
        )
        if not new.weekdays:
            raise ValidationError("Choose at least one working day.", hint="Tick the days of the week you work.")
        new = replace(new, start=_check_start(new, start))
        return self._save(new)

    def forget_place(self, name: str) -> Changes:
        current = self.settings()
        places = tuple(p for p in current.places if p.name.lower() != name.lower())
        start = "" if current.start.lower() == name.lower() else current.start
        return self._save(replace(current, places=places, start=start))

    def _save(self, new: DaySettings) -> Changes:
        changed = new != self.settings()
        self._ws.store.sync_state.set_value(DAY_SETTINGS_KEY, new.to_json())
        self._settings = new
        # the day itself may move (another time zone), and with it who was seen today: every list reads afresh
        return Changes(ALL, ranking=True, plan=True) if changed else Changes()

    # -- the clock ----------------------------------------------------------------------------------------------

    def local_now(self) -> datetime:
        """Now, on the rep's clock."""
        return self._ws.now().astimezone(self.zone())

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The start of ``day`` and of the next day in the rep's time zone, in UTC."""
        zone = self.zone()
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def seen(self, day: date | None = None) -> frozenset[HcpId]:
        """HCPs visited on ``day`` (default today) in the rep's time zone: a visit logged or on record."""
        start, end = self.day_bounds(day or self._ws.today())
        return frozenset(HcpId(h) for h in self._ws.store.activity.visited_between(start, end))


def _check_hours(hours: tuple[time, time]) -> tuple[time, time]:
    start, end = hours
    if end <= start:
        raise ValidationError(
            f"The working hours end ({end:%H:%M}) before they start ({start:%H:%M}).",
            hint="Give the hours as start and end, e.g. 08:30 to 17:30.",
        )
    return start, end


def _check_start(current: DaySettings, name: str) -> str:
    if not name:
        return ""
    place = current.place(name)
    if place is None:
        raise ValidationError(f"There is no saved place called {name!r}.", hint="Save its address first.")
    return place.name


__all__ = [
    "DAY_SETTINGS_KEY",
    "HOME",
    "OFFICE",
    "STATE_TIME_ZONES",
    "WEEKDAY_NAMES",
    "DayManager",
    "DaySettings",
    "DayStart",
    "Place",
    "PlaceNotFoundError",
    "check_time_zone",
    "resolve_address",
    "territory_time_zone",
    "time_zone_names",
]
