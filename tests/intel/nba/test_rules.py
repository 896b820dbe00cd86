"""Compliance rules: consent (most restrictive wins, expiry), caps, content, feedback, samples."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from repcompanion.domain import (
    ActionType,
    Address,
    Channel,
    Consent,
    ConsentId,
    ConsentState,
    Content,
    ContentId,
    DismissReason,
    FeedbackId,
    FeedbackKind,
    Hcp,
    HcpId,
    ProductId,
    Segment,
    SuggestionFeedback,
)
from repcompanion.intel.nba.rules import (
    ConsentBook,
    RuleConfig,
    consent_problem,
    content_problem,
    feedback_blocks,
    sample_problem,
)

DAY = date(2026, 11, 24)
H = HcpId("H1")


def _consent(state: ConsentState, at: datetime, expires: datetime | None = None) -> Consent:
    return Consent(ConsentId(f"c{at}{state}"), H, Channel.EMAIL, state, at, "form", expires)


def _hcp(**kw) -> Hcp:
    base = dict(
        id=H,
        npi="1234567893",
        first_name="A",
        last_name="B",
        credentials="MD",
        specialty_code="207RC0000X",
        specialty_label="Cardiology",
        segment=Segment.A,
        decile=9,
        address=Address("1", "Boston", "MA", "02110"),
    )
    return Hcp(**{**base, **kw})


def test_consent_most_restrictive_wins_and_expires():
    t = datetime(2026, 1, 5, 9)
    assert consent_problem([], Channel.EMAIL, DAY) == "No email consent on file"
    assert consent_problem([_consent(ConsentState.OPT_IN, t)], Channel.EMAIL, DAY) == ""
    tie = [_consent(ConsentState.OPT_IN, t), _consent(ConsentState.OPT_OUT, t)]
    assert consent_problem(tie, Channel.EMAIL, DAY).startswith("Opted out of email contact on 2026-01-05")
    expired = [_consent(ConsentState.OPT_IN, t, expires=datetime(2026, 6, 1))]
    assert consent_problem(expired, Channel.EMAIL, DAY) == "Email consent expired on 2026-06-01"
    today_out = [_consent(ConsentState.OPT_IN, t), _consent(ConsentState.OPT_OUT, datetime(2026, 11, 24, 15))]
    assert consent_problem(today_out, Channel.EMAIL, DAY).startswith("Opted out of email contact")
    book = ConsentBook([H], today_out)
    assert book.problems(DAY)[Channel.EMAIL][0] == consent_problem(today_out, Channel.EMAIL, DAY)
    assert book.problems(DAY - timedelta(days=1))[Channel.EMAIL][0] == ""


def test_content_must_be_approved_in_date_for_the_specialty_and_the_channel():
    item = Content(
        ContentId("C1"),
        "Efficacy",
        ProductId("P1"),
        ("efficacy",),
        Channel.EMAIL,
        "US-1 v1",
        date(2026, 1, 1),
        date(2026, 12, 31),
        audience_specialties=("207RC0000X",),
    )
    hcp = _hcp()
    assert content_problem(item, hcp, ActionType.EMAIL, DAY) == ""
    assert "expired on 2026-12-31" in content_problem(item, hcp, ActionType.EMAIL, date(2027, 1, 2))
    assert "no MLR approval" in content_problem(
        Content(**{**_fields(item), "mlr_code": ""}), hcp, ActionType.EMAIL, DAY
    )
    assert "not approved for Family" in content_problem(
        item, _hcp(specialty_code="207Q00000X", specialty_label="Family Medicine"), ActionType.EMAIL, DAY
    )
    assert "not made for" in content_problem(item, hcp, ActionType.VISIT, DAY)


def _fields(item: Content) -> dict:
    return {f: getattr(item, f) for f in item.__slots__}


def test_feedback_dismiss_blocks_the_action_and_snooze_the_hcp():
    config = RuleConfig()
    at = datetime(2026, 11, 20, 10)
    dismissed = SuggestionFeedback(
        FeedbackId("f1"), H, ActionType.EMAIL, FeedbackKind.DISMISSED, at, reason=DismissReason.NOT_RELEVANT
    )
    snoozed = SuggestionFeedback(
        FeedbackId("f2"), HcpId("H2"), ActionType.VISIT, FeedbackKind.SNOOZED, at, snooze_until=date(2026, 11, 30)
    )
    blocks, snoozes = feedback_blocks([dismissed, snoozed], DAY, config)
    assert blocks[("H1", ActionType.EMAIL)] == "Dismissed on 2026-11-20 (not relevant); hidden until 2026-12-04"
    assert snoozes["H2"] == "Snoozed until 2026-11-30"
    later, none = feedback_blocks([dismissed, snoozed], date(2026, 12, 5), config)
    assert later == {} and none == {}


def test_sample_eligibility_needs_a_prescriber_with_an_npi():
    assert sample_problem(_hcp()) == ""
    assert sample_problem(_hcp(npi=None)) == "No samples: no NPI on file"
    assert "not a prescriber" in sample_problem(_hcp(credentials="RN"))
