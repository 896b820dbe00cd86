"""Forwarding intakes to pharmacovigilance (and product-quality complaints to the quality mailbox): the delivery loop
over unforwarded intakes.

Delivery guarantee: each intake is claimed, sent and marked forwarded in ONE database transaction (the loop's
``locked`` discipline: the intake's row is locked — ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE``
on SQLite). If the process dies after the SMTP server accepted the message but before the commit, the intake is
still unforwarded and is sent once more on the next run — with the same ``Message-ID`` (derived from the intake
id when forwarding is first tried), so pharmacovigilance sees a duplicate of the same report, never a second
distinct one. A failed attempt is recorded (attempt count, error text, next attempt time with exponential backoff)
and shown by ``repcompanion-hub safety list``. An intake is never dead-lettered: every failure is retried.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

from sqlalchemy import Connection, Table, select

from repcompanion.domain.enums import IntakeStatus
from repcompanion.hub.db import HubDb, schema
from repcompanion.hub.db.schema import ae_forwarding
from repcompanion.hub.delivery import (
    Attempt,
    Batch,
    Claimed,
    DeliveryError,
    DeliveryReport,
    Failure,
    RetryPolicy,
    deliver,
    keep_delivering,
    locked,
)
from repcompanion.hub.safety.clocks import clock_query, read_clock, utc
from repcompanion.hub.safety.report import PvMailbox, build_message, message_id, recipients, smtp_send

log = logging.getLogger("repcompanion.hub.safety")

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=15)  # the 24-hour clock leaves no room for long back-offs
POLICY = RetryPolicy(FIRST_RETRY, MAX_RETRY, max_attempts=None)

#: what the loop needs of an intake once it is locked: its row, its HCP and its product (empty when unknown)
Intake = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones (30 s, 1 min, 2 min, ... at most 15 min)."""
    return POLICY.backoff(attempts)


class PvOutbox:
    """Unforwarded intakes as an Outbox of the delivery loop, the nearest deadline first."""

    policy = POLICY

    def __init__(self, db: HubDb, mailbox: PvMailbox) -> None:
        self.db = db
        self.mailbox = mailbox

    def claim(self, now: datetime, limit: int) -> Batch[Intake | None]:
        """The intakes whose retry is due, nearest deadline first; their Message-ID and data are read under the lock
        (:meth:`attempt`). Those whose retry is not due yet are counted as waiting."""
        ready, waiting = [], 0
        with self.db.read() as conn:
            clocks = [read_clock(r) for r in conn.execute(clock_query(unforwarded=True))]
        for c in clocks:
            if c.next_attempt_at is not None and c.next_attempt_at > now:
                waiting += 1
                continue
            ready.append(c)
        ready.sort(key=lambda c: (c.due_at, c.id))
        return Batch([Claimed(c.id, "", c.attempts, None) for c in ready[:limit]], waiting)

    def attempt(self, claimed: Claimed[Intake | None]) -> AbstractContextManager[Attempt[Intake | None] | None]:
        return locked(self.db, claimed, self._lock)

    def _lock(self, conn: Connection, claimed: Claimed[Intake | None]) -> Claimed[Intake | None] | None:
        """Lock the intake row if it is still unforwarded (None if another worker holds it or it was sent), and fix
        its Message-ID on the first attempt."""
        i, f = schema.ae_intakes, ae_forwarding
        found = (
            conn.execute(
                select(i).where(i.c.id == claimed.key, i.c.forwarded_at.is_(None)).with_for_update(skip_locked=True)
            )
            .mappings()
            .first()
        )
        if found is None:
            return None
        state = conn.execute(select(f.c.sent_at, f.c.message_id, f.c.attempts).where(f.c.intake_id == claimed.key))
        found_state = state.first()
        row: tuple[Any, ...]
        if found_state is None:
            mid = message_id(claimed.key, self.mailbox.sender)
            conn.execute(f.insert().values(intake_id=claimed.key, message_id=mid, attempts=0, last_error=""))
            row = (None, mid, 0)
        else:
            row = tuple(found_state)
        if row[0]:
            return None
        intake = dict(found)
        hcp = _lookup(conn, schema.synced["hcps"], intake["hcp_id"])
        product = _lookup(conn, schema.synced["products"], intake["product_id"]) if intake["product_id"] else {}
        return Claimed(claimed.key, str(row[1]), int(row[2] or 0), (intake, hcp, product))

    def compose(self, claimed: Claimed[Intake | None]) -> Message:
        assert claimed.item is not None
        intake, hcp, product = claimed.item
        return build_message(intake, hcp, product, self.mailbox)

    def delivered(self, conn: Connection, claimed: Claimed[Intake | None], at: datetime) -> bool:
        recipient = self._recipient(claimed)
        _mark_forwarded(conn, claimed.key, recipient, at)
        log.info("forwarded adverse-event intake %s to %s as %s", claimed.key, recipient, claimed.message_id)
        return True

    def _recipient(self, claimed: Claimed[Intake | None]) -> str:
        return ", ".join(recipients(claimed.item[0], self.mailbox)) if claimed.item else self.mailbox.to

    def failed(self, conn: Connection, claimed: Claimed[Intake | None], failure: Failure) -> None:
        log.error(
            "adverse-event intake %s NOT forwarded (attempt %d): %s; next attempt at %s",
            claimed.key, failure.attempts, failure.error, failure.retry_at.isoformat() if failure.retry_at else "-",
        )  # fmt: skip
        f = ae_forwarding
        conn.execute(
            f.update()
            .where(f.c.intake_id == claimed.key)
            .values(
                attempts=failure.attempts,
                last_attempt_at=failure.at.isoformat(),
                next_attempt_at=failure.retry_at.isoformat() if failure.retry_at else None,
                last_error=failure.error[:1000],
                recipient=self._recipient(claimed),
            )
        )


def _lookup(conn: Connection, table: Table, key: str) -> dict[str, Any]:
    found = conn.execute(select(table).where(table.c.id == key)).mappings().first()
    return dict(found) if found is not None else {}


def _mark_forwarded(conn: Connection, intake_id: str, recipient: str, at: datetime) -> None:
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
            recipient=recipient,
            sent_at=at.isoformat(),
        )
    )


def forward_pending(
    db: HubDb,
    mailbox: PvMailbox,
    *,
    now: datetime | None = None,
    send: Callable[[PvMailbox, Message], None] = smtp_send,
    limit: int = 200,
) -> DeliveryReport:
    """Send every unforwarded intake whose retry is due, each claimed, sent and marked in one transaction."""
    fixed = utc(now) if now else None

    def transport(msg: Message) -> None:
        try:
            send(mailbox, msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc

    return deliver(PvOutbox(db, mailbox), transport, limit=limit, clock=lambda: fixed or datetime.now(UTC))


def forward_forever(
    db: HubDb,
    mailbox: PvMailbox,
    *,
    interval_s: float,
    report: Callable[[DeliveryReport], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Forward pending intakes every ``interval_s`` seconds until ``should_stop()``; database outages are
    reported through ``report`` as failures of the pass and retried on the next one."""
    keep_delivering(lambda: forward_pending(db, mailbox), interval_s=interval_s, report=report, should_stop=should_stop)


__all__ = ["FIRST_RETRY", "MAX_RETRY", "PvOutbox", "backoff", "forward_forever", "forward_pending"]
