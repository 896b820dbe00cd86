"""The plain data the intelligence layer works on, handed over by the Workspace (never a DB handle)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from repcompanion.domain import (
    ActionType,
    CallPlan,
    Consent,
    Content,
    EngagementEvent,
    Hcp,
    HcpId,
    Product,
    SuggestionFeedback,
)

#: Columns of the fast events DataFrame: ``occurred_at`` is datetime64, ``topics`` is ';'-joined.
EVENT_COLUMNS: tuple[str, ...] = (
    "hcp_id",
    "type",
    "occurred_at",
    "channel",
    "product_id",
    "content_id",
    "topics",
)


class EventChunks:
    """Events handed over as a re-readable stream of DataFrames, so a million rows never sit in memory at once.

    ``read`` returns a fresh iterator of frames on every call (e.g. pages of a database cursor). Each frame
    has ``hcp_id``, ``type``, ``topics`` and either ``occurred_at`` or ``day`` (days since 1970-01-01 on the
    clock the engine ranks by: the rep's).
    """

    def __init__(self, read: Callable[[], Iterator[pd.DataFrame]]) -> None:
        self._read = read

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self._read()


@dataclass(frozen=True)
class FollowUp:
    """An open follow-up the rep promised an HCP."""

    hcp_id: HcpId
    description: str
    due: date


@dataclass
class IntelInputs:
    """Everything the engine needs about one territory.

    ``events`` is a list of EngagementEvent, a DataFrame with :data:`EVENT_COLUMNS` (fast path), or
    :class:`EventChunks` (a million rows read a page at a time). ``follow_ups`` holds FollowUp records or
    (hcp_id, description, due) tuples. ``day`` is the default day to rank for. ``suggested_actions`` holds
    (hcp_id, action, reason) that a hub journey asked for (e.g. an MSL referral after a clinical email was
    opened): arbitration boosts that action's context and its reason comes first.
    """

    hcps: Sequence[Hcp]
    consents: Sequence[Consent] = ()
    events: Sequence[EngagementEvent] | pd.DataFrame | EventChunks = ()
    content: Sequence[Content] = ()
    products: Sequence[Product] = ()
    call_plans: Sequence[CallPlan] = ()
    feedback: Sequence[SuggestionFeedback] = ()
    follow_ups: Sequence[FollowUp | tuple[HcpId, str, date]] = field(default_factory=tuple)
    day: date | None = None
    suggested_actions: Sequence[tuple[HcpId, ActionType, str]] = field(default_factory=tuple)

    def follow_up_records(self) -> list[FollowUp]:
        return [f if isinstance(f, FollowUp) else FollowUp(HcpId(f[0]), str(f[1]), f[2]) for f in self.follow_ups]


def events_frame(events: Sequence[EngagementEvent] | pd.DataFrame | EventChunks) -> pd.DataFrame:
    """The events as a DataFrame with :data:`EVENT_COLUMNS` (a DataFrame is passed through, chunks joined)."""
    if isinstance(events, EventChunks):
        frames = list(events)
        return pd.concat(frames, ignore_index=True) if frames else events_frame([])
    if isinstance(events, pd.DataFrame):
        missing = [c for c in ("hcp_id", "type", "occurred_at") if c not in events.columns]
        if missing:
            raise ValueError(f"the events DataFrame lacks the columns {missing}")
        return events
    return pd.DataFrame(
        {
            "hcp_id": [e.hcp_id for e in events],
            "type": [str(e.type) for e in events],
            "occurred_at": pd.to_datetime([e.occurred_at for e in events]),
            "channel": [str(e.channel) if e.channel is not None else "" for e in events],
            "product_id": [e.product_id or "" for e in events],
            "content_id": [e.content_id or "" for e in events],
            "topics": [";".join(e.topics) for e in events],
        },
        columns=list(EVENT_COLUMNS),
    )
