"""The follow-up worker: claim due jobs under a lease, send them over SMTP, mark them sent.

Delivery guarantee:

- Normal path — exactly once: a job is claimed (lease owner + expiry written in a committed
  transaction), sent, and marked ``sent`` in one transaction that also writes the synced follow-up row
  and the ``email_sent`` event. A claimed job is invisible to other workers until its lease expires.
- After a crash — at most once more: if a worker dies after the SMTP server accepted the message but
  before the ``sent`` commit, the lease expires (``lease_s``) and a worker sends it again, with the
  same Message-ID (``<job id@domain>``), so receivers and the mail server can drop the duplicate. A
  worker that dies before sending loses nothing: the job is sent after the lease expires.
- Failures: a transient error (connection refused, 4xx) is retried after ``backoff_s × 2^(attempts-1)``
  (capped at ``max_backoff_s``); a permanent one (5xx, a template asking for a forbidden field, no
  email address) or ``max_attempts`` failures dead-letter the job: status ``failed`` with the reason,
  visible to the rep (synced follow-up row) and in `repcompanion-hub followups list`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select, update

from repcompanion.domain import Channel, Content, EngagementEvent, EventId, EventType, FollowUpStatus, Hcp
from repcompanion.domain.rows import (
    content_from_row,
    dt_text,
    event_to_row,
    follow_up_from_row,
    follow_up_to_row,
    hcp_from_row,
)
from repcompanion.hub import schema
from repcompanion.hub.changelog import upsert_rows
from repcompanion.hub.db import HubDb
from repcompanion.hub.followup_schema import followup_jobs
from repcompanion.hub.followups import engagement_secret, not_opened_journeys, plan_not_opened
from repcompanion.hub.mailer import MailError, MailSettings, SmtpSender, render

log = logging.getLogger("repcompanion.hub.worker")


@dataclass(frozen=True)
class WorkerSettings:
    lease_s: float = 120.0
    batch: int = 50
    max_attempts: int = 5
    backoff_s: float = 30.0
    max_backoff_s: float = 3600.0
    poll_s: float = 2.0


@dataclass
class RunReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


class Worker:
    """One delivery worker. ``after_send`` (tests) runs between the SMTP accept and the ``sent`` commit."""

    def __init__(
        self,
        db: HubDb,
        mail: MailSettings,
        settings: WorkerSettings | None = None,
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = _now,
        after_send: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.mail = mail
        self.settings = settings or WorkerSettings()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.after_send = after_send
        self.secret = engagement_secret(db)
        self.sender = SmtpSender(mail)

    # -- claiming -----------------------------------------------------------------------------------------

    def claim(self, limit: int | None = None) -> list[str]:
        """Lease up to ``limit`` due jobs to this worker (jobs whose lease expired are due again)."""
        now = self.clock()
        now_t = dt_text(now)
        j = followup_jobs
        free = or_(j.c.lease_expires_at.is_(None), j.c.lease_expires_at < now_t)
        with self.db.write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    select(j.c.id)
                    .where(and_(j.c.status == "scheduled", j.c.next_attempt_at <= now_t, free))
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

    # -- one job ------------------------------------------------------------------------------------------

    def _load(self, job_ids: list[str]) -> list[tuple[dict, Hcp | None, Content | None]]:
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
        return [(j, hcps.get(j["hcp_id"]), content.get(j["content_id"])) for j in jobs]

    def deliver_batch(self, job_ids: list[str], report: RunReport) -> None:
        """Send each claimed job and mark it sent at once (one commit per job bounds duplicates to one)."""
        for job, hcp, content in self._load(job_ids):
            try:
                if hcp is None or content is None:
                    raise MailError(
                        f"the HCP or content of follow-up {job['id']} is no longer on the hub", permanent=True
                    )
                msg = render(
                    content, hcp, job_id=job["id"], message_id=job["message_id"], settings=self.mail, secret=self.secret
                )
                self.sender.send(msg)
            except MailError as exc:
                self._failed(job, str(exc), exc.permanent, report)
                continue
            if self.after_send is not None:
                self.after_send(job["id"])
            self._mark_sent(job, content, report)

    def _mark_sent(self, job: dict, content: object, report: RunReport) -> None:
        now = self.clock()
        j = followup_jobs
        with self.db.write() as conn:
            done = conn.execute(
                update(j)
                .where(and_(j.c.id == job["id"], j.c.status == "scheduled"))
                .values(
                    status="sent",
                    sent_at=dt_text(now),
                    attempts=j.c.attempts + 1,
                    lease_owner=None,
                    lease_expires_at=None,
                )
            ).rowcount
            if not done:
                return  # another worker marked it after our lease expired; the Message-ID is the same
            fu = schema.synced["follow_ups"]
            row = conn.execute(select(fu).where(fu.c.id == job["id"])).mappings().first()
            if row is not None:
                upsert_rows(
                    conn,
                    "follow_ups",
                    [follow_up_to_row(replace(follow_up_from_row(dict(row)), status=FollowUpStatus.SENT, sent_at=now))],
                )
            upsert_rows(
                conn,
                "events",
                [
                    event_to_row(
                        EngagementEvent(
                            id=EventId(f"ES-{job['id']}"[:128]),
                            hcp_id=job["hcp_id"],
                            type=EventType.EMAIL_SENT if job["action"] == "send_email" else EventType.EVENT_INVITED,
                            occurred_at=now,
                            channel=Channel.EMAIL,
                            product_id=content.product_id,  # type: ignore[attr-defined]
                            content_id=content.id,  # type: ignore[attr-defined]
                            topics=content.topics,  # type: ignore[attr-defined]
                            source="journey",
                        )
                    )
                ],
            )
        report.sent += 1

    def _failed(self, job: dict, error: str, permanent: bool, report: RunReport) -> None:
        now = self.clock()
        attempts = int(job["attempts"]) + 1
        j = followup_jobs
        dead = permanent or attempts >= self.settings.max_attempts
        with self.db.write() as conn:
            if dead:
                reason = error if permanent else f"gave up after {attempts} attempts: {error}"
                conn.execute(
                    update(j)
                    .where(j.c.id == job["id"])
                    .values(
                        status="failed",
                        attempts=attempts,
                        last_error=error,
                        dead_letter_reason=reason,
                        lease_owner=None,
                        lease_expires_at=None,
                    )
                )
                fu = schema.synced["follow_ups"]
                row = conn.execute(select(fu).where(fu.c.id == job["id"])).mappings().first()
                if row is not None:
                    old = follow_up_from_row(dict(row))
                    upsert_rows(
                        conn,
                        "follow_ups",
                        [
                            follow_up_to_row(
                                replace(
                                    old, status=FollowUpStatus.FAILED, reason=f"{old.reason}; not delivered: {reason}"
                                )
                            )
                        ],
                    )
                report.dead += 1
                log.warning("follow-up %s dead-lettered: %s", job["id"], reason)
            else:
                delay = min(self.settings.backoff_s * 2 ** (attempts - 1), self.settings.max_backoff_s)
                conn.execute(
                    update(j)
                    .where(j.c.id == job["id"])
                    .values(
                        attempts=attempts,
                        last_error=error,
                        next_attempt_at=dt_text(now + timedelta(seconds=delay)),
                        lease_owner=None,
                        lease_expires_at=None,
                    )
                )
                report.retried += 1

    # -- loops --------------------------------------------------------------------------------------------

    def run_once(self) -> RunReport:
        """Start due not-opened journeys, then deliver every due job (batch by batch) and return."""
        report = RunReport()
        with self.db.read() as conn:
            waiting = bool(not_opened_journeys(conn))
        if waiting:
            with self.db.write() as conn:
                plan_not_opened(conn, self.clock())
        try:
            while True:
                ids = self.claim()
                if not ids:
                    break
                report.claimed += len(ids)
                self.deliver_batch(ids, report)
        finally:
            self.sender.close()
        return report

    def run_forever(self, stop: Callable[[], bool] = lambda: False) -> None:
        import time

        while not stop():
            report = self.run_once()
            if not report.claimed:
                time.sleep(self.settings.poll_s)


__all__ = ["RunReport", "Worker", "WorkerSettings"]
