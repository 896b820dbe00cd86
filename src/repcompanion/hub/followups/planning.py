"""Journeys on the hub: evaluate them when a call report arrives or an email goes unopened, and write the synced
``follow_ups`` rows and their delivery jobs in the caller's transaction."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from repcompanion.domain import CallReport, Content, EventType, FollowUpJob, FollowUpStatus, HcpId
from repcompanion.domain.rows import (
    consent_from_row,
    content_from_row,
    dt_text,
    follow_up_from_row,
    follow_up_to_row,
    hcp_from_row,
)
from repcompanion.hub.db import schema, upsert_rows
from repcompanion.hub.db.schema import followup_jobs
from repcompanion.hub.followups.control import without_paused
from repcompanion.intel.journeys import (
    CONTENT_ACTIONS,
    HcpContext,
    Journey,
    JourneyError,
    PlannedFollowUp,
    TriggerEvent,
    default_journey_dir,
    evaluate,
    load_journeys,
    skipped_journeys,
)

log = logging.getLogger("repcompanion.hub.followups")

#: how long the content catalog and the journeys loaded against it are reused before they are read again
CATALOG_TTL_S = 30.0
MAIL_DOMAIN = "repcompanion.invalid"


class JourneyBook:
    """The journeys of one folder, validated against the hub's content catalog; cached for CATALOG_TTL_S."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._loaded_at = -1e18
        self._key = ""
        self.journeys: list[Journey] = []
        self.content: dict[str, Content] = {}

    def use(self, folder: Path | None) -> None:
        """Read journeys from ``folder`` from now on (None: $REPCOMPANION_JOURNEYS or resources/journeys)."""
        with self._lock:
            self.folder = folder
            self._loaded_at = -1e18

    def path(self) -> Path:
        if self.folder is not None:
            return Path(self.folder)
        env = os.environ.get("REPCOMPANION_JOURNEYS")
        return Path(env) if env else default_journey_dir()

    def load(self, conn: Connection) -> tuple[list[Journey], dict[str, Content]]:
        with self._lock:
            key = str(conn.engine.url)
            if key != self._key or time.monotonic() - self._loaded_at > CATALOG_TTL_S:
                self._key = key
                rows = conn.execute(select(schema.synced["content"])).mappings()
                content = {r["id"]: content_from_row(dict(r)) for r in rows}
                path = self.path()
                self.journeys = load_journeys([path], content.values()) if path.exists() else []
                self.content = content
                self._loaded_at = time.monotonic()
            return self.journeys, self.content


JOURNEYS = JourneyBook()


def message_id(job_id: str, domain: str = MAIL_DOMAIN) -> str:
    """The Message-ID of a job's email: the same on every attempt, so a resend is recognisable as one."""
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '-', job_id)}@{domain}>"


def _parse(value: str) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _hcp_statements() -> tuple[Any, ...]:
    """The per-report lookups, built once (statement construction dominates at hundreds of reports/s)."""
    h, c, e, j = schema.synced["hcps"], schema.synced["consents"], schema.synced["events"], followup_jobs
    hcp: Any = bindparam("hcp")
    return (
        select(h).where(h.c.id == hcp),
        select(c).where(c.c.hcp_id == hcp),
        select(e.c.occurred_at).where(
            and_(e.c.hcp_id == hcp, e.c.type == EventType.EMAIL_SENT.value, e.c.source == "journey")
        ),
        select(j.c.due_at).where(and_(j.c.hcp_id == hcp, j.c.status == "scheduled", j.c.action == "send_email")),
    )


_HCP, _CONSENTS, _SENT, _SCHEDULED = _hcp_statements()


def hcp_context(conn: Connection, hcp_id: str) -> HcpContext | None:
    """The HCP, its consents and when journey emails went (or will go) out to it."""
    params = {"hcp": hcp_id}
    row = conn.execute(_HCP, params).mappings().first()
    if row is None:
        return None
    consents = [consent_from_row(dict(r)) for r in conn.execute(_CONSENTS, params).mappings()]
    sent = [_parse(r[0]) for r in conn.execute(_SENT, params)]
    sent += [_parse(r[0]) for r in conn.execute(_SCHEDULED, params)]
    return HcpContext(hcp_from_row(dict(row)), consents, sent)


def record_plan(
    conn: Connection, planned: Sequence[PlannedFollowUp], event: TriggerEvent, now: datetime, *, new: bool = False
) -> None:
    """Write the synced follow-up rows and, for scheduled deliveries, their jobs (idempotent by id; ``new``:
    the trigger was never evaluated before, e.g. a call report the push just stored, so none can exist)."""
    if not planned:
        return
    planned = without_paused(conn, list(planned))
    fu = schema.synced["follow_ups"]
    existing = (
        set() if new else {r[0] for r in conn.execute(select(fu.c.id).where(fu.c.id.in_([p.id for p in planned])))}
    )
    fresh = [p for p in planned if p.id not in existing]
    if not fresh:
        return
    rows = [
        follow_up_to_row(
            FollowUpJob(
                id=p.id,
                hcp_id=HcpId(p.hcp_id),
                journey=p.journey,
                action=p.action,
                status=p.status,
                created_at=now,
                call_report_id=event.source_id if event.on == "call_report" else None,  # type: ignore[arg-type]
                content_id=p.content_id,  # type: ignore[arg-type]
                channel=p.channel,
                due_at=p.due_at,
                reason=p.reason,
            )
        )
        for p in fresh
    ]
    upsert_rows(conn, "follow_ups", rows, fresh=True)
    jobs = [
        {
            "id": p.id,
            "hcp_id": p.hcp_id,
            "journey": p.journey,
            "journey_version": p.version,
            "action": p.action,
            "content_id": p.content_id,
            "call_report_id": event.source_id if event.on == "call_report" else None,
            "status": "scheduled",
            "created_at": dt_text(now),
            "due_at": dt_text(p.due_at),
            "next_attempt_at": dt_text(now),
            "attempts": 0,
            "message_id": message_id(p.id),
        }
        for p in fresh
        if p.status is FollowUpStatus.SCHEDULED and p.action in CONTENT_ACTIONS
    ]
    if jobs:
        conn.execute(followup_jobs.insert(), jobs)


def plan_after_call_report(conn: Connection, report: CallReport) -> list[PlannedFollowUp]:
    """Evaluate the journeys for a just-received call report, in the push transaction."""
    try:
        journeys, content = JOURNEYS.load(conn)
    except JourneyError as exc:  # a broken rule file must not cost the rep the report; it is logged loudly
        log.error("journeys not evaluated for call report %s: %s", report.id, exc.message)
        return []
    if not journeys:
        return []
    ctx = hcp_context(conn, report.hcp_id)
    if ctx is None:
        return []
    at = report.submitted_at or report.started_at
    # consent, caps and content dates are checked when the follow-up is planned (the email goes out from now)
    at = max(at if at.tzinfo else at.replace(tzinfo=UTC), datetime.now(UTC))
    event = TriggerEvent(
        on="call_report",
        hcp_id=str(report.hcp_id),
        at=at,
        source_id=str(report.id),
        topics=tuple(report.topics),
        products=tuple(report.products),
        label=f"Visit on {report.started_at.date().isoformat()} about {', '.join(report.topics) or 'no topic'}",
        skip=skipped_journeys(report.follow_up_requests),
    )
    planned = evaluate(journeys, event, ctx, content)
    record_plan(conn, planned, event, datetime.now(UTC), new=True)
    return planned


def within_window(journeys: Sequence[Journey], journey_id: str, elapsed: timedelta) -> bool:
    j = next(j for j in journeys if j.id == journey_id)
    return j.trigger.within is None or elapsed <= j.trigger.within


def not_opened_journeys(conn: Connection) -> list[Journey]:
    """The journeys an unopened email starts (none: the worker need not open a write transaction for them)."""
    journeys, _ = JOURNEYS.load(conn)
    return [j for j in journeys if j.trigger.on == "email_not_opened"]


def plan_not_opened(conn: Connection, now: datetime) -> int:
    """Start email_not_opened journeys for emails sent longer ago than their window and never opened."""
    waiting = not_opened_journeys(conn)
    if not waiting:
        return 0
    _, content = JOURNEYS.load(conn)
    fu = schema.synced["follow_ups"]
    oldest = dt_text(now - min(j.trigger.within or timedelta(0) for j in waiting))
    rows = (
        conn.execute(select(fu).where(and_(fu.c.status == FollowUpStatus.SENT.value, fu.c.sent_at <= oldest)))
        .mappings()
        .all()
    )
    n = 0
    for r in rows:
        job = follow_up_from_row(dict(r))
        if job.sent_at is None:
            continue
        ctx = hcp_context(conn, job.hcp_id)
        item = content.get(str(job.content_id)) if job.content_id else None
        if ctx is None:
            continue
        sent_at = job.sent_at if job.sent_at.tzinfo else job.sent_at.replace(tzinfo=UTC)
        event = TriggerEvent(
            on="email_not_opened",
            hcp_id=str(job.hcp_id),
            at=now,
            source_id=f"{job.id}-unopened",
            topics=item.topics if item else (),
            products=(item.product_id,) if item else (),
            after_journey=job.journey,
            content_id=job.content_id,
            label=f"'{item.title if item else job.content_id}' sent on {sent_at.date()} was not opened",
        )
        due = [j for j in waiting if j.trigger.within is not None and now - sent_at >= j.trigger.within]
        planned = evaluate(due, event, ctx, content)
        record_plan(conn, planned, event, now)
        n += len(planned)
    return n


def list_follow_ups(conn: Connection, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Follow-ups with their delivery state (attempts, dead-letter reason) for `followups list`."""
    fu = schema.synced["follow_ups"]
    j = followup_jobs
    q = (
        select(
            fu.c.id,
            fu.c.hcp_id,
            fu.c.journey,
            fu.c.action,
            fu.c.status,
            fu.c.content_id,
            fu.c.due_at,
            fu.c.sent_at,
            fu.c.reason,
            j.c.attempts,
            j.c.dead_letter_reason,
            j.c.message_id,
        )
        .select_from(fu.outerjoin(j, j.c.id == fu.c.id))
        .order_by(fu.c.created_at.desc())
        .limit(limit)
    )
    if status:
        q = q.where(fu.c.status == status)
    return [dict(r) for r in conn.execute(q).mappings()]
