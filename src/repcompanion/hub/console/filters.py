"""The console's filters — date range, territory, product — read from the query string and checked, so a bad value
gets a message that says what is wrong instead of a server error or a silently empty page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from repcompanion.domain.errors import HubError
from repcompanion.hub.console.roles import Viewer
from repcompanion.hub.db import schema

#: the longest range one page shows (a year and a day: a leap year's same day last year)
MAX_DAYS = 367
DEFAULT_DAYS = 30
NAMES = ("start", "end", "territory", "product")
#: query parameters that are not filters (the table a CSV or JSON download is for, the message of an action done)
OTHER = ("table", "done")


class FilterError(HubError):
    """A filter value the console cannot use; the page shows the message and keeps the other filters."""

    hint = "Correct the filter and press Apply; the defaults are the last 30 days, every territory and product."


class ScopeError(HubError):
    """A viewer asked for a territory outside their scope (a manager and another manager's reps)."""


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    territory: str | None = None
    product: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_text(self) -> str:
        """The first instant of the range as stored timestamps compare (ISO text)."""
        return self.start.isoformat()

    @property
    def end_text(self) -> str:
        """The first instant after the range (exclusive bound on ISO timestamps)."""
        return (self.end + timedelta(days=1)).isoformat()

    def query(self, **extra: str) -> str:
        values = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.territory:
            values["territory"] = self.territory
        if self.product:
            values["product"] = self.product
        return urlencode(values | extra)

    def scope(self, viewer: Viewer) -> tuple[str, ...] | None:
        """The territories a query covers: the one chosen, else the viewer's (None: all)."""
        return (self.territory,) if self.territory else viewer.territories


def today() -> date:
    return datetime.now(UTC).date()


def _date(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise FilterError(f"The {name} date {raw[:40]!r} is not a date; write it as YYYY-MM-DD.") from exc


def parse(params: Mapping[str, str], conn: Connection, viewer: Viewer, *, now: date | None = None) -> Filters:
    """The filters of a request; FilterError or ScopeError saying what is wrong."""
    unknown = sorted(set(params) - set(NAMES) - set(OTHER))
    if unknown:
        raise FilterError(
            f"There is no filter called {', '.join(repr(u[:40]) for u in unknown)}; the filters are "
            "start, end, territory and product."
        )
    end = _date(params["end"], "end") if params.get("end") else (now or today())
    start = _date(params["start"], "start") if params.get("start") else end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise FilterError(f"The range ends ({end}) before it starts ({start}); swap the dates.")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise FilterError(
            f"The range {start} to {end} is {days:,} days; a page shows at most {MAX_DAYS} days at a time.",
            hint="Choose a shorter range (for longer trends, download each year's CSV).",
        )
    territory = (params.get("territory") or "").strip() or None
    product = (params.get("product") or "").strip() or None
    if territory is not None:
        t = schema.synced["territories"]
        if conn.execute(select(t.c.id).where(t.c.id == territory)).first() is None:
            raise FilterError(f"There is no territory {territory[:60]!r} on this hub; pick one from the list.")
        if not viewer.sees_territory(territory):
            raise ScopeError(
                f"Territory {territory} is not one of yours; you see {', '.join(viewer.territories or ())}.",
                hint="Ask an administrator to make you the manager of its rep.",
            )
    if product is not None:
        p = schema.synced["products"]
        if conn.execute(select(p.c.id).where(p.c.id == product)).first() is None:
            raise FilterError(f"There is no product {product[:60]!r} on this hub; pick one from the list.")
    return Filters(start, end, territory, product)


def choices(conn: Connection, viewer: Viewer) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(territories, products) to offer in the filter form: (id, label) each, the viewer's territories only."""
    t, p = schema.synced["territories"], schema.synced["products"]
    query = select(t.c.id, t.c.name).order_by(t.c.id)
    if viewer.territories is not None:
        query = query.where(t.c.id.in_(viewer.territories))
    territories = [(r[0], f"{r[0]} — {r[1]}") for r in conn.execute(query)]
    products = [(r[0], f"{r[1]} ({r[0]})") for r in conn.execute(select(p.c.id, p.c.name).order_by(p.c.id))]
    return territories, products


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "FilterError", "Filters", "ScopeError", "choices", "parse", "today"]
