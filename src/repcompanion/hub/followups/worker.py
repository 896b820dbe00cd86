"""The follow-up e-mail worker: the delivery loop over ``followup_jobs``, claimed under a lease.

Delivery guarantee:

- Normal path — exactly once: a job is claimed (lease owner + expiry written in a committed
  transaction), sent, and marked ``sent`` in one transaction that also writes the synced follow-up row
  and the ``email_sent`` event. A claimed job is invisible to other workers until its lease expires.
- After a crash — at most once more: if a worker dies after the SMTP server accepted the message but
  before the ``sent`` commit, the lease expires (``lease_s``) and a worker sends it again, with the
  same Message-ID (``<job id@domain>``), so receivers and the mail server can drop the duplicate. A
  worker that dies before sending loses nothing: the job is sent after the lease expires.
- Failures (the loop's RetryPolicy): a transient error (connection refused, 4xx) is retried after
  ``backoff_s × 2^(attempts-1)`` (capped at ``max_backoff_s``); a permanent one (5xx, a template asking for
  a forbidden field, no email address) or ``max_attempts`` failures dead-letter the job: status ``failed``
  with the reason, visible to the rep (synced follow-up row) and in `repcompanion-hub followups list`.

Every send and every failure is logged (logger ``repcompanion.hub.worker``: job, HCP, content, Message-ID, and for a
failure the error and when it is tried again); addresses and names are not.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from repcompanion.domain import Channel, Content, EngagementEvent, EventId, EventType, FollowUpStatus, Hcp
from repcompanion.domain.rows import (
    content_from_row,
    dt_text,
    event_to_row,
    follow_up_from_row,
    follow_up_to_row,
    hcp_from_row,
)
from repcompanion.hub.db import HubDb, schema, upsert_rows
from repcompanion.hub.db.schema import followup_jobs, journey_pauses
from repcompanion.hub.delivery import (
    Attempt,
    Batch,
    Claimed,
    DeliveryError,
    DeliveryReport,
    Failure,
    RetryPolicy,
    SmtpSender,
    deliver,
    keep_delivering,
    leased,
    utc_now,
)
from repcompanion.hub.followups.email import MailSettings, render
from repcompanion.hub.followups.engagement import engagement_secret
from repcompanion.hub.followups.planning import not_opened_journeys, plan_not_opened

log = logging.getLogger("repcompanion.hub.worker")

#: what the loop needs of a job: its row, its HCP and its content (None when no longer on the hub)
Job = tuple[dict[str, Any], Hcp | None, Content | None]


@dataclass(frozen=True)
class WorkerSettings:
    lease_s: float = 120.0
    batch: int = 50
    max_attempts: int = 5
    backoff_s: float = 30.0
    max_backoff_s: float = 3600.0
    poll_s: float = 2.0

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            timedelta(seconds=self.backoff_s), timedelta(seconds=self.max_backoff_s), max_attempts=self.max_attempts
        )


class Worker:
    """One delivery worker (an Outbox of the delivery loop). ``after_send`` (tests) runs between the SMTP accept
    and the ``sent`` commit."""

    def __init__(
        self,
        db: HubDb,
        mail: MailSettings,
        settings: WorkerSettings | None = None,
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        after_send: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.mail = mail
        self.settings = settings or WorkerSettings()
        self.policy = self.settings.policy()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.after_send = after_send
        self.secret = engagement_secret(db)
        self.sender = SmtpSender(mail.server())
        self._stop: Callable[[], bool] = lambda: False

    # -- claiming -----------------------------------------------------------------------------------------

    def lease(self, limit: int | None = None, now: datetime | None = None) -> list[str]:
        """Lease up to ``limit`` due jobs to this worker (jobs whose lease expired are due again)."""
        now = now or self.clock()
        now_t = dt_text(now)
        j = followup_jobs
        free = or_(j.c.lease_expires_at.is_(None), j.c.lease_expires_at < now_t)
        with self.db.write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    select(j.c.id)
                    .where(and_(j.c.status == "scheduled", j.c.next_attempt_at <= now_t, free))
                    .where(j.c.journey.not_in(select(journey_pauses.c.journey)))  # a paused journey's e-mails wait
                    .order_by(j.c.next_attempt_at, j.c.id)
                    .limit(limit or self.settings.batch)
                )
            ]
            if ids:
                conn.execute(
                    update(j)
                    .where(and_(j.c.id.in_(ids), free))
                    .values(
                        lease_owner=self.owner, lease_expires_at=dt_text(now + timedelta(seconds=self.settings.lease_s))
                    )
                )
        return ids

    def _load(self, job_ids: list[str]) -> list[Claimed[Job]]:
        """The jobs still leased to this worker, with their HCP and content (one read for a batch)."""
        with self.db.read() as conn:
            jobs = [
                dict(r)
                for r in conn.execute(select(followup_jobs).where(followup_jobs.c.id.in_(job_ids))).mappings()
                if r["lease_owner"] == self.owner and r["status"] == "scheduled"
            ]
            h, c = schema.synced["hcps"], schema.synced["content"]
            hcps = {
                r["id"]: hcp_from_row(dict(r))
                for r in conn.execute(select(h).where(h.c.id.in_({j["hcp_id"] for j in jobs}))).mappings()
            }
            content = {
                r["id"]: content_from_row(dict(r))
                for r in conn.execute(select(c).where(c.c.id.in_({j["content_id"] for j in jobs}))).mappings()
            }
        order = {job_id: k for k, job_id in enumerate(job_ids)}
        jobs.sort(key=lambda j: order[j["id"]])
        return [
            Claimed(
                j["id"], j["message_id"], int(j["attempts"]), (j, hcps.get(j["hcp_id"]), content.get(j["content_id"]))
            )
            for j in jobs
        ]

    # -- the Outbox of the delivery loop ------------------------------------------------------------------

    def claim(self, now: datetime, limit: int) -> Batch[Job]:
        return Batch(self._load(self.lease(limit, now)))

    def attempt(self, claimed: Claimed[Job]) -> AbstractContextManager[Attempt[Job] | None]:
        return leased(self.db, claimed)

    def compose(self, claimed: Claimed[Job]) -> Message:
        job, hcp, content = claimed.item
        if hcp is None or content is None:
            raise DeliveryError(f"the HCP or content of follow-up {job['id']} is no longer on the hub", permanent=True)
        return render(content, hcp, job_id=job["id"], settings=self.mail, secret=self.secret, now=self.clock())

    def delivered(self, conn: Connection, claimed: Claimed[Job], at: datetime) -> bool:
        """Mark the job sent, with its synced follow-up row and the ``email_sent`` event (one commit per job bounds
        duplicates to one)."""
        job, _, content = claimed.item
        assert content is not None
        j = followup_jobs
        done = conn.execute(
            update(j)
            .where(and_(j.c.id == job["id"], j.c.status == "scheduled"))
            .values(
                status="sent", sent_at=dt_text(at), attempts=j.c.attempts + 1, lease_owner=None, lease_expires_at=None
            )
        ).rowcount
        if not done:
            return False  # another worker marked it after our lease expired; the Message-ID is the same
        fu = schema.synced["follow_ups"]
        row = conn.execute(select(fu).where(fu.c.id == job["id"])).mappings().first()
        if row is not None:
            sent = replace(follow_up_from_row(dict(row)), status=FollowUpStatus.SENT, sent_at=at)
            upsert_rows(conn, "follow_ups", [follow_up_to_row(sent)])
        event = EngagementEvent(
            id=EventId(f"ES-{job['id']}"[:128]),
            hcp_id=job["hcp_id"],
            type=EventType.EMAIL_SENT if job["action"] == "send_email" else EventType.EVENT_INVITED,
            occurred_at=at,
            channel=Channel.EMAIL,
            product_id=content.product_id,
            content_id=content.id,
            topics=content.topics,
            source="journey",
        )
        upsert_rows(conn, "events", [event_to_row(event)])
        log.info(
            "sent follow-up %s (HCP %s, content %s, journey %s) as %s",
            job["id"], job["hcp_id"], content.id, job["journey"], claimed.message_id,
        )  # fmt: skip
        return True

    def failed(self, conn: Connection, claimed: Claimed[Job], failure: Failure) -> None:
        """Schedule the retry, or dead-letter the job: status ``failed`` with the reason, on the synced row too."""
        j = followup_jobs
        released = {
            "attempts": failure.attempts,
            "last_error": failure.error,
            "lease_owner": None,
            "lease_expires_at": None,
        }
        if failure.retry_at is not None:
            conn.execute(
                update(j).where(j.c.id == claimed.key).values(**released, next_attempt_at=dt_text(failure.retry_at))
            )
            log.warning(
                "follow-up %s not sent (attempt %d): %s; next attempt at %s",
                claimed.key, failure.attempts, failure.error, dt_text(failure.retry_at),
            )  # fmt: skip
            return
        conn.execute(
            update(j)
            .where(j.c.id == claimed.key)
            .values(**released, status="failed", dead_letter_reason=failure.reason)
        )
        fu = schema.synced["follow_ups"]
        row = conn.execute(select(fu).where(fu.c.id == claimed.key)).mappings().first()
        if row is not None:
            old = follow_up_from_row(dict(row))
            reason = f"{old.reason}; not delivered: {failure.reason}"
            upsert_rows(
                conn, "follow_ups", [follow_up_to_row(replace(old, status=FollowUpStatus.FAILED, reason=reason))]
            )
        log.warning("follow-up %s dead-lettered: %s", claimed.key, failure.reason)

    # -- passes -------------------------------------------------------------------------------------------

    def deliver(self, limit: int | None = None) -> DeliveryReport:
        """Lease one batch of due jobs (at most ``limit``, default the batch size) and attempt each once."""
        return deliver(
            self, self.sender.send, limit=limit or self.settings.batch, clock=self.clock, after_send=self.after_send
        )

    def run_once(self) -> DeliveryReport:
        """Start due not-opened journeys, then deliver every due job (batch by batch) and return."""
        report = DeliveryReport()
        with self.db.read() as conn:
            waiting = bool(not_opened_journeys(conn))
        if waiting:
            with self.db.write() as conn:
                plan_not_opened(conn, self.clock())
        try:
            while not self._stop():
                batch = self.deliver()
                if not batch.claimed:
                    break
                report.add(batch)
        finally:
            self.sender.close()
        return report

    def run_forever(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Deliver until ``stop()``: it is checked between batches, so a stop waits for at most one message."""
        self._stop = stop
        try:
            keep_delivering(self.run_once, interval_s=self.settings.poll_s, should_stop=stop)
        finally:
            self._stop = lambda: False


def delivery_state(conn: Connection, job_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each job's delivery state for `followups list`: attempts, last error, next attempt, lease, dead letter."""
    j = followup_jobs
    if not job_ids:
        return {}
    rows = conn.execute(
        select(
            j.c.id, j.c.status, j.c.attempts, j.c.last_error, j.c.next_attempt_at, j.c.lease_owner,
            j.c.lease_expires_at, j.c.dead_letter_reason, j.c.sent_at,
        ).where(j.c.id.in_(job_ids))
    ).mappings()  # fmt: skip
    return {r["id"]: dict(r) for r in rows}
