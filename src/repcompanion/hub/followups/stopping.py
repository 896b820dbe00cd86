"""Stop follow-ups whose approved content can no longer be sent (withdrawn or past its expiry), and say why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, select

from repcompanion.domain import Content, FollowUpStatus
from repcompanion.domain.rows import content_from_row, follow_up_from_row, follow_up_to_row
from repcompanion.hub.db import schema, upsert_rows
from repcompanion.hub.db.schema import followup_jobs


def unusable_reason(content: Content, day: datetime) -> str:
    """Why ``content`` may not be sent on ``day`` ('' when it may)."""
    if content.withdrawn_at is not None:
        why = f": {content.withdrawn_reason}" if content.withdrawn_reason else ""
        return f"content {content.id} was withdrawn on {content.withdrawn_at.date().isoformat()}{why}"
    if content.valid_to < day.date():
        return f"content {content.id} expired on {content.valid_to.isoformat()}"
    return ""


def stop_follow_ups(conn: Connection, content_ids: set[str] | None = None, *, now: datetime | None = None) -> int:
    """Cancel every scheduled follow-up whose content is withdrawn or expired (of ``content_ids``, or of all),
    on the hub's job and on the follow-up the rep sees; returns how many were stopped."""
    now = now or datetime.now(UTC)
    c, j, fu = schema.synced["content"], followup_jobs, schema.synced["follow_ups"]
    query = select(c)
    if content_ids is not None:
        query = query.where(c.c.id.in_(sorted(content_ids)))
    reasons = {}
    for row in conn.execute(query).mappings():
        why = unusable_reason(content_from_row(dict(row)), now)
        if why:
            reasons[row["id"]] = why
    if not reasons:
        return 0
    jobs = conn.execute(
        select(j.c.id, j.c.content_id).where(and_(j.c.status == "scheduled", j.c.content_id.in_(sorted(reasons))))
    ).all()
    for job_id, content_id in jobs:
        reason = f"not sent: {reasons[content_id]}"
        conn.execute(
            j.update()
            .where(and_(j.c.id == job_id, j.c.status == "scheduled"))
            .values(status="cancelled", dead_letter_reason=reason, lease_owner=None, lease_expires_at=None)
        )
        synced = conn.execute(select(fu).where(fu.c.id == job_id)).mappings().first()
        if synced is not None:
            old = follow_up_from_row(dict(synced))
            upsert_rows(
                conn, "follow_ups", [follow_up_to_row(replace(old, status=FollowUpStatus.CANCELLED, reason=reason))]
            )
    return len(jobs)


__all__ = ["stop_follow_ups", "unusable_reason"]
