"""Operators' controls over follow-ups: pause and resume a journey, retry a dead-lettered e-mail.

A paused journey plans nothing new — each follow-up it would plan is recorded as suppressed, saying who paused it
and why, so the rep sees it — and its scheduled e-mails wait (the worker does not lease them) until it is resumed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, select

from repcompanion.domain import FollowUpStatus
from repcompanion.domain.errors import HubError
from repcompanion.domain.rows import dt_text, follow_up_from_row, follow_up_to_row
from repcompanion.hub.db import HubDb, schema, upsert_rows
from repcompanion.hub.db.schema import followup_jobs, journey_pauses
from repcompanion.intel.journeys import PlannedFollowUp


class FollowUpControlError(HubError):
    hint = "See the journeys with `repcompanion-hub journeys check` and follow-ups with `followups list`."


@dataclass(frozen=True)
class JourneyPause:
    journey: str
    paused_at: str
    paused_by: str
    reason: str


def paused_journeys(conn: Connection) -> dict[str, JourneyPause]:
    """Every paused journey by id."""
    return {r.journey: JourneyPause(r.journey, r.paused_at, r.paused_by, r.reason) for r in conn.execute(
        select(journey_pauses)
    )}  # fmt: skip


def pause_journey(db: HubDb, journey: str, *, by: str, reason: str, known: set[str] | None = None) -> JourneyPause:
    """Pause ``journey`` (one of ``known`` when given); pausing a paused journey changes nothing."""
    if not reason.strip():
        raise FollowUpControlError("Say why the journey is paused; reps and auditors read it.")
    if known is not None and journey not in known:
        raise FollowUpControlError(f"There is no journey {journey!r}; journeys: {', '.join(sorted(known)) or 'none'}.")
    with db.write() as conn:
        found = paused_journeys(conn).get(journey)
        if found is not None:
            return found
        pause = JourneyPause(journey, datetime.now(UTC).isoformat(timespec="seconds"), by, reason.strip())
        conn.execute(journey_pauses.insert().values(**pause.__dict__))
        return pause


def resume_journey(db: HubDb, journey: str) -> bool:
    """Resume a paused journey: new triggers plan follow-ups again and waiting e-mails go out. False: not paused."""
    with db.write() as conn:
        return bool(conn.execute(journey_pauses.delete().where(journey_pauses.c.journey == journey)).rowcount)


def without_paused(conn: Connection, planned: list[PlannedFollowUp]) -> list[PlannedFollowUp]:
    """``planned`` with the follow-ups of paused journeys suppressed, saying so."""
    if not planned:
        return planned
    paused = paused_journeys(conn)
    if not paused:
        return planned
    out = []
    for p in planned:
        pause = paused.get(p.journey)
        if pause is not None and p.status is FollowUpStatus.SCHEDULED:
            why = f"{p.journey} v{p.version} not sent: the journey was paused on {pause.paused_at[:10]}"
            why += f" ({pause.reason})"
            p = replace(p, status=FollowUpStatus.SUPPRESSED, reason=why, content_id=None)
        out.append(p)
    return out


def retry_dead_letter(db: HubDb, job_id: str, *, now: datetime | None = None) -> None:
    """Schedule a dead-lettered e-mail again (attempts start over, same Message-ID); the rep sees it scheduled."""
    at = now or datetime.now(UTC)
    j, fu = followup_jobs, schema.synced["follow_ups"]
    with db.write() as conn:
        job = conn.execute(select(j.c.status, j.c.dead_letter_reason).where(j.c.id == job_id)).first()
        if job is None:
            raise FollowUpControlError(f"There is no follow-up e-mail {job_id} on this hub.")
        if job.status != "failed":
            raise FollowUpControlError(
                f"Follow-up {job_id} is {job.status}, not dead-lettered; only a failed e-mail can be retried."
            )
        conn.execute(
            j.update()
            .where(and_(j.c.id == job_id, j.c.status == "failed"))
            .values(status="scheduled", attempts=0, next_attempt_at=dt_text(at), last_error="", dead_letter_reason="")
        )
        row = conn.execute(select(fu).where(fu.c.id == job_id)).mappings().first()
        if row is not None:
            old = follow_up_from_row(dict(row))
            again = f"{old.reason}; retried on {at.date().isoformat()} after: {job.dead_letter_reason}"
            upsert_rows(
                conn, "follow_ups", [follow_up_to_row(replace(old, status=FollowUpStatus.SCHEDULED, reason=again))]
            )


__all__ = [
    "FollowUpControlError",
    "JourneyPause",
    "pause_journey",
    "paused_journeys",
    "resume_journey",
    "retry_dead_letter",
    "without_paused",
]
