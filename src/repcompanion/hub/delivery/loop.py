"""The one delivery loop: claim what is due, send it under its fixed Message-ID, retry with backoff, dead-letter.

An :class:`Outbox` is one kind of deliverable (follow-up e-mails, adverse-event reports to pharmacovigilance): it
says how its items are claimed, composed and recorded. :func:`deliver` runs the same steps for every kind::

    claim due items ─► compose ─► stamp the item's Message-ID ─► send ─► delivered (recorded)
                                                                 │ DeliveryError
                                                                 ▼
                      policy gives up (permanent error, or max_attempts reached) ─► dead letter, reason kept
                      otherwise                                                  ─► retry at now + backoff(attempts)

A failure of the session rather than of the message (the mail server unreachable, TLS or the login refused:
``DeliveryError(session=True)``) is retried with the same backoff but never dead-letters the message: fixing the
server or the configuration delivers everything that waited.

The Message-ID is fixed when an item is enqueued and stamped on every attempt, so a message sent again after a crash
between the server's accept and the ``delivered`` commit is recognisable as the same message.

Two claim disciplines, chosen by the outbox: :func:`leased` (the item was leased in an earlier, committed
transaction; it is sent outside any transaction and its outcome written in a new one — a crash costs at most one
resend, after the lease expires) and :func:`locked` (claim, send and outcome in ONE transaction holding the item's
row — a crash rolls the claim back and the item is sent again on the next pass).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from repcompanion.domain.errors import HubError, RepCompanionError
from repcompanion.hub.db import HubDb

T = TypeVar("T")


class DeliveryError(HubError):
    """A message cannot be composed or delivered. ``permanent``: retrying will not help (dead-letter now);
    ``session``: the server or the connection failed, not this message (retried, never dead-lettered)."""

    def __init__(
        self, message: str, *, permanent: bool = False, session: bool = False, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.permanent = permanent
        self.session = session


@dataclass(frozen=True)
class RetryPolicy:
    """When a failed item is tried again, and when the outbox gives up on it."""

    first_retry: timedelta
    max_retry: timedelta
    #: failed attempts after which an item is dead-lettered; None: never (every failure is retried)
    max_attempts: int | None = None

    def backoff(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts: ``first_retry × 2^(attempts-1)``, at most ``max_retry``."""
        doublings = min(max(attempts - 1, 0), 64)  # past any cap; more would overflow a timedelta
        wait = self.first_retry.total_seconds() * 2.0**doublings
        return timedelta(seconds=min(wait, self.max_retry.total_seconds()))

    def gives_up(self, attempts: int, permanent: bool) -> bool:
        return self.max_attempts is not None and (permanent or attempts >= self.max_attempts)


@dataclass(frozen=True)
class Claimed(Generic[T]):
    """One item held for delivery: its id, its Message-ID (the same on every attempt), failures so far, its data."""

    key: str
    message_id: str
    attempts: int
    item: T


@dataclass(frozen=True)
class Batch(Generic[T]):
    """What one claim returned, and how many items wait for a later retry."""

    items: Sequence[Claimed[T]]
    waiting: int = 0


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """A claimed item during one attempt, and ``record()``: the transaction its outcome is written in."""

    claimed: Claimed[T]
    record: Callable[[], AbstractContextManager[Connection]]


@dataclass(frozen=True)
class Failure:
    """A failed attempt as the outbox records it; ``retry_at`` None means the item is dead-lettered."""

    attempts: int
    at: datetime
    error: str
    retry_at: datetime | None
    reason: str = ""


@dataclass
class DeliveryReport:
    """What delivery passes did: items claimed, sent, retried later and dead-lettered (with the reasons)."""

    claimed: int = 0
    sent: list[str] = field(default_factory=list)
    retried: list[tuple[str, str]] = field(default_factory=list)
    dead: list[tuple[str, str]] = field(default_factory=list)
    #: items whose next attempt is not due yet (counted by outboxes that read them while claiming)
    waiting: int = 0

    @property
    def failed(self) -> list[tuple[str, str]]:
        """(key, error) of every attempt that did not deliver, retried or dead-lettered."""
        return [*self.retried, *self.dead]

    def add(self, other: DeliveryReport) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.waiting = other.waiting


class Outbox(Protocol[T]):
    """One kind of deliverable: how its items are claimed, composed and recorded."""

    policy: RetryPolicy

    def claim(self, now: datetime, limit: int) -> Batch[T]: ...

    def attempt(self, claimed: Claimed[T]) -> AbstractContextManager[Attempt[T] | None]:
        """Hold the item for one attempt (:func:`leased` or :func:`locked`); None: it is no longer ours to send."""
        ...

    def compose(self, claimed: Claimed[T]) -> Message:
        """The message (its Message-ID is stamped by the loop); DeliveryError when it may not be sent."""
        ...

    def delivered(self, conn: Connection, claimed: Claimed[T], at: datetime) -> bool:
        """Record the delivery; False when another worker already recorded it."""
        ...

    def failed(self, conn: Connection, claimed: Claimed[T], failure: Failure) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def deliver(
    outbox: Outbox[T],
    send: Callable[[Message], None],
    *,
    limit: int,
    clock: Callable[[], datetime] = utc_now,
    after_send: Callable[[str], None] | None = None,
) -> DeliveryReport:
    """One pass: claim up to ``limit`` due items and attempt each once. ``send`` raises DeliveryError on failure;
    ``after_send`` (tests) runs between the server's accept and the ``delivered`` record."""
    batch = outbox.claim(clock(), limit)
    report = DeliveryReport(claimed=len(batch.items), waiting=batch.waiting)
    for item in batch.items:
        with outbox.attempt(item) as attempt:
            if attempt is None:
                continue
            claimed = attempt.claimed
            try:
                message = outbox.compose(claimed)
                del message["Message-ID"]
                message["Message-ID"] = claimed.message_id
                send(message)
            except DeliveryError as exc:
                _record_failure(outbox, attempt, exc, clock(), report)
                continue
            if after_send is not None:
                after_send(claimed.key)
            with attempt.record() as conn:
                if outbox.delivered(conn, claimed, clock()):
                    report.sent.append(claimed.key)
    return report


def _record_failure(
    outbox: Outbox[T], attempt: Attempt[T], exc: DeliveryError, at: datetime, report: DeliveryReport
) -> None:
    claimed, error = attempt.claimed, str(exc)
    attempts = claimed.attempts + 1
    if not exc.session and outbox.policy.gives_up(attempts, exc.permanent):
        reason = error if exc.permanent else f"gave up after {attempts} attempts: {error}"
        failure = Failure(attempts, at, error, None, reason)
        report.dead.append((claimed.key, reason))
    else:
        failure = Failure(attempts, at, error, at + outbox.policy.backoff(attempts))
        report.retried.append((claimed.key, error))
    with attempt.record() as conn:
        outbox.failed(conn, claimed, failure)


@contextmanager
def leased(db: HubDb, claimed: Claimed[T]) -> Iterator[Attempt[T]]:
    """An item leased by an earlier, committed claim: sent outside any transaction, its outcome written in a new one."""
    yield Attempt(claimed, db.write)


@contextmanager
def locked(
    db: HubDb, claimed: Claimed[T], lock: Callable[[Connection, Claimed[T]], Claimed[T] | None]
) -> Iterator[Attempt[T] | None]:
    """Claim, send and record in ONE write transaction: ``lock`` re-reads the item under a row lock (``FOR UPDATE
    SKIP LOCKED`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite) and returns None when it is no longer to be sent.
    The transaction does not take the change-log lock, so pushes go on while a message is being sent."""
    conn = db.engine.connect()
    if db.dialect == "sqlite":
        conn = conn.execution_options(sqlite_write=True)
    with conn, conn.begin():
        fresh = lock(conn, claimed)
        yield None if fresh is None else Attempt(fresh, lambda: nullcontext(conn))


def keep_delivering(
    one_pass: Callable[[], DeliveryReport],
    *,
    interval_s: float,
    report: Callable[[DeliveryReport], None] = lambda _: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Run passes until ``should_stop()``; the next pass starts at once after one that sent or failed something,
    else after ``interval_s``. A database outage is reported as a failure of the pass (key ``(database)``) and
    retried after ``interval_s``."""
    while not should_stop():
        try:
            result = one_pass()
        except (RepCompanionError, SQLAlchemyError) as exc:
            report(DeliveryReport(retried=[("(database)", f"{type(exc).__name__}: {exc}")]))
        else:
            report(result)
            if result.sent or result.failed:
                continue
        deadline = time.monotonic() + interval_s
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.5, interval_s))


__all__ = [
    "Attempt",
    "Batch",
    "Claimed",
    "DeliveryError",
    "DeliveryReport",
    "Failure",
    "Outbox",
    "RetryPolicy",
    "deliver",
    "keep_delivering",
    "leased",
    "locked",
    "utc_now",
]
