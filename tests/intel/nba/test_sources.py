"""The engine's inputs from stored records: naive UTC, the rep's open promises and the hub's journey suggestions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import (
    ActionType,
    FeedbackId,
    FeedbackKind,
    FollowUpJob,
    FollowUpStatus,
    HcpId,
    ReportStatus,
    SuggestionFeedback,
)
from repcompanion.intel.journeys import SKIP_PREFIX
from repcompanion.intel.nba import (
    journey_suggestions,
    naive_consents,
    naive_events,
    naive_feedback,
    promised_follow_ups,
)
from repcompanion.intel.nba.sources import FOLLOW_UP_DAYS, naive_utc
from repcompanion.intel.territory import FollowUp
from tests import factories as f

DAY = date(2026, 11, 24)


@given(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(timezone(timedelta(hours=-5)))))
def test_an_aware_time_becomes_the_same_instant_in_naive_utc(at):
    naive = naive_utc(at)
    assert naive is not None and naive.tzinfo is None
    assert naive.replace(tzinfo=UTC) == at


def test_naive_times_and_none_pass_through_unchanged():
    at = datetime(2026, 11, 24, 9, 30)
    assert naive_utc(at) is at and naive_utc(None) is None


def test_consents_events_and_feedback_are_copied_in_naive_utc():
    consent = replace(f.consent(), expires_at=f.T0 + timedelta(days=30))
    feedback = SuggestionFeedback(FeedbackId("F1"), HcpId("H00001"), ActionType.VISIT, FeedbackKind.COMPLETED, f.T0)
    [c] = naive_consents([consent])
    [e] = naive_events([f.event()])
    [fb] = naive_feedback([feedback])
    assert c.captured_at == consent.captured_at.replace(tzinfo=None) and c.expires_at.tzinfo is None
    assert e.occurred_at == f.event().occurred_at.replace(tzinfo=None)
    assert fb.at == f.T0.replace(tzinfo=None) and fb.id == feedback.id


def test_promises_of_recent_visits_stay_open_and_deselected_journeys_are_not_promises():
    started = datetime(2026, 11, 20, 10, tzinfo=UTC)
    recent = replace(
        f.report(),
        started_at=started,
        status=ReportStatus.SUBMITTED,
        follow_up_requests=("Send the dosing card", f"{SKIP_PREFIX}clinical-email"),
    )
    old = replace(recent, hcp_id=HcpId("H00002"), started_at=started - timedelta(days=30))
    assert promised_follow_ups([recent, old], DAY) == [
        FollowUp(recent.hcp_id, "Send the dosing card", started.date() + timedelta(days=FOLLOW_UP_DAYS))
    ]


def _job(i: int, action: str, status: FollowUpStatus = FollowUpStatus.SCHEDULED, reason: str = "") -> FollowUpJob:
    return FollowUpJob(f"FU-{i}", HcpId(f"H{i:05d}"), f"journey-{i}", action, status, f.T0, reason=reason)


def test_only_scheduled_suggestion_follow_ups_reach_the_engine_with_their_reason():
    jobs = [
        _job(1, "suggest_remote_follow_up", reason="Opened the clinical-data email"),
        _job(2, "suggest_msl_referral"),
        _job(3, "send_email"),
        _job(4, "suggest_msl_referral", status=FollowUpStatus.SENT),
    ]
    assert journey_suggestions(jobs) == [
        (HcpId("H00002"), ActionType.MSL_REFERRAL, "journey-2"),
        (HcpId("H00001"), ActionType.REMOTE_MEETING, "Opened the clinical-data email"),
    ]
