"""Pharmacovigilance's handling of intakes on the hub: acknowledge one (received and triaged), or forward it again.

Re-forwarding clears the intake's forwarded state so the forwarding loop sends it once more, under a new
Message-ID (``<ae-intake.ID.rN@...>``) so that a mailbox that dropped or deduplicated the first copy receives it;
the 24-hour clock keeps its original deadline and shows the new delivery time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from repcompanion.domain.enums import IntakeStatus
from repcompanion.domain.errors import HubError
from repcompanion.hub.db import HubDb, schema
from repcompanion.hub.db.schema import ae_forwarding, ae_reviews


class IntakeReviewError(HubError):
    hint = "List the intakes with `repcompanion-hub safety list`."


def _require(conn: Connection, intake_id: str) -> None:
    i = schema.ae_intakes
    if conn.execute(select(i.c.id).where(i.c.id == intake_id)).first() is None:
        raise IntakeReviewError(f"There is no adverse-event intake {intake_id} on this hub.")


def _review(conn: Connection, intake_id: str) -> None:
    if conn.execute(select(ae_reviews.c.intake_id).where(ae_reviews.c.intake_id == intake_id)).first() is None:
        conn.execute(ae_reviews.insert().values(intake_id=intake_id, note="", reforwarded=0))


def acknowledge_intake(db: HubDb, intake_id: str, *, by: str, note: str = "", now: datetime | None = None) -> bool:
    """Record that pharmacovigilance has the intake in hand; False when it was already acknowledged."""
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    with db.write() as conn:
        _require(conn, intake_id)
        _review(conn, intake_id)
        done = conn.execute(
            ae_reviews.update()
            .where(ae_reviews.c.intake_id == intake_id, ae_reviews.c.acknowledged_at.is_(None))
            .values(acknowledged_at=at, acknowledged_by=by, note=note.strip())
        ).rowcount
    return bool(done)


def reforward_intake(db: HubDb, intake_id: str, *, by: str, now: datetime | None = None) -> int:
    """Send the intake to pharmacovigilance again (the forwarding loop picks it up); returns how many times it has
    now been re-forwarded. An intake not forwarded yet is already on its way: nothing to do."""
    at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    i, f = schema.ae_intakes, ae_forwarding
    with db.write() as conn:
        _require(conn, intake_id)
        state = conn.execute(select(f.c.sent_at, f.c.message_id).where(f.c.intake_id == intake_id)).first()
        forwarded = conn.execute(select(i.c.forwarded_at).where(i.c.id == intake_id)).scalar()
        if not (state is not None and state.sent_at) and not forwarded:
            raise IntakeReviewError(
                f"Intake {intake_id} has not been forwarded yet; the forwarding loop is still sending it.",
                hint="Its attempts and last error are on the Safety page and in `repcompanion-hub safety list`.",
            )
        _review(conn, intake_id)
        count = int(conn.execute(select(ae_reviews.c.reforwarded).where(ae_reviews.c.intake_id == intake_id)).scalar()
                    or 0) + 1  # fmt: skip
        conn.execute(
            ae_reviews.update()
            .where(ae_reviews.c.intake_id == intake_id)
            .values(reforwarded=count, reforwarded_at=at, reforwarded_by=by)
        )
        conn.execute(i.update().where(i.c.id == intake_id).values(forwarded_at=None, status=IntakeStatus.QUEUED.value))
        if state is not None:
            local, _, domain = str(state.message_id).strip("<>").partition("@")
            mid = f"<{re.sub(r'[.]r[0-9]+$', '', local)}.r{count}@{domain}>"
            conn.execute(
                f.update()
                .where(f.c.intake_id == intake_id)
                .values(sent_at=None, next_attempt_at=None, last_error="", message_id=mid)
            )
    return count


__all__ = ["IntakeReviewError", "acknowledge_intake", "reforward_intake"]
