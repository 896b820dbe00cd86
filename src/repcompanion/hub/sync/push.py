"""Push: apply each outbox mutation once, in order, each in its own savepoint, and say what became of it.

Idempotency: a mutation id seen before answers ``duplicate`` (or its recorded rejection again); a
``(device_id, device_seq)`` seen before under another id is rejected (it would hide a lost change).
A bad mutation is rejected with its reason and never blocks the ones after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.exc import SQLAlchemyError

from repcompanion.domain.enums import MutationKind, ReportStatus
from repcompanion.domain.errors import RepCompanionError
from repcompanion.domain.models import visit_event
from repcompanion.domain.rows import (
    Row,
    call_report_from_row,
    call_report_to_row,
    consent_from_row,
    consent_to_row,
    decision_from_row,
    decision_to_row,
    event_to_row,
    feedback_from_row,
    feedback_to_row,
    intake_from_row,
    intake_to_row,
)
from repcompanion.hub.auth import Caller
from repcompanion.hub.db import HubDb, now_text, row_json, schema, upsert_rows
from repcompanion.hub.followups import plan_after_call_report
from repcompanion.hub.sync.territories import hcp_in_territory
from repcompanion.ingest.changes import ALLOWED_FIELDS
from repcompanion.protocol.models import MutationIn, MutationResult, PushReply, PushRequest

Outcome = tuple[str, str]  # (status, reason)


class Rejected(Exception):
    """A mutation the hub refuses, with the reason the rep will read."""


#: HCP fields a rep may propose to correct (data change requests)
DCR_FIELDS = frozenset(ALLOWED_FIELDS)  # the fields an admin may accept (admin/dcr.py)


def push(db: HubDb, caller: Caller, req: PushRequest) -> PushReply:
    results: list[MutationResult] = []
    with db.write() as conn:
        for m in req.mutations:
            status, reason = _apply_once(conn, caller, m)
            results.append(MutationResult(id=m.id, status=status, reason=reason))  # type: ignore[arg-type]
    return PushReply(results=results)


def _apply_once(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    mt = schema.mutations
    prior = conn.execute(select(mt.c.status, mt.c.reason).where(mt.c.id == m.id)).first()
    if prior is not None:
        return ("rejected", prior[1]) if prior[0] == "rejected" else ("duplicate", "already received")
    clash = conn.execute(
        select(mt.c.id).where(and_(mt.c.device_id == m.device_id, mt.c.device_seq == m.device_seq))
    ).first()
    if clash is not None:
        return (
            "rejected",
            f"device sequence {m.device_seq} of device {m.device_id} was already used by change {clash[0]}; "
            "this change was not applied — contact support with this message",
        )
    handler = HANDLERS.get(m.kind)
    savepoint = conn.begin_nested()
    try:
        if handler is None:
            raise Rejected(f"unknown kind of change {m.kind!r}; this hub understands {', '.join(sorted(HANDLERS))}")
        status, reason = handler(conn, caller, m)
        savepoint.commit()
    except Rejected as exc:
        savepoint.rollback()
        status, reason = "rejected", str(exc)
    except RepCompanionError as exc:
        savepoint.rollback()
        status, reason = "rejected", f"the {m.kind} payload is invalid: {exc.message}"
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        savepoint.rollback()
        status, reason = "rejected", f"the {m.kind} payload is invalid: {_describe(exc)}"
    except SQLAlchemyError as exc:
        savepoint.rollback()
        cause = getattr(exc, "orig", None) or exc
        status, reason = "rejected", f"the hub could not store this {m.kind}: {type(cause).__name__}"
    conn.execute(
        mt.insert().values(
            id=m.id,
            device_id=m.device_id,
            device_seq=m.device_seq,
            user_name=caller.user,
            kind=m.kind,
            entity_id=m.entity_id,
            status=status,
            reason=reason,
            received_at=now_text(),
        )
    )
    return status, reason


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc) or type(exc).__name__


def _existing(conn: Connection, table: Any, key: Any, value: str) -> Row | None:
    found = conn.execute(select(table).where(key == value)).mappings().first()
    return dict(found) if found is not None else None


# -- handlers -----------------------------------------------------------------------------------------------


def submit_call_report(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    report = call_report_from_row(m.payload)
    if report.status is not ReportStatus.SUBMITTED:
        raise Rejected("only submitted call reports are sent to the hub; drafts stay on the device")
    row = call_report_to_row(report)
    if not hcp_in_territory(conn, report.hcp_id, caller.territory_id):
        reason = f"HCP {report.hcp_id} is no longer in your territory — the report was kept and sent to your manager"
        o = schema.orphan_reports
        if _existing(conn, o, o.c.id, report.id) is None:
            conn.execute(
                o.insert().values(
                    id=report.id,
                    hcp_id=report.hcp_id,
                    user_name=caller.user,
                    territory_id=caller.territory_id,
                    reason=reason,
                    row=row_json(row),
                    received_at=now_text(),
                )
            )
        return "rejected", reason
    t = schema.synced["call_reports"]
    stored = _existing(conn, t, t.c.id, report.id)
    if stored is not None:
        if call_report_to_row(call_report_from_row(stored)) == row:
            return "duplicate", "this call report was already received"
        raise Rejected(
            f"submitted reports are immutable: call report {report.id} was already received with different "
            "content; log a new visit or add a correction note instead"
        )
    upsert_rows(conn, "call_reports", [row], fresh=True)
    visit = visit_event(report)
    upsert_rows(conn, "events", [event_to_row(visit)])
    plan_after_call_report(conn, report)  # journeys: follow-ups are planned in the same transaction
    return "applied", ""


def capture_consent(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    consent = consent_from_row(m.payload)
    row = consent_to_row(consent)
    h = schema.synced["hcps"]
    if conn.execute(select(h.c.id).where(h.c.id == consent.hcp_id)).first() is None:
        raise Rejected(f"HCP {consent.hcp_id} is not known to the hub; the consent was not recorded")
    if not hcp_in_territory(conn, consent.hcp_id, caller.territory_id):
        raise Rejected(f"HCP {consent.hcp_id} is not in your territory; the consent was not recorded")
    t = schema.synced["consents"]
    stored = _existing(conn, t, t.c.id, consent.id)
    if stored is not None:
        if consent_to_row(consent_from_row(stored)) == row:
            return "duplicate", "this consent was already received"
        raise Rejected(f"consent records are append-only: {consent.id} was already received with other content")
    upsert_rows(conn, "consents", [row], fresh=True)
    return "applied", ""


def submit_intake(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    intake = intake_from_row(m.payload)
    row = intake_to_row(intake)
    t = schema.ae_intakes
    meta = {"user_name": caller.user, "territory_id": caller.territory_id, "device_id": m.device_id}
    stored = conn.execute(select(t.c.user_name).where(t.c.id == intake.id)).first()
    if stored is None:
        conn.execute(t.insert().values(**row, **meta, received_at=now_text()))
    elif stored[0] != caller.user:
        raise Rejected(f"adverse-event intake {intake.id} was reported by another rep; it was not changed")
    else:
        # A re-push must not undo the hub's forwarding record.
        kept = {k: v for k, v in row.items() if k not in ("status", "forwarded_at")}
        conn.execute(t.update().where(t.c.id == intake.id).values(**kept, **meta))
    return "applied", ""


def record_screening(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    decision = decision_from_row(m.payload)
    row = decision_to_row(decision)
    t = schema.screening_decisions
    if _existing(conn, t, t.c.call_report_id, decision.call_report_id) is None:
        conn.execute(t.insert().values(**row, user_name=caller.user, received_at=now_text()))
    else:
        conn.execute(t.update().where(t.c.call_report_id == decision.call_report_id).values(**row))
    return "applied", ""


def record_feedback(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    feedback = feedback_from_row(m.payload)
    t = schema.suggestion_feedback
    if _existing(conn, t, t.c.id, feedback.id) is not None:
        return "duplicate", "this feedback was already received"
    conn.execute(
        t.insert().values(
            **feedback_to_row(feedback),
            user_name=caller.user,
            territory_id=caller.territory_id,
            received_at=now_text(),
        )
    )
    return "applied", ""


def record_list_shown(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    """Payload: ``{"day", "shown_at", "shown": N, "top": {"hcp_id", "action"}, "model_version", "rules_version"}``
    — the list a laptop showed its rep (one per day and device; a later one the same day replaces it)."""
    p = m.payload
    day = date.fromisoformat(str(p["day"])).isoformat()
    shown = int(p["shown"])
    if shown < 0:
        raise Rejected("a suggestion list cannot have fewer than 0 suggestions")
    top = p.get("top") or {}
    if not isinstance(top, dict):
        raise Rejected("'top' must be an object with hcp_id and action")
    t = schema.suggestion_lists
    list_id = f"{m.device_id}|{day}"
    conn.execute(t.delete().where(t.c.id == list_id))
    conn.execute(
        t.insert().values(
            id=list_id,
            day=day,
            shown_at=str(p.get("shown_at") or m.created_at)[:64],
            shown=shown,
            top_hcp_id=str(top["hcp_id"])[:128] if top.get("hcp_id") else None,
            top_action=str(top["action"])[:64] if top.get("action") else None,
            model_version=str(p.get("model_version", ""))[:200],
            rules_version=str(p.get("rules_version", ""))[:200],
            user_name=caller.user,
            territory_id=caller.territory_id,
            device_id=m.device_id,
            received_at=now_text(),
        )
    )
    return "applied", ""


def submit_dcr(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    """Payload: ``{"hcp_id": ..., "changes": {field: new value}, "note": ...}`` (``hcp_id`` defaults to the
    mutation's entity id); fields are HCP columns a rep may correct (address, phone, email, specialty...)."""
    hcp_id = str(m.payload.get("hcp_id") or m.entity_id)
    changes = m.payload.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise Rejected("a data change request needs a non-empty 'changes' object of HCP fields")
    unknown = sorted(set(changes) - DCR_FIELDS)
    if unknown:
        raise Rejected(f"these HCP fields cannot be changed by a request: {', '.join(unknown)}")
    if not hcp_in_territory(conn, hcp_id, caller.territory_id):
        raise Rejected(f"HCP {hcp_id} is not in your territory; the request was not recorded")
    t = schema.data_change_requests
    dcr_id = str(m.payload.get("id") or m.id)
    if _existing(conn, t, t.c.id, dcr_id) is not None:
        return "duplicate", "this request was already received"
    conn.execute(
        t.insert().values(
            id=dcr_id,
            hcp_id=hcp_id,
            changes=json.dumps(changes, sort_keys=True),
            note=str(m.payload.get("note", "")),
            status="open",
            user_name=caller.user,
            territory_id=caller.territory_id,
            received_at=now_text(),
        )
    )
    return "applied", ""


def _draft_upsert(conn: Connection, caller: Caller, m: MutationIn) -> Outcome:
    raise Rejected("drafts stay on the device; submit the call report to send it to the hub")


HANDLERS: dict[str, Callable[[Connection, Caller, MutationIn], Outcome]] = {
    MutationKind.CALL_REPORT_SUBMIT.value: submit_call_report,
    MutationKind.CALL_REPORT_UPSERT.value: _draft_upsert,
    MutationKind.CONSENT_CAPTURE.value: capture_consent,
    MutationKind.AE_INTAKE.value: submit_intake,
    MutationKind.SCREENING_DECISION.value: record_screening,
    MutationKind.SUGGESTION_FEEDBACK.value: record_feedback,
    MutationKind.SUGGESTIONS_SHOWN.value: record_list_shown,
    MutationKind.DATA_CHANGE_REQUEST.value: submit_dcr,
}
