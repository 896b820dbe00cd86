"""Today's priorities: the intelligence engine fed from the store and kept current as the rep works."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from repcompanion.domain import (
    ActionType,
    Consent,
    DismissReason,
    EngagementEvent,
    FeedbackId,
    FeedbackKind,
    HcpId,
    ReportStatus,
    Suggestion,
    SuggestionFeedback,
    ValidationError,
    uuid7,
)
from repcompanion.domain.rows import joined_text
from repcompanion.store import Store

if TYPE_CHECKING:  # the engine pulls in pandas: loaded only when a ranking is computed
    import numpy as np
    import pandas as pd

    from repcompanion.intel.nba import Engine
    from repcompanion.intel.territory import EventChunks
    from repcompanion.workspace.ranking_cache import RankedLine


def engine_topics(stored: pd.Series) -> np.ndarray:
    """Stored topics (JSON arrays) as the engine's events frame has them (';'-joined), decoded once per value."""
    import numpy as np
    import pandas as pd

    codes, values = pd.factorize(stored.fillna(""))
    joined = np.array([joined_text(v) for v in values] or [""], dtype=object)
    return joined[np.maximum(codes, 0)]


#: Rows per page when the events are read for the engine: bounds memory and how long one call holds the GIL.
EVENT_PAGE_ROWS = 20_000


def event_chunks(store: Store, zone: tzinfo = UTC) -> EventChunks:
    """All engagement events, read a page at a time, with the day number on the rep's clock computed by SQLite
    (at the zone's offset from UTC now: an event within an hour of midnight on a DST change may count a day off)."""
    import pandas as pd

    from repcompanion.intel.territory import EventChunks

    def read() -> Iterator[pd.DataFrame]:
        offset = datetime.now(zone).utcoffset() or timedelta(0)
        columns, pages = store.activity.event_days(EVENT_PAGE_ROWS, int(offset.total_seconds() // 60))
        for rows in pages:
            frame = pd.DataFrame.from_records(rows, columns=columns)
            frame["topics"] = engine_topics(frame["topics"])
            yield frame

    return EventChunks(read)


_frozen_after_import = False


def freeze_loaded_libraries() -> None:
    """Move everything alive now (above all the engine's libraries) out of the garbage collector's scans, once.

    pandas, scikit-learn and SciPy add about a million long-lived objects; every full collection walked them
    all and held the GIL for 0.1-0.2 s, which froze the window while the engine worked on another thread.
    """
    global _frozen_after_import
    if not _frozen_after_import:
        gc.freeze()
        _frozen_after_import = True


class Priorities:
    """Owns the engine for one workspace; rebuilt after a sync, updated in place after the rep's actions."""

    def __init__(self, store: Store, folder: Path | None = None, zone: Callable[[], tzinfo] = lambda: UTC) -> None:
        self.store = store
        self.folder = folder
        self._zone = zone  # the rep's time zone, asked afresh for each engine (Settings can change it)
        self._engine: Engine | None = None
        self._day: date | None = None
        self._saved_key: str | None = None  # the fingerprint of the ranking last written to the cache

    def engine(self, day: date) -> Engine:
        if self._engine is None or self._day != day:
            from repcompanion.intel.nba import (
                SUGGESTION_ACTIONS,
                Engine,
                journey_suggestions,
                naive_consents,
                naive_feedback,
                promised_follow_ups,
            )
            from repcompanion.intel.territory import IntelInputs
            from repcompanion.workspace.ranking_model import ranking_model

            store, zone = self.store, self._zone()
            # A hub-published model installed in the workspace, verified again, else the shipped default.
            bundle = ranking_model(store, self.folder)
            freeze_loaded_libraries()
            self._engine = Engine(
                IntelInputs(
                    hcps=store.hcps.all(),
                    consents=naive_consents(store.consents.all(), zone),
                    events=event_chunks(store, zone),
                    content=store.content.all(),
                    products=store.products.all(),
                    call_plans=store.call_plans.all(),
                    feedback=naive_feedback(store.feedback(), zone),
                    follow_ups=promised_follow_ups(store.call_reports(ReportStatus.SUBMITTED), day, zone),
                    day=day,
                    suggested_actions=journey_suggestions(
                        f for action in SUGGESTION_ACTIONS for f in store.scheduled_follow_ups(action)
                    ),
                ),
                bundle,
            )
            self._day = day
        return self._engine

    def invalidate(self) -> None:
        self._engine = None

    def _model_file(self) -> Path | None:
        return self.folder / "models" / "propensity.skops" if self.folder is not None else None

    def ranked(self, day: date, top: int | None = None) -> list[Suggestion]:
        """The day's ranking; from the workspace's cache when nothing it depends on has changed."""
        from repcompanion.workspace import ranking_cache

        key = ranking_cache.fingerprint(self.store, day, self._model_file())
        if self._engine is None or self._day != day:
            cached = ranking_cache.load(self.store, key)
            if cached is not None:
                return cached[:top] if top else cached
        ranking = self.engine(day).rank(day)
        if key != self._saved_key:
            ranking_cache.save(self.store, key, day, ranking)
            self._saved_key = key
        return ranking[:top] if top else ranking

    def ranked_lines(self, day: date) -> list[RankedLine]:
        """The day's ranking as list lines: read from the cache without building the full suggestions when it
        is current, else from :meth:`ranked`."""
        from repcompanion.workspace import ranking_cache

        if self._engine is None or self._day != day:
            key = ranking_cache.fingerprint(self.store, day, self._model_file())
            cached = ranking_cache.load_lines(self.store, key)
            if cached is not None:
                return cached
        return [ranking_cache.RankedLine.of(s) for s in self.ranked(day)]

    def previous_lines(self, day: date) -> tuple[date, list[RankedLine]] | None:
        """The last ranking kept when it is out of date for ``day`` (e.g. yesterday's, on a new morning),
        to show while today's is computed; None when the cache is current or there is none."""
        from repcompanion.workspace import ranking_cache

        if self._engine is not None and self._day == day:
            return None
        key = ranking_cache.fingerprint(self.store, day, self._model_file())
        if self.store.ranking_cache.has(key):
            return None
        return ranking_cache.load_latest_lines(self.store)

    def for_hcp(self, hcp_id: str, day: date) -> Suggestion | None:
        return self.engine(day).suggestion_for(hcp_id, day)

    def blocked(self, hcp_id: str, day: date) -> dict[str, str]:
        return self.engine(day).blocked_for(hcp_id, day)

    def feedback(
        self,
        hcp_id: str,
        action: ActionType,
        kind: FeedbackKind,
        day: date,
        *,
        reason: DismissReason | None = None,
        snooze_until: date | None = None,
        note: str = "",
        suggestion_id: str | None = None,
    ) -> SuggestionFeedback:
        """Record feedback (queued for the hub) and re-rank at once."""
        if kind is FeedbackKind.SNOOZED and snooze_until is not None and snooze_until <= day:
            raise ValidationError("Snooze until a day after today.")
        fb = SuggestionFeedback(
            id=FeedbackId(uuid7()),
            hcp_id=HcpId(hcp_id),
            action=ActionType(action),
            kind=FeedbackKind(kind),
            at=datetime.now(UTC),
            suggestion_id=suggestion_id,  # type: ignore[arg-type]
            reason=reason,
            note=note,
            snooze_until=snooze_until,
        )
        self.store.add_feedback(fb)
        if self._engine is not None:
            from repcompanion.intel.nba import naive_feedback

            self._engine.rerank(feedback=naive_feedback([fb], self._zone()), day=day)
        return fb

    def consents_added(self, consents: list[Consent], day: date) -> None:
        if self._engine is not None:
            from repcompanion.intel.nba import naive_consents

            self._engine.rerank(consents=naive_consents(consents, self._zone()), day=day)

    def events_added(self, events: list[EngagementEvent], day: date, feedback: list[SuggestionFeedback]) -> None:
        if self._engine is not None:
            from repcompanion.intel.nba import naive_events, naive_feedback

            zone = self._zone()
            self._engine.rerank(events=naive_events(events, zone), feedback=naive_feedback(feedback, zone), day=day)
