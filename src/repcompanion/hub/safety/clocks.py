"""Adverse-event intakes on the hub with their 24-hour reporting clocks and forwarding state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from repcompanion.domain.models import AE_REPORTING_WINDOW
from repcompanion.hub.db import HubDb, schema
from repcompanion.hub.db.schema import ae_forwarding


@dataclass(frozen=True)
class IntakeClock:
    """An intake as the hub sees it, with its 24-hour reporting clock and forwarding state."""

    id: str
    hcp_id: str
    hcp_name: str
    user_name: str
    territory_id: str
    product_id: str | None
    seriousness: str
    aware_at: datetime
    received_at: datetime
    forwarded_at: datetime | None
    attempts: int
    last_error: str
    next_attempt_at: datetime | None

    @property
    def due_at(self) -> datetime:
        return self.aware_at + AE_REPORTING_WINDOW

    def overdue(self, now: datetime) -> bool:
        """Not forwarded and past the 24-hour deadline."""
        return self.forwarded_at is None and now > self.due_at

    def clock(self, now: datetime) -> str:
        """``"5 h 10 min left"``, ``"OVERDUE by 6 h 00 min"`` or ``"forwarded ... (on time)"``."""
        if self.forwarded_at is not None:
            late = self.forwarded_at - self.due_at
            when = self.forwarded_at.strftime("%Y-%m-%d %H:%M UTC")
            return f"forwarded {when} ({'LATE by ' + duration_text(late) if late > timedelta(0) else 'on time'})"
        left = self.due_at - now
        return f"OVERDUE by {duration_text(-left)}" if left < timedelta(0) else f"{duration_text(left)} left"

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "hcp_id": self.hcp_id,
            "hcp_name": self.hcp_name,
            "user_name": self.user_name,
            "territory_id": self.territory_id,
            "product_id": self.product_id,
            "seriousness": self.seriousness,
            "aware_at": self.aware_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "received_at": self.received_at.isoformat(),
            "forwarded": self.forwarded_at is not None,
            "forwarded_at": self.forwarded_at.isoformat() if self.forwarded_at else None,
            "seconds_left": int((self.due_at - now).total_seconds()),
            "overdue": self.overdue(now),
            "clock": self.clock(now),
            "attempts": self.attempts,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


def duration_text(d: timedelta) -> str:
    minutes = int(abs(d).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days} d {hours} h {mins:02d} min" if days else f"{hours} h {mins:02d} min"


def parse_utc(value: str | None) -> datetime | None:
    """An ISO timestamp as an aware datetime (naive ones are UTC); None for an empty value."""
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def clock_query(*, unforwarded: bool = False) -> Any:
    """Intakes with their HCP's name and forwarding state; ``unforwarded``: only those not yet forwarded."""
    i, h, f = schema.ae_intakes, schema.synced["hcps"], ae_forwarding
    query = (
        select(
            i.c.id,
            i.c.hcp_id,
            h.c.first_name,
            h.c.last_name,
            i.c.user_name,
            i.c.territory_id,
            i.c.product_id,
            i.c.seriousness,
            i.c.aware_at,
            i.c.received_at,
            i.c.forwarded_at,
            f.c.sent_at,
            f.c.attempts,
            f.c.last_error,
            f.c.next_attempt_at,
        )
        .select_from(i.outerjoin(h, h.c.id == i.c.hcp_id).outerjoin(f, f.c.intake_id == i.c.id))
        .order_by(i.c.aware_at, i.c.id)
    )
    if unforwarded:  # what read_clock reads as forwarded_at None: neither timestamp set
        query = query.where(or_(f.c.sent_at.is_(None), f.c.sent_at == ""))
        query = query.where(or_(i.c.forwarded_at.is_(None), i.c.forwarded_at == ""))
    return query


def read_clock(r: Any) -> IntakeClock:
    name = f"{r.first_name or ''} {r.last_name or ''}".strip() or "(unknown HCP)"
    return IntakeClock(
        id=r.id,
        hcp_id=r.hcp_id,
        hcp_name=name,
        user_name=r.user_name,
        territory_id=r.territory_id,
        product_id=r.product_id,
        seriousness=r.seriousness or "unknown",
        aware_at=parse_utc(r.aware_at),  # type: ignore[arg-type]
        received_at=parse_utc(r.received_at),  # type: ignore[arg-type]
        # the hub's own record of delivery wins over a later re-push of the intake by the device
        forwarded_at=parse_utc(r.sent_at) or parse_utc(r.forwarded_at),
        attempts=int(r.attempts or 0),
        last_error=r.last_error or "",
        next_attempt_at=parse_utc(r.next_attempt_at),
    )


def intake_clocks(db: HubDb, *, overdue_only: bool = False, now: datetime | None = None) -> list[IntakeClock]:
    """Every intake on the hub, oldest awareness first; ``overdue_only``: unforwarded and past 24 hours."""
    now = utc(now or datetime.now(UTC))
    with db.read() as conn:
        clocks = [read_clock(r) for r in conn.execute(clock_query())]
    return [c for c in clocks if c.overdue(now)] if overdue_only else clocks
