"""The engine's inputs from a workspace's records: naive wall-clock copies, open promises, journey suggestions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo

from repcompanion.domain import (
    ActionType,
    CallReport,
    Consent,
    EngagementEvent,
    FollowUpJob,
    FollowUpStatus,
    HcpId,
    SuggestionFeedback,
)
from repcompanion.intel.journeys import SKIP_PREFIX
from repcompanion.intel.territory import FollowUp

#: How long a follow-up promised in a visit stays open (unless a later contact closes it).
FOLLOW_UP_DAYS = 14

#: Journey follow-up actions that become a suggestion for the rep, and the engine action they boost.
SUGGESTION_ACTIONS = {
    "suggest_msl_referral": ActionType.MSL_REFERRAL,
    "suggest_remote_follow_up": ActionType.REMOTE_MEETING,
}


def naive_utc(value: datetime | None, zone: tzinfo = UTC) -> datetime | None:
    """The engine works in naive wall-clock time (like its DataFrames): UTC by default, or the rep's ``zone`` so
    that an evening's visit counts on the rep's day; stores hold offset-aware UTC."""
    return None if value is None else naive(value, zone)


def naive(value: datetime, zone: tzinfo = UTC) -> datetime:
    return value if value.tzinfo is None else value.astimezone(zone).replace(tzinfo=None)


def naive_consents(consents: Iterable[Consent], zone: tzinfo = UTC) -> list[Consent]:
    return [
        replace(c, captured_at=naive(c.captured_at, zone), expires_at=naive_utc(c.expires_at, zone)) for c in consents
    ]


def naive_feedback(feedback: Iterable[SuggestionFeedback], zone: tzinfo = UTC) -> list[SuggestionFeedback]:
    return [replace(f, at=naive(f.at, zone)) for f in feedback]


def naive_events(events: Iterable[EngagementEvent], zone: tzinfo = UTC) -> list[EngagementEvent]:
    return [replace(e, occurred_at=naive(e.occurred_at, zone)) for e in events]


def promised_follow_ups(submitted: Iterable[CallReport], day: date, zone: tzinfo = UTC) -> list[FollowUp]:
    """Follow-ups the rep promised in the submitted visits of the last :data:`FOLLOW_UP_DAYS` days before ``day``."""
    since = day - timedelta(days=FOLLOW_UP_DAYS)
    follow_ups = []
    for report in submitted:
        held_on = naive(report.started_at, zone).date()
        if held_on < since:
            continue
        for request in report.follow_up_requests:
            if request.startswith(SKIP_PREFIX):  # a deselected journey follow-up, not a promise to the HCP
                continue
            follow_ups.append(FollowUp(report.hcp_id, request, held_on + timedelta(days=FOLLOW_UP_DAYS)))
    return follow_ups


def journey_suggestions(follow_ups: Iterable[FollowUpJob]) -> list[tuple[HcpId, ActionType, str]]:
    """The hub's open journey suggestions among ``follow_ups``: (HCP, engine action, the journey's reason)."""
    scheduled = [f for f in follow_ups if f.status is FollowUpStatus.SCHEDULED]
    return [
        (f.hcp_id, engine_action, f.reason or f.journey)
        for action, engine_action in SUGGESTION_ACTIONS.items()
        for f in scheduled
        if f.action == action
    ]
