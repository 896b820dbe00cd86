"""The event index: the same integer arrays whether events come as records, one frame or pages of a cursor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from repcompanion.domain import EngagementEvent, EventId, EventType, HcpId
from repcompanion.intel.territory import EventChunks, EventIndex, day_number, events_frame

HCPS = [f"H{i}" for i in range(6)]
TOPICS = ("efficacy", "safety", "dosing", "access")
START = datetime(2024, 1, 1, 7, 30)

event_strategy = st.builds(
    lambda k, h, t, minutes, topics: EngagementEvent(
        EventId(f"E{k}"), HcpId(h), t, START + timedelta(minutes=minutes), topics=tuple(topics)
    ),
    st.integers(0, 10**6),
    st.sampled_from([*HCPS, "ELSEWHERE"]),  # an event of an HCP outside the territory is ignored
    st.sampled_from(list(EventType)),
    st.integers(0, 2 * 365 * 24 * 60),
    st.lists(st.sampled_from(TOPICS), max_size=3, unique=True),
)


def _pages(frame: pd.DataFrame, size: int, *, as_day_numbers: bool) -> EventChunks:
    if as_day_numbers:  # what the workspace reads: SQLite computes the UTC day number
        frame = frame.assign(day=[day_number(t.date()) for t in frame["occurred_at"]]).drop(columns="occurred_at")
    return EventChunks(lambda: (frame.iloc[i : i + size] for i in range(0, len(frame), size)))


@settings(max_examples=40, deadline=None)
@given(st.lists(event_strategy, max_size=60), st.integers(1, 7), st.booleans())
def test_paged_events_build_the_same_index_as_one_frame(events, page, as_day_numbers):
    whole = EventIndex(HCPS, events)
    paged = EventIndex(HCPS, _pages(events_frame(events), page, as_day_numbers=as_day_numbers))
    assert paged.topics == whole.topics
    a, b = whole.rows_for(None), paged.rows_for(None)
    for name in ("hcp", "type", "day", "topics"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    rows_a, topics_a = a.topic_pairs(len(whole.topics))
    rows_b, topics_b = b.topic_pairs(len(paged.topics))
    assert sorted(zip(rows_a.tolist(), topics_a.tolist(), strict=True)) == sorted(
        zip(rows_b.tolist(), topics_b.tolist(), strict=True)
    )


def test_no_pages_is_an_empty_territory():
    index = EventIndex(HCPS, EventChunks(lambda: iter(())))
    assert len(index) == 0 and len(index.rows_for(np.array([0, 3])).hcp) == 0


def test_topic_pairs_list_every_topic_of_tagged_events_once():
    day = datetime(2026, 11, 24, 9, tzinfo=UTC).replace(tzinfo=None)
    events = [
        EngagementEvent(EventId("a"), HcpId("H0"), EventType.EMAIL_OPENED, day, topics=("efficacy", "dosing")),
        EngagementEvent(EventId("b"), HcpId("H1"), EventType.VISIT, day, topics=("safety",)),  # not topic-tagged
        EngagementEvent(EventId("c"), HcpId("H1"), EventType.WEB_VISIT, day, topics=("safety",)),
    ]
    index = EventIndex(HCPS, events)
    arrays = index.rows_for(None)
    rows, cols = arrays.topic_pairs(len(index.topics))
    got = sorted((HCPS[arrays.hcp[r]], index.topics[c]) for r, c in zip(rows, cols, strict=True))
    assert got == [("H0", "dosing"), ("H0", "efficacy"), ("H1", "safety")]
    assert arrays.day[0] == day_number(date(2026, 11, 24))
