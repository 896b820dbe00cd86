"""No reason is written from nothing: a rate with nothing to count ("0 of 0 remote meetings…") is left unsaid."""

from __future__ import annotations

import re

import numpy as np
import pytest

from repcompanion.domain import ActionType
from repcompanion.intel.nba.explain import NO_DATA, _reasons, describe

HCP = {
    "emails_opened_365": 0,
    "emails_sent_365": 0,
    "events_attended_730": 0,
    "event_invites_730": 0,
    "remote_successes": 0,
    "remote_tries": 0,
    "visit_successes": 0,
    "visit_tries": 0,
    "plan_done": 0,
    "plan_planned": 0,
    "quarter_elapsed": 0.4,
}


@pytest.mark.parametrize(
    ("feature", "action"),
    [
        ("channel_success_rate", ActionType.EMAIL),
        ("channel_tries", ActionType.EVENT_INVITE),
        ("channel_success_rate", ActionType.REMOTE_MEETING),
        ("channel_success_rate", ActionType.VISIT),
        ("weekday_posterior", ActionType.VISIT),
        ("plan_gap", ActionType.VISIT),
    ],
)
def test_a_rate_of_nothing_gives_no_sentence(feature: str, action: ActionType) -> None:
    row = {"action": action.value, "weekday_calls": 0, "weekday_productive": 0, "weekday_posterior": 0.2}
    text, _data = describe(feature, row, HCP, None, (), 1)
    assert text == NO_DATA


def test_with_something_to_count_the_sentence_says_it() -> None:
    hcp = HCP | {"remote_successes": 1, "remote_tries": 3}
    text, data = describe("channel_success_rate", {"action": "remote_meeting"}, hcp, None, (), 1)
    assert text == "1 of 3 remote meetings in 2 years led to a discussion" and data == {"successful": 1, "tries": 3}


def test_unsaid_factors_are_left_out_of_the_reasons_but_not_the_others() -> None:
    features = ["channel_success_rate", "open_follow_ups"]
    row = {"action": "remote_meeting", "open_follow_ups": 2}
    reasons = _reasons(features, [0, 1], np.array([0.4, 0.3]), row, HCP, None, (), 1)
    assert [r.feature for r in reasons] == ["open_follow_ups"]
    assert not any(re.search(r"\b0 of 0\b", r.text) for r in reasons)
