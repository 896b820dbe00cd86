"""The territory's events as integer arrays indexed by HCP and day (the input of every feature and cap count).

The :class:`EventIndex` turns the events once into integer arrays sorted by HCP and day (with a
bit mask of topics per event), so the features of every HCP on any day are a handful of
``bincount`` calls, and the features of a few HCPs (after a visit is logged) read only their rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from repcompanion.domain import EngagementEvent, EventType
from repcompanion.intel.territory.inputs import EventChunks, events_frame

EVENT_TYPES: tuple[EventType, ...] = tuple(EventType)
_T = {t: i for i, t in enumerate(EVENT_TYPES)}
VISIT, REMOTE, SENT, OPENED, CLICKED = (
    _T[EventType.VISIT],
    _T[EventType.REMOTE_CALL],
    _T[EventType.EMAIL_SENT],
    _T[EventType.EMAIL_OPENED],
    _T[EventType.EMAIL_CLICKED],
)
WEB, INVITED, ATTENDED, SAMPLE, MSL = (
    _T[EventType.WEB_VISIT],
    _T[EventType.EVENT_INVITED],
    _T[EventType.EVENT_ATTENDED],
    _T[EventType.SAMPLE_DROP],
    _T[EventType.MSL_VISIT],
)
CONTACT_CODES = np.array([VISIT, REMOTE, SENT, INVITED, MSL])
SIGNAL_CODES = np.array([OPENED, CLICKED, WEB])
F2F_CODES = np.array([VISIT, REMOTE, MSL])


def _lookup(codes: np.ndarray) -> np.ndarray:
    """A boolean table over event type codes (indexing it is much faster than ``np.isin``)."""
    table = np.zeros(len(EVENT_TYPES), dtype=bool)
    table[codes] = True
    return table


IS_SIGNAL, IS_F2F = _lookup(SIGNAL_CODES), _lookup(F2F_CODES)
IS_TOPIC_TAGGED = _lookup(np.array([OPENED, CLICKED, WEB, SENT]))
NEVER = np.nan
MAX_TOPICS = 63
EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    return (day - EPOCH).days


@dataclass
class EventArrays:
    """Events as parallel arrays: HCP position, type code, day number, topic bit mask."""

    hcp: np.ndarray
    type: np.ndarray
    day: np.ndarray
    topics: np.ndarray
    _pairs: tuple[int, np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def topic_pairs(self, n_topics: int) -> tuple[np.ndarray, np.ndarray]:
        """(event row, topic) for every topic of every email sent/opened/clicked and web visit
        (day-independent, so computed once per array set)."""
        if self._pairs is None or self._pairs[0] != n_topics:
            tagged = np.flatnonzero((self.topics != 0) & IS_TOPIC_TAGGED[self.type])
            masks = self.topics[tagged]
            # One topic at a time: an (events × topics) bit matrix would cost ~100 MB at a million events.
            # int32 rows and int8 topics: the pairs live as long as the index (~1M of them at 5,000 HCPs).
            rows = [tagged[(masks & np.uint64(1 << bit)) != 0].astype(np.int32) for bit in range(n_topics)]
            cols = [np.full(len(r), bit, dtype=np.int8) for bit, r in enumerate(rows)]
            self._pairs = (
                n_topics,
                np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32),
                np.concatenate(cols) if cols else np.zeros(0, dtype=np.int8),
            )
        return self._pairs[1], self._pairs[2]

    def take(self, rows: np.ndarray) -> EventArrays:
        return EventArrays(self.hcp[rows], self.type[rows], self.day[rows], self.topics[rows])

    @staticmethod
    def concat(parts: Sequence[EventArrays]) -> EventArrays:
        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])

        return EventArrays(joined("hcp"), joined("type"), joined("day"), joined("topics"))


class EventIndex:
    """The territory's events, sorted by HCP then day, plus events appended since (e.g. a logged visit)."""

    def __init__(
        self,
        hcp_ids: Sequence[str],
        events: Sequence[EngagementEvent] | pd.DataFrame | EventChunks,
        topics: Sequence[str] = (),
    ) -> None:
        self.hcp_ids = pd.Index([str(h) for h in hcp_ids])
        self.topics: list[str] = list(dict.fromkeys(topics))
        if isinstance(events, EventChunks):  # encoded a page at a time: only the integer arrays are kept
            parts = [self._encode(chunk, grow_topics=True) for chunk in events]
            arrays = EventArrays.concat(parts) if parts else self._encode(events_frame([]), grow_topics=True)
        else:
            arrays = self._encode(events_frame(events), grow_topics=True)
        order = np.lexsort((arrays.day, arrays.hcp))
        self._base = arrays.take(order)
        self._base.topic_pairs(len(self.topics))  # day-independent: computed once, here
        self._offsets = np.searchsorted(self._base.hcp, np.arange(len(self.hcp_ids) + 1))
        self._extra: list[EventArrays] = []
        self._all: EventArrays | None = None  # base and extra events together, built when first needed

    def _encode(self, frame: pd.DataFrame, *, grow_topics: bool) -> EventArrays:
        hcp = self.hcp_ids.get_indexer(frame["hcp_id"].astype(str))
        types = pd.Index([str(t) for t in EVENT_TYPES]).get_indexer(frame["type"].astype(str))
        keep = (hcp >= 0) & (types >= 0)
        if "day" in frame.columns:
            stamps = frame["day"].to_numpy(dtype=np.int64)
        else:
            stamps = pd.to_datetime(frame["occurred_at"]).to_numpy().astype("datetime64[D]").astype(np.int64)
        if "topics" in frame.columns:
            labels, uniques = pd.factorize(frame["topics"].fillna("").astype(str))
        else:
            labels, uniques = np.zeros(len(frame), dtype=np.int64), pd.Index([""])
        masks = np.array([self._mask(u, grow=grow_topics) for u in uniques] or [0], dtype=np.uint64)
        topic_mask = masks[np.maximum(labels, 0)] if len(frame) else np.zeros(0, dtype=np.uint64)
        return EventArrays(
            hcp[keep].astype(np.int32), types[keep].astype(np.int8), stamps[keep].astype(np.int32), topic_mask[keep]
        )

    def _mask(self, joined: str, *, grow: bool) -> int:
        mask = 0
        for topic in filter(None, (t.strip() for t in joined.split(";"))):
            if topic not in self.topics and grow and len(self.topics) < MAX_TOPICS:
                self.topics.append(topic)
            if topic in self.topics:
                mask |= 1 << self.topics.index(topic)
        return mask

    def add(self, events: Sequence[EngagementEvent] | pd.DataFrame) -> np.ndarray:
        """Append new events; return the positions of the HCPs they concern."""
        arrays = self._encode(events_frame(events), grow_topics=False)
        if len(arrays.hcp):
            self._extra.append(arrays)
            self._all = None
        return np.unique(arrays.hcp)

    def rows_for(self, positions: np.ndarray | None) -> EventArrays:
        """The events of the HCPs at ``positions`` (all HCPs when None)."""
        if positions is None:
            if self._all is None:
                self._all = EventArrays.concat([self._base, *self._extra]) if self._extra else self._base
            return self._all
        else:
            positions = np.asarray(positions, dtype=np.int64)
            starts, stops = self._offsets[positions], self._offsets[positions + 1]
            lengths = stops - starts
            rows = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            base = self._base.take(rows.astype(np.int64))
            wanted = np.zeros(len(self.hcp_ids), dtype=bool)
            wanted[positions] = True
            extra = [e.take(np.flatnonzero(wanted[e.hcp])) for e in self._extra]
        return EventArrays.concat([base, *extra]) if extra else base

    def __len__(self) -> int:
        return len(self._base.hcp) + sum(len(e.hcp) for e in self._extra)
