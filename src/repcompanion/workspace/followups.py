"""Follow-ups on the rep's side: preview what a visit will trigger (with consent state), and deselect one."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.domain import CallReport, EventType, FollowUpJob, FollowUpStatus
from repcompanion.resources import MissingResourceError

if TYPE_CHECKING:
    from repcompanion.intel.journeys import Journey, PlannedFollowUp
    from repcompanion.workspace.core import Workspace


def journey_folder() -> Path:
    from repcompanion.intel.journeys import default_journey_dir

    env = os.environ.get("REPCOMPANION_JOURNEYS")
    if not env:
        return default_journey_dir()
    if not Path(env).exists():
        raise MissingResourceError(
            f"REPCOMPANION_JOURNEYS points to {env}, which does not exist.",
            hint="Set it to a journey file or folder, or unset it to use the journeys shipped with RepCompanion.",
        )
    return Path(env)


@dataclass(frozen=True)
class FollowUpLine:
    """A digital follow-up as the rep reads it: the content's title and the channel and journey in words."""

    job: FollowUpJob
    content: str  # the approved content's title ("" when it sends none)
    channel: str
    journey: str


def journey_title(journey_id: str) -> str:
    """``efficacy-email`` → ``Efficacy email``."""
    text = journey_id.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


class FollowUpManager:
    """``ws.followups``: the digital follow-ups journeys plan for a visit, before and after it is submitted."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def for_hcp(self, hcp_id: str) -> list[FollowUpJob]:
        """The digital follow-ups journeys planned for this HCP, newest first, with their delivery status."""
        return self._ws.store.follow_ups_for(hcp_id)

    def lines_for_hcp(self, hcp_id: str) -> list[FollowUpLine]:
        """:meth:`for_hcp`, each with its content's title and its channel and journey named."""
        from repcompanion.workspace.ui_support import CHANNEL_LABELS

        titles = {str(c.id): c.title for c in self._ws.store.content.all()}
        return [
            FollowUpLine(
                job,
                titles.get(str(job.content_id), str(job.content_id)) if job.content_id else "",
                CHANNEL_LABELS.get(job.channel, str(job.channel)) if job.channel is not None else "",
                journey_title(job.journey),
            )
            for job in self.for_hcp(hcp_id)
        ]

    def _journeys(self) -> list[Journey]:
        from repcompanion.intel.journeys import load_journeys

        folder = journey_folder()
        return load_journeys([folder], self._ws.store.content.all()) if folder.exists() else []

    def preview(self, report: CallReport) -> list[PlannedFollowUp]:
        """The follow-ups submitting ``report`` will plan on the hub, each scheduled or suppressed with the
        reason and the HCP's consent state (``PlannedFollowUp.consent``); deselected ones show as cancelled."""
        from repcompanion.intel.journeys import HcpContext, TriggerEvent, evaluate, skipped_journeys

        journeys = self._journeys()
        if not journeys:
            return []
        store = self._ws.store
        hcp = store.hcps.get(report.hcp_id)
        consents = store.consents_for(report.hcp_id)
        sent = [
            e.occurred_at if e.occurred_at.tzinfo else e.occurred_at.replace(tzinfo=UTC)
            for e in store.events_for(report.hcp_id, 500)
            if e.type is EventType.EMAIL_SENT and e.source == "journey"
        ]
        sent += [
            f.due_at
            for f in self.for_hcp(report.hcp_id)
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
        content = {str(c.id): c for c in store.content.all()}
        return evaluate(journeys, event, HcpContext(hcp, consents, sent), content)

    @staticmethod
    def deselect(report: CallReport, journey_id: str, selected: bool = False) -> CallReport:
        """The draft with ``journey_id``'s follow-up deselected (or selected again): recorded in the report's
        follow-up requests, so the hub skips (cancels) it when the report is pushed."""
        from repcompanion.intel.journeys import SKIP_PREFIX

        entry = f"{SKIP_PREFIX}{journey_id}"
        requests = [r for r in report.follow_up_requests if r != entry]
        if not selected:
            requests.append(entry)
        return replace(report, follow_up_requests=tuple(requests))

    @staticmethod
    def deselected(report: CallReport) -> set[str]:
        """The journeys whose follow-ups ``report`` deselects."""
        from repcompanion.intel.journeys import SKIP_PREFIX

        return {r[len(SKIP_PREFIX) :] for r in report.follow_up_requests if r.startswith(SKIP_PREFIX)}
