"""The one delivery loop on an in-memory outbox: Message-IDs, retries with backoff, dead letters, the forever loop."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

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
)

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


@dataclass
class Item:
    key: str
    message_id: str
    attempts: int = 0
    retry_at: datetime | None = None
    delivered_at: datetime | None = None
    dead_reason: str = ""
    errors: list[str] = field(default_factory=list)


class MemoryOutbox:
    """Items in a dict; ``taken``: keys another worker holds; ``recorded_elsewhere``: delivered by another worker."""

    def __init__(self, policy: RetryPolicy, *items: Item) -> None:
        self.policy = policy
        self.items = {i.key: i for i in items}
        self.taken: set[str] = set()
        self.recorded_elsewhere: set[str] = set()

    def claim(self, now: datetime, limit: int) -> Batch[Item]:
        due = [
            i
            for i in self.items.values()
            if i.delivered_at is None and not i.dead_reason and (i.retry_at is None or i.retry_at <= now)
        ]
        waiting = sum(1 for i in self.items.values() if i.retry_at is not None and i.retry_at > now)
        return Batch([Claimed(i.key, i.message_id, i.attempts, i) for i in due[:limit]], waiting)

    @contextmanager
    def attempt(self, claimed: Claimed[Item]) -> Iterator[Attempt[Item] | None]:
        yield None if claimed.key in self.taken else Attempt(claimed, lambda: nullcontext(None))  # type: ignore[arg-type]

    def compose(self, claimed: Claimed[Item]) -> Message:
        msg = EmailMessage()
        msg["Subject"] = claimed.key
        msg["Message-ID"] = "<composed-by-the-outbox@example>"
        return msg

    def delivered(self, conn: Any, claimed: Claimed[Item], at: datetime) -> bool:
        if claimed.key in self.recorded_elsewhere:
            return False
        claimed.item.delivered_at = at
        return True

    def failed(self, conn: Any, claimed: Claimed[Item], failure: Failure) -> None:
        item = claimed.item
        item.attempts, item.retry_at = failure.attempts, failure.retry_at
        item.errors.append(failure.error)
        item.dead_reason = failure.reason


class Transport:
    def __init__(self, *failures: DeliveryError | None) -> None:
        self.failures = list(failures)
        self.sent: list[Message] = []

    def __call__(self, msg: Message) -> None:
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            raise failure
        self.sent.append(msg)


POLICY = RetryPolicy(timedelta(seconds=30), timedelta(minutes=15), max_attempts=3)


def test_every_attempt_carries_the_message_id_fixed_when_the_item_was_enqueued() -> None:
    outbox = MemoryOutbox(POLICY, Item("a", "<a@hub>"), Item("b", "<b@hub>"))
    send = Transport(DeliveryError("421 try later"))
    first = deliver(outbox, send, limit=10, clock=lambda: NOW)
    assert first.sent == ["b"] and first.retried == [("a", "421 try later")]
    second = deliver(outbox, send, limit=10, clock=lambda: NOW + timedelta(seconds=30))
    assert second.sent == ["a"]
    assert [(m["Subject"], m["Message-ID"]) for m in send.sent] == [("b", "<b@hub>"), ("a", "<a@hub>")]
    assert all(len(m.get_all("Message-ID")) == 1 for m in send.sent)


def test_a_transient_failure_waits_for_its_backoff_and_the_last_allowed_attempt_dead_letters_with_the_reason() -> None:
    item = Item("a", "<a@hub>")
    outbox = MemoryOutbox(POLICY, item)
    send = Transport(*[DeliveryError("connection refused")] * 3)
    at = NOW
    for attempts, wait in ((1, timedelta(seconds=30)), (2, timedelta(seconds=60))):
        report = deliver(outbox, send, limit=10, clock=lambda now=at: now)
        assert report.retried == [("a", "connection refused")] and item.attempts == attempts
        assert item.retry_at == at + wait
        early = at + wait - timedelta(seconds=1)
        assert deliver(outbox, send, limit=10, clock=lambda now=early: now).claimed == 0
        at += wait
    report = deliver(outbox, send, limit=10, clock=lambda: at)
    assert report.dead == [("a", "gave up after 3 attempts: connection refused")]
    assert item.retry_at is None and item.dead_reason.startswith("gave up after 3 attempts")
    assert deliver(outbox, send, limit=10, clock=lambda: at + timedelta(days=1)).claimed == 0


def test_a_permanent_failure_dead_letters_at_once_unless_the_policy_never_gives_up() -> None:
    refused = DeliveryError("550 no such mailbox", permanent=True)
    strict = MemoryOutbox(POLICY, Item("a", "<a@hub>"))
    assert deliver(strict, Transport(refused), limit=10, clock=lambda: NOW).dead == [("a", "550 no such mailbox")]
    stubborn = MemoryOutbox(RetryPolicy(timedelta(seconds=30), timedelta(minutes=15)), Item("a", "<a@hub>"))
    report = deliver(stubborn, Transport(refused), limit=10, clock=lambda: NOW)
    assert report.retried == [("a", "550 no such mailbox")] and not report.dead
    assert stubborn.items["a"].retry_at == NOW + timedelta(seconds=30)


def test_an_item_another_worker_holds_or_recorded_is_not_counted_as_sent_by_this_one() -> None:
    outbox = MemoryOutbox(POLICY, Item("a", "<a@hub>"), Item("b", "<b@hub>"), Item("c", "<c@hub>"))
    outbox.taken.add("a")
    outbox.recorded_elsewhere.add("b")
    send = Transport()
    report = deliver(outbox, send, limit=10, clock=lambda: NOW)
    assert report.claimed == 3 and report.sent == ["c"]
    assert [m["Subject"] for m in send.sent] == ["b", "c"]  # b went out again: the same Message-ID marks it


def test_after_send_runs_between_the_servers_accept_and_the_delivered_record() -> None:
    class Crash(BaseException):
        pass

    outbox = MemoryOutbox(POLICY, Item("a", "<a@hub>"))
    send = Transport()

    def die(key: str) -> None:
        raise Crash(key)

    with pytest.raises(Crash):
        deliver(outbox, send, limit=10, clock=lambda: NOW, after_send=die)
    assert len(send.sent) == 1 and outbox.items["a"].delivered_at is None


@given(
    first=st.integers(min_value=1, max_value=600),
    cap=st.integers(min_value=1, max_value=7200),
    attempts=st.integers(min_value=1, max_value=10_000),
)
def test_backoff_doubles_from_the_first_retry_never_shrinks_and_never_exceeds_the_cap(
    first: int, cap: int, attempts: int
) -> None:
    policy = RetryPolicy(timedelta(seconds=first), timedelta(seconds=cap))
    assert policy.backoff(attempts) == timedelta(seconds=min(first * 2 ** (attempts - 1), cap))
    assert policy.backoff(attempts) <= policy.backoff(attempts + 1) <= timedelta(seconds=cap)


def test_keep_delivering_reports_a_database_outage_and_carries_on_until_stopped() -> None:
    passes: list[str] = []
    reports: list[DeliveryReport] = []

    def one_pass() -> DeliveryReport:
        passes.append("pass")
        if len(passes) == 1:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return DeliveryReport(claimed=1, sent=["a"]) if len(passes) == 2 else DeliveryReport()

    keep_delivering(one_pass, interval_s=0.01, report=reports.append, should_stop=lambda: len(passes) >= 3)
    assert [r.failed[0][0] if r.failed else r.sent for r in reports] == ["(database)", ["a"], []]
    assert "connection refused" in reports[0].failed[0][1]
