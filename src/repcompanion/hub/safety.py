"""Forwarding adverse-event intakes to the pharmacovigilance mailbox over SMTP, and their 24-hour clocks.

Delivery guarantee: each intake is claimed, sent and marked forwarded in ONE database transaction (the
intake's row is locked: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite). If the
process dies after the SMTP server accepted the message but before the commit, the intake is still
unforwarded and is sent once more on the next run — with the same ``Message-ID`` (derived from the intake
id), so pharmacovigilance sees a duplicate of the same report, never a second distinct one. A failed attempt
is recorded (attempt count, error text, next attempt time with exponential backoff) and shown by
``repcompanion-hub safety list``.
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, or_, select
from sqlalchemy.exc import SQLAlchemyError

from repcompanion.domain.enums import IntakeStatus
from repcompanion.domain.errors import RepCompanionError
from repcompanion.domain.models import AE_REPORTING_WINDOW
from repcompanion.domain.rows import joined_text, tuple_parse
from repcompanion.hub import schema
from repcompanion.hub.db import HubDb

_metadata = MetaData()

#: Hub-only: one row per intake once forwarding was tried (migration 0004).
ae_forwarding = Table(
    "ae_forwarding",
    _metadata,
    Column("intake_id", Text, primary_key=True),
    Column("message_id", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_attempt_at", Text),
    Column("next_attempt_at", Text),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("recipient", Text),
    Column("sent_at", Text),
)

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=15)  # the 24-hour clock leaves no room for long back-offs
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9._-]{1,100}")


@dataclass(frozen=True)
class PvMailbox:
    """Where and how intakes are sent."""

    host: str
    port: int
    to: str
    sender: str = "repcompanion-hub@localhost"
    timeout_s: float = 15.0
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)


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


@dataclass
class ForwardResult:
    forwarded: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (intake id, error)
    waiting: int = 0  # unforwarded intakes whose next retry is not due yet


def duration_text(d: timedelta) -> str:
    minutes = int(abs(d).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days} d {hours} h {mins:02d} min" if days else f"{hours} h {mins:02d} min"


def _aware(value: str | None) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _local_part(intake_id: str) -> str:
    return intake_id if _SAFE_LOCAL.fullmatch(intake_id) else hashlib.sha256(intake_id.encode()).hexdigest()[:32]


def message_id(intake_id: str, sender: str) -> str:
    """The Message-ID of an intake's report: the same on every attempt, so a resend is a visible duplicate."""
    local = _local_part(intake_id)
    domain = sender.rpartition("@")[2].strip(" >") or "repcompanion.hub"
    return f"<ae-intake.{local}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones (30 s, 1 min, 2 min, ... at most 15 min)."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


# -- reading ------------------------------------------------------------------------------------------------


def _clock_query(*, unforwarded: bool = False) -> Any:
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
    if unforwarded:  # what _clock reads as forwarded_at None: neither timestamp set
        query = query.where(or_(f.c.sent_at.is_(None), f.c.sent_at == ""))
        query = query.where(or_(i.c.forwarded_at.is_(None), i.c.forwarded_at == ""))
    return query


def _clock(r: Any) -> IntakeClock:
    name = f"{r.first_name or ''} {r.last_name or ''}".strip() or "(unknown HCP)"
    return IntakeClock(
        id=r.id,
        hcp_id=r.hcp_id,
        hcp_name=name,
        user_name=r.user_name,
        territory_id=r.territory_id,
        product_id=r.product_id,
        seriousness=r.seriousness or "unknown",
        aware_at=_aware(r.aware_at),  # type: ignore[arg-type]
        received_at=_aware(r.received_at),  # type: ignore[arg-type]
        # the hub's own record of delivery wins over a later re-push of the intake by the device
        forwarded_at=_aware(r.sent_at) or _aware(r.forwarded_at),
        attempts=int(r.attempts or 0),
        last_error=r.last_error or "",
        next_attempt_at=_aware(r.next_attempt_at),
    )


def intake_clocks(db: HubDb, *, overdue_only: bool = False, now: datetime | None = None) -> list[IntakeClock]:
    """Every intake on the hub, oldest awareness first; ``overdue_only``: unforwarded and past 24 hours."""
    now = _utc(now or datetime.now(UTC))
    with db.read() as conn:
        clocks = [_clock(r) for r in conn.execute(_clock_query())]
    return [c for c in clocks if c.overdue(now)] if overdue_only else clocks


# -- the report ---------------------------------------------------------------------------------------------


def _lookup(conn: Connection, table: Table, key: str) -> dict[str, Any]:
    found = conn.execute(select(table).where(table.c.id == key)).mappings().first()
    return dict(found) if found is not None else {}


def build_message(
    intake: dict[str, Any], hcp: dict[str, Any], product: dict[str, Any], mailbox: PvMailbox
) -> EmailMessage:
    """The RFC 5322 report of one intake: readable text plus the same fields as a JSON attachment."""
    aware = _aware(intake["aware_at"])
    assert aware is not None
    due = aware + AE_REPORTING_WINDOW
    fmt = "%Y-%m-%d %H:%M UTC"
    hcp_name = " ".join(p for p in (hcp.get("first_name"), hcp.get("middle_name"), hcp.get("last_name")) if p)
    address = ", ".join(
        str(p) for p in (hcp.get("line1"), hcp.get("line2"), hcp.get("city"), hcp.get("state"), hcp.get("zip")) if p
    )
    product_text = intake.get("product_id") or "(not given)"
    if product:
        product_text = (
            f"{product['name']} ({product.get('generic_name') or 'generic name not given'}), id {product['id']}"
        )
    seriousness = (intake.get("seriousness") or "unknown").replace("_", "-")
    lines = [
        "Possible adverse event / product complaint reported by a sales rep through RepCompanion.",
        "",
        f"Intake id:            {intake['id']}",
        f"Seriousness:          {seriousness}",
        f"Rep became aware:     {aware.astimezone(UTC).strftime(fmt)}",
        f"Report due by:        {due.astimezone(UTC).strftime(fmt)} (24 hours after awareness)",
        f"Recorded on device:   {intake.get('created_at')}",
        f"Received by the hub:  {intake.get('received_at')}",
        f"Categories:           {', '.join(tuple_parse(intake.get('categories'))) or '(none)'}",
        f"Product:              {product_text}",
        f"Reporter:             {intake.get('reporter') or '(not given)'}",
        f"Patient details:      {intake.get('patient_details') or '(not given)'}",
        f"Call report:          {intake.get('call_report_id') or '(none)'}",
        "",
        "Event description:",
        *(f"  {line}" for line in str(intake["description"]).splitlines() or [""]),
        "",
        "Healthcare professional:",
        f"  Name:       {hcp_name or '(unknown)'} {hcp.get('credentials') or ''}".rstrip(),
        f"  HCP id:     {intake['hcp_id']}",
        f"  NPI:        {hcp.get('npi') or '(unknown)'}",
        f"  Specialty:  {hcp.get('specialty_label') or hcp.get('specialty_code') or '(unknown)'}",
        f"  Address:    {address or '(unknown)'}",
        f"  Phone:      {hcp.get('phone') or '(unknown)'}",
        f"  Email:      {hcp.get('email') or '(unknown)'}",
        "",
        "Sales rep:",
        f"  User:       {intake['user_name']}",
        f"  Territory:  {intake['territory_id']}",
        f"  Device:     {intake['device_id']}",
        "",
        "A resend of this report carries the same Message-ID; treat it as the same report.",
    ]
    msg = EmailMessage()
    msg["From"] = mailbox.sender
    msg["To"] = mailbox.to
    msg["Subject"] = f"[AE intake] {intake['id']} - {seriousness} - due {due.astimezone(UTC).strftime(fmt)}"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = message_id(str(intake["id"]), mailbox.sender)
    msg["X-RepCompanion-Intake-Id"] = str(intake["id"])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join(lines) + "\n")
    record = {
        **intake,
        "categories": joined_text(intake.get("categories")),  # the attachment's form since the first release
        "due_at": due.isoformat(),
        "hcp": {k: hcp.get(k) for k in ("id", "npi", "first_name", "last_name", "credentials", "specialty_label")},
        "product": product or None,
    }
    msg.add_attachment(
        json.dumps(record, indent=1, default=str).encode("utf-8"),
        maintype="application",
        subtype="json",
        filename=f"ae-intake-{_local_part(str(intake['id']))}.json",
    )
    return msg


def smtp_send(mailbox: PvMailbox, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server; returns only once the server accepted it for the recipient."""
    with smtplib.SMTP(mailbox.host, mailbox.port, timeout=mailbox.timeout_s) as smtp:
        if mailbox.starttls:
            smtp.starttls()
        if mailbox.username:
            smtp.login(mailbox.username, mailbox.password or "")
        refused = smtp.send_message(msg, from_addr=mailbox.sender, to_addrs=[mailbox.to])
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


# -- forwarding ---------------------------------------------------------------------------------------------


def _candidates(db: HubDb, now: datetime) -> tuple[list[str], int]:
    ready, waiting = [], 0
    with db.read() as conn:
        clocks = [_clock(r) for r in conn.execute(_clock_query(unforwarded=True))]
    for c in clocks:
        if c.next_attempt_at is not None and c.next_attempt_at > now:
            waiting += 1
            continue
        ready.append(c)
    ready.sort(key=lambda c: (c.due_at, c.id))  # the nearest deadline first
    return [c.id for c in ready], waiting


def _claim(conn: Connection, intake_id: str) -> dict[str, Any] | None:
    """Lock the intake row if it is still unforwarded (None if another worker holds it or it was sent)."""
    i, f = schema.ae_intakes, ae_forwarding
    found = (
        conn.execute(select(i).where(i.c.id == intake_id, i.c.forwarded_at.is_(None)).with_for_update(skip_locked=True))
        .mappings()
        .first()
    )
    if found is None:
        return None
    sent = conn.execute(select(f.c.sent_at).where(f.c.intake_id == intake_id)).scalar()
    return None if sent else dict(found)


def _ensure_forwarding_row(conn: Connection, intake_id: str, mailbox: PvMailbox) -> None:
    f = ae_forwarding
    if conn.execute(select(f.c.intake_id).where(f.c.intake_id == intake_id)).first() is None:
        conn.execute(
            f.insert().values(
                intake_id=intake_id, message_id=message_id(intake_id, mailbox.sender), attempts=0, last_error=""
            )
        )


def _mark_forwarded(conn: Connection, intake_id: str, mailbox: PvMailbox, at: datetime) -> None:
    f = ae_forwarding
    conn.execute(
        schema.ae_intakes.update()
        .where(schema.ae_intakes.c.id == intake_id)
        .values(forwarded_at=at.isoformat(), status=IntakeStatus.FORWARDED.value)
    )
    conn.execute(
        f.update()
        .where(f.c.intake_id == intake_id)
        .values(
            attempts=f.c.attempts + 1,
            last_attempt_at=at.isoformat(),
            next_attempt_at=None,
            last_error="",
            recipient=mailbox.to,
            sent_at=at.isoformat(),
        )
    )


def _record_failure(conn: Connection, intake_id: str, mailbox: PvMailbox, at: datetime, error: str) -> None:
    f = ae_forwarding
    attempts = int(conn.execute(select(f.c.attempts).where(f.c.intake_id == intake_id)).scalar_one()) + 1
    conn.execute(
        f.update()
        .where(f.c.intake_id == intake_id)
        .values(
            attempts=attempts,
            last_attempt_at=at.isoformat(),
            next_attempt_at=(at + backoff(attempts)).isoformat(),
            last_error=error[:1000],
            recipient=mailbox.to,
        )
    )


def _claim_transaction(db: HubDb) -> Any:
    conn = db.engine.connect()
    if db.dialect == "sqlite":
        conn = conn.execution_options(sqlite_write=True)  # BEGIN IMMEDIATE: the claim holds the write lock
    return conn


def forward_pending(
    db: HubDb,
    mailbox: PvMailbox,
    *,
    now: datetime | None = None,
    send: Callable[[PvMailbox, EmailMessage], None] = smtp_send,
    limit: int = 200,
) -> ForwardResult:
    """Send every unforwarded intake whose retry is due, each claimed, sent and marked in one transaction."""
    clock_now = _utc(now) if now else None
    result = ForwardResult()
    ids, result.waiting = _candidates(db, clock_now or datetime.now(UTC))
    for intake_id in ids[:limit]:
        with _claim_transaction(db) as conn, conn.begin():
            intake = _claim(conn, intake_id)
            if intake is None:
                continue
            _ensure_forwarding_row(conn, intake_id, mailbox)
            hcp = _lookup(conn, schema.synced["hcps"], intake["hcp_id"])
            product = _lookup(conn, schema.synced["products"], intake["product_id"]) if intake["product_id"] else {}
            msg = build_message(intake, hcp, product, mailbox)
            try:
                send(mailbox, msg)
            except (smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                _record_failure(conn, intake_id, mailbox, clock_now or datetime.now(UTC), error)
                result.failed.append((intake_id, error))
                continue
            _mark_forwarded(conn, intake_id, mailbox, clock_now or datetime.now(UTC))
            result.forwarded.append(intake_id)
    return result


def forward_forever(
    db: HubDb,
    mailbox: PvMailbox,
    *,
    interval_s: float,
    report: Callable[[ForwardResult], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Forward pending intakes every ``interval_s`` seconds until ``should_stop()``; database outages are
    reported through ``report`` as failures of the pass and retried on the next one."""
    while not should_stop():
        try:
            report(forward_pending(db, mailbox))
        except (RepCompanionError, SQLAlchemyError) as exc:
            report(ForwardResult(failed=[("(database)", f"{type(exc).__name__}: {exc}")]))
        deadline = time.monotonic() + interval_s
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.5, interval_s))


__all__ = [
    "ForwardResult",
    "IntakeClock",
    "PvMailbox",
    "ae_forwarding",
    "backoff",
    "build_message",
    "duration_text",
    "forward_forever",
    "forward_pending",
    "intake_clocks",
    "message_id",
    "smtp_send",
]
