"""Follow-ups on the rep's side: preview what a visit will trigger (with consent state), and deselect one."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from repcompanion.domain import CallReport, EventType, FollowUpStatus
from repcompanion.intel.journeys import (
    SKIP_PREFIX,
    HcpContext,
    Journey,
    PlannedFollowUp,
    TriggerEvent,
    default_journey_dir,
    evaluate,
    load_journeys,
    skipped_journeys,
)


def journey_folder() -> Path:
    env = os.environ.get("REPCOMPANION_JOURNEYS")
    return Path(env) if env else default_journey_dir()


def _journeys(ws: Any) -> list[Journey]:
    folder = journey_folder()
    return load_journeys([folder], ws.store.content.all()) if folder.exists() else []


def preview_follow_ups(ws: Any, report: CallReport) -> list[PlannedFollowUp]:
    """The follow-ups submitting ``report`` will plan on the hub, each scheduled or suppressed with the
    reason and the HCP's consent state (``PlannedFollowUp.consent``); deselected ones show as cancelled."""
    journeys = _journeys(ws)
    if not journeys:
        return []
    hcp = ws.hcp(report.hcp_id)
    consents = ws.store.consents.where("hcp_id = ?", [report.hcp_id])
    sent = [
        e.occurred_at if e.occurred_at.tzinfo else e.occurred_at.replace(tzinfo=UTC)
        for e in ws.timeline(report.hcp_id, limit=500)
        if e.type is EventType.EMAIL_SENT and e.source == "journey"
    ]
    sent += [
        f.due_at
        for f in ws.follow_ups_for(report.hcp_id)
        if f.status is FollowUpStatus.SCHEDULED and f.action == "send_email" and f.due_at is not None
    ]
    at = report.started_at if report.started_at.tzinfo else report.started_at.replace(tzinfo=UTC)
    event = TriggerEvent(
        on="call_report",
        hcp_id=str(report.hcp_id),
        at=max(at, datetime.now(UTC)) if report.submitted_at is None else report.submitted_at,
        source_id=str(report.id),
        topics=tuple(report.topics),
        products=tuple(report.products),
        label=f"Visit on {report.started_at.date().isoformat()} about {', '.join(report.topics) or 'no topic'}",
        skip=skipped_journeys(report.follow_up_requests),
    )
    content = {str(c.id): c for c in ws.store.content.all()}
    return evaluate(journeys, event, HcpContext(hcp, consents, sent), content)


def deselect(report: CallReport, journey_id: str, selected: bool = False) -> CallReport:
    """The draft with ``journey_id``'s follow-up deselected (or selected again): recorded in the report's
    follow-up requests, so the hub skips (cancels) it when the report is pushed."""
    entry = f"{SKIP_PREFIX}{journey_id}"
    requests = [r for r in report.follow_up_requests if r != entry]
    if not selected:
        requests.append(entry)
    return replace(report, follow_up_requests=tuple(requests))
