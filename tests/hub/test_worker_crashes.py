"""The follow-up worker under crashes and outages: no job lost, duplicates bounded, dead letters explained."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from repcompanion.hub.db import schema
from repcompanion.hub.db.schema import followup_jobs
from repcompanion.hub.followups import JOURNEYS, MailSettings, Worker, WorkerSettings
from tests.e2e.conftest import Inbox, free_port
from tests.hub.conftest import Hub


class Crash(BaseException):
    """Stands for the process dying (not an error the worker would handle)."""


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _jobs(hub: Hub) -> list[dict]:
    JOURNEYS.use(None)
    rep = hub.rep()
    results = rep.push([rep.report(h) for h in hub.hcps_of(rep.territory_id)])
    assert all(r["status"] == "applied" for r in results)
    with hub.db.read() as conn:
        jobs = [dict(r) for r in conn.execute(select(followup_jobs).order_by(followup_jobs.c.id)).mappings()]
    assert jobs, "the seeded territory has an HCP with email consent and efficacy content"
    return jobs


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _status(hub: Hub, job_id: str) -> tuple[str, str]:
    with hub.db.read() as conn:
        job = conn.execute(select(followup_jobs.c.status).where(followup_jobs.c.id == job_id)).scalar_one()
        fu = schema.synced["follow_ups"]
        row = conn.execute(select(fu.c.status).where(fu.c.id == job_id)).scalar_one()
    return job, row


def test_crash_after_smtp_accept_resends_at_most_once_with_the_same_message_id(
    hub: Hub, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    jobs = _jobs(hub)
    clock = Clock()

    def die(job_id: str) -> None:
        raise Crash(job_id)

    mail = MailSettings(host="127.0.0.1", port=port)
    with pytest.raises(Crash):
        Worker(hub.db, mail, WorkerSettings(lease_s=60), clock=clock, after_send=die).run_once()
    assert len(box.messages) == 1
    assert _status(hub, jobs[0]["id"])[0] == "scheduled"  # the 'sent' commit never happened

    restarted = Worker(hub.db, mail, WorkerSettings(lease_s=60), clock=clock)
    assert not restarted.run_once().sent  # the crashed worker's batch is still leased to it
    clock.now += timedelta(seconds=61)
    assert len(restarted.run_once().sent) == len(jobs)
    assert not restarted.run_once().sent

    ids = [m["Message-ID"].strip() for m in box.messages]
    assert len(ids) == len(jobs) + 1  # exactly one duplicate, for the one crash
    assert sorted(set(ids)) == sorted(j["message_id"] for j in jobs)
    assert ids.count(jobs[0]["message_id"]) == 2
    assert all(_status(hub, j["id"]) == ("sent", "sent") for j in jobs)


def test_a_worker_killed_holding_a_lease_loses_no_job(hub: Hub, inbox: tuple[Inbox, int]) -> None:
    box, port = inbox
    jobs = _jobs(hub)
    clock = Clock()
    mail = MailSettings(host="127.0.0.1", port=port)
    dead = Worker(hub.db, mail, WorkerSettings(lease_s=30), owner="dead", clock=clock)
    assert sorted(dead.lease()) == [j["id"] for j in jobs]  # … and then the process is killed

    other = Worker(hub.db, mail, WorkerSettings(lease_s=30), owner="other", clock=clock)
    assert not other.run_once().sent  # the leases still hold
    clock.now += timedelta(seconds=31)
    assert len(other.run_once().sent) == len(jobs)
    assert sorted(m["Message-ID"].strip() for m in box.messages) == sorted(j["message_id"] for j in jobs)
    assert all(_status(hub, j["id"]) == ("sent", "sent") for j in jobs)


def test_an_unreachable_smtp_server_is_retried_with_backoff_and_never_dead_letters_a_message(hub: Hub) -> None:
    jobs = _jobs(hub)
    clock = Clock()
    settings = WorkerSettings(max_attempts=3, backoff_s=10)
    worker = Worker(hub.db, MailSettings(host="127.0.0.1", port=free_port(), timeout_s=2), settings, clock=clock)
    assert len(worker.run_once().retried) == len(jobs)
    assert worker.run_once().claimed == 0  # not due before the backoff
    with hub.db.read() as conn:
        due = conn.execute(select(followup_jobs.c.next_attempt_at, followup_jobs.c.attempts)).all()
    assert all(datetime.fromisoformat(d) == clock.now + timedelta(seconds=10) and a == 1 for d, a in due)
    clock.now += timedelta(seconds=10)
    assert len(worker.run_once().retried) == len(jobs)
    clock.now += timedelta(seconds=19)
    assert worker.run_once().claimed == 0  # the second wait is twice as long
    clock.now += timedelta(seconds=1)
    third = worker.run_once()  # past max_attempts: the server failed, not the message, so nothing is given up
    assert third.dead == [] and len(third.retried) == len(jobs)
    assert _status(hub, jobs[0]["id"]) == ("scheduled", "scheduled")
    with hub.db.read() as conn:
        last_error, attempts = conn.execute(
            select(followup_jobs.c.last_error, followup_jobs.c.attempts).where(followup_jobs.c.id == jobs[0]["id"])
        ).one()
    assert last_error.startswith("cannot deliver through 127.0.0.1:") and attempts == 3


def test_a_message_the_server_refuses_is_dead_lettered_with_the_reason(hub: Hub) -> None:
    jobs = _jobs(hub)

    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
            return "550 5.1.1 mailbox unavailable"

    port = free_port()
    controller = Controller(Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        report = Worker(hub.db, MailSettings(host="127.0.0.1", port=port, timeout_s=5)).run_once()
    finally:
        controller.stop()
    assert sorted(k for k, _ in report.dead) == sorted(j["id"] for j in jobs)
    job, row = _status(hub, jobs[0]["id"])
    assert (job, row) == ("failed", "failed")
    with hub.db.read() as conn:
        fu = schema.synced["follow_ups"]
        synced = conn.execute(select(fu.c.reason).where(fu.c.id == jobs[0]["id"])).scalar_one()
    assert "not delivered: the SMTP server refused the recipient" in synced


def test_an_email_not_opened_within_seven_days_starts_the_remote_follow_up_journey(
    hub: Hub, inbox: tuple[Inbox, int]
) -> None:
    jobs = _jobs(hub)
    clock = Clock()
    worker = Worker(hub.db, MailSettings(host="127.0.0.1", port=inbox[1]), clock=clock)
    assert len(worker.run_once().sent) == len(jobs)
    fu = schema.synced["follow_ups"]
    clock.now += timedelta(days=6)
    worker.run_once()
    with hub.db.read() as conn:
        assert conn.execute(select(fu.c.id).where(fu.c.journey == "remote-after-no-open")).first() is None
    clock.now += timedelta(days=2)
    worker.run_once()
    worker.run_once()  # idempotent: the same unopened email does not plan twice
    with hub.db.read() as conn:
        rows = conn.execute(select(fu.c.status, fu.c.reason).where(fu.c.journey == "remote-after-no-open")).all()
    assert len(rows) == len(jobs)
    for status, reason in rows:  # scheduled with the unopened email named, or suppressed with the rule
        assert ("was not opened" in reason) if status == "scheduled" else ("remote_meeting" in reason)
