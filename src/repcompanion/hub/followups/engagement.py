"""Engagement with delivered follow-ups (delivered, opened, clicked, bounced, unsubscribed, complained, attended)
and its shared secret."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from repcompanion.domain import (
    Channel,
    ConsentId,
    ConsentState,
    Content,
    EngagementEvent,
    EventId,
    EventType,
    FollowUpJob,
    FollowUpStatus,
)
from repcompanion.domain.models import Consent
from repcompanion.domain.rows import (
    consent_to_row,
    content_from_row,
    event_to_row,
    follow_up_from_row,
    follow_up_to_row,
)
from repcompanion.hub.db import schema, upsert_rows
from repcompanion.hub.followups.planning import JOURNEYS, hcp_context, record_plan, within_window
from repcompanion.intel.journeys import PlannedFollowUp, TriggerEvent, evaluate

ENGAGEMENT_TYPES = {
    "delivered": (None, None),  # the recipient's server accepted it: acknowledged, the follow-up stays sent
    "opened": (EventType.EMAIL_OPENED, FollowUpStatus.OPENED),
    "clicked": (EventType.EMAIL_CLICKED, FollowUpStatus.CLICKED),
    "bounced": (EventType.EMAIL_BOUNCED, FollowUpStatus.BOUNCED),
    "unsubscribed": (None, None),
    "complained": (None, None),  # marked as spam: an e-mail opt-out, like an unsubscribe
    "attended": (EventType.EVENT_ATTENDED, None),  # the HCP attended the event an invitation was for
}
#: engagement that is an e-mail opt-out, and the source its consent record names
OPT_OUTS = {"unsubscribed": "unsubscribe link in {job}", "complained": "spam complaint about {job}"}
#: a later status never goes back to an earlier one (an open after a click does not undo the click)
_STATUS_ORDER = {
    FollowUpStatus.SCHEDULED: 0,
    FollowUpStatus.SENT: 1,
    FollowUpStatus.OPENED: 2,
    FollowUpStatus.CLICKED: 3,
    FollowUpStatus.BOUNCED: 3,
}


@dataclass(frozen=True)
class EngagementResult:
    event_ids: tuple[str, ...]
    follow_up_status: str
    consent_id: str | None
    planned: tuple[str, ...]


def apply_engagement(conn: Connection, *, event_id: str, kind: str, job_id: str, at: datetime) -> EngagementResult:
    """One engagement event with a delivered follow-up: an engagement event row, the follow-up's new
    status, an email opt-out for an unsubscribe, and the journeys it triggers — all synced down."""
    fu = schema.synced["follow_ups"]
    found = conn.execute(select(fu).where(fu.c.id == job_id)).mappings().first()
    if found is None:
        raise LookupError(job_id)
    job = follow_up_from_row(dict(found))
    content_row = None
    if job.content_id:
        ct = schema.synced["content"]
        content_row = conn.execute(select(ct).where(ct.c.id == job.content_id)).mappings().first()
    item = content_from_row(dict(content_row)) if content_row is not None else None
    event_type, status = ENGAGEMENT_TYPES[kind]
    events: list[str] = []
    consent_id = None
    if event_type is not None:
        ev = EngagementEvent(
            id=EventId(f"EN-{event_id}"[:128]),
            hcp_id=job.hcp_id,
            type=event_type,
            occurred_at=at,
            channel=Channel.EMAIL,
            product_id=item.product_id if item else None,
            content_id=job.content_id,
            topics=item.topics if item else (),
            source="engagement",
        )
        upsert_rows(conn, "events", [event_to_row(ev)])
        events.append(ev.id)
    if status is not None and _STATUS_ORDER.get(status, 0) > _STATUS_ORDER.get(job.status, 9):
        upsert_rows(conn, "follow_ups", [follow_up_to_row(_with_status(job, status, f"{kind} on {at.date()}"))])
    if kind in OPT_OUTS:
        consent = Consent(
            id=ConsentId(f"CN-unsub-{event_id}"[:128]),
            hcp_id=job.hcp_id,
            channel=Channel.EMAIL,
            state=ConsentState.OPT_OUT,
            captured_at=at,
            source=OPT_OUTS[kind].format(job=job.id),
        )
        upsert_rows(conn, "consents", [consent_to_row(consent)])
        consent_id = consent.id
    planned: list[PlannedFollowUp] = []
    if kind in ("opened", "clicked") and job.status is not FollowUpStatus.OPENED:
        planned = _plan_after_engagement(conn, job, item, at, "email_opened")
    elif kind == "attended":
        planned = _plan_after_engagement(conn, job, item, at, "event_attended")
    final = conn.execute(select(fu.c.status).where(fu.c.id == job_id)).scalar_one()
    return EngagementResult(tuple(events), str(final), consent_id, tuple(p.id for p in planned))


def _with_status(job: FollowUpJob, status: FollowUpStatus, note: str) -> FollowUpJob:
    reason = job.reason if note in job.reason else f"{job.reason}; {note}" if job.reason else note
    return replace(job, status=status, reason=reason)


def _plan_after_engagement(
    conn: Connection, job: FollowUpJob, item: Content | None, at: datetime, on: str
) -> list[PlannedFollowUp]:
    journeys, content = JOURNEYS.load(conn)
    ctx = hcp_context(conn, job.hcp_id)
    if not journeys or ctx is None:
        return []
    title = item.title if item else job.content_id or "the email"
    what = "Opened" if on == "email_opened" else "Attended the event of"
    event = TriggerEvent(
        on=on,
        hcp_id=str(job.hcp_id),
        at=at,
        source_id=f"{job.id}-{on}",
        topics=item.topics if item else (),
        products=(item.product_id,) if item else (),
        after_journey=job.journey,
        content_id=job.content_id,
        label=f"{what} '{title}' on {at.date().isoformat()}",
    )
    sent_at = job.sent_at or job.created_at
    planned = [
        p
        for p in evaluate(journeys, event, ctx, content)
        if within_window(journeys, p.journey, at - (sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)))
    ]
    record_plan(conn, planned, event, datetime.now(UTC))
    return planned


def engagement_secret(db: Any) -> str:
    """The shared HMAC secret of engagement webhooks and unsubscribe links: the hub's own, created once and
    kept in hub_settings (show it with `repcompanion-hub followups secret`)."""
    with db.read() as conn:
        value = db.setting(conn, "engagement_secret")
    if value:
        return value
    with db.write() as conn:
        value = db.setting(conn, "engagement_secret")
        if not value:
            value = secrets.token_hex(32)
            db.set_setting(conn, "engagement_secret", value)
    return value
