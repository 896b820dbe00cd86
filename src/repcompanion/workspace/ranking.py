"""The day's priorities: ranked suggestions with their exact reasons, blocked actions, and the rep's feedback."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from repcompanion.domain import (
    ActionType,
    Consent,
    DismissReason,
    EngagementEvent,
    FeedbackKind,
    HcpId,
    Suggestion,
    SuggestionFeedback,
)
from repcompanion.workspace.changes import Changes, Outcome
from repcompanion.workspace.priorities import Priorities

if TYPE_CHECKING:
    from repcompanion.intel.nba import Engine
    from repcompanion.workspace.core import Workspace
    from repcompanion.workspace.ranking_cache import RankedLine

log = logging.getLogger(__name__)
Line = TypeVar("Line", "Suggestion", "RankedLine")


def _without(ranked: list[Line], seen: Collection[str]) -> list[Line]:
    """``ranked`` without the HCPs in ``seen``, the rest ranked again from 1."""
    if not seen:
        return ranked
    kept = [r for r in ranked if r.hcp_id not in seen]
    return [r if r.rank == i else replace(r, rank=i) for i, r in enumerate(kept, start=1)]


class RankingManager:
    """``ws.ranking``: today's next-best actions, one per HCP, kept current as the rep works."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._priorities: Priorities | None = None

    @property
    def _current(self) -> Priorities:
        if self._priorities is None:
            self._priorities = Priorities(self._ws.store, self._ws.folder, self._ws.day.zone)
        return self._priorities

    @property
    def has_engine(self) -> bool:
        """A ranking engine is built in memory (else the next list comes from the kept ranking, or is built)."""
        return self._priorities is not None and self._priorities._engine is not None

    def engine(self, day: date | None = None) -> Engine:
        """The engine ranking ``day`` (default today; built on first use). It scores other days too: the planner
        takes a coming day's candidates from today's engine rather than building another."""
        return self._current.engine(day or self._ws.today())

    def priorities(self, day: date | None = None, *, top: int | None = None) -> list[Suggestion]:
        """The day's ranked next-best actions, one per HCP, each with its exact explanation; HCPs already seen
        that day are left out (and the others ranked 1, 2, … without them)."""
        day = day or self._ws.today()
        ranked = _without(self._current.ranked(day), self._ws.day.seen(day))
        return ranked[:top] if top else ranked

    def lines(self, day: date | None = None) -> list[RankedLine]:
        """The day's ranking as light list lines, best first (no full explanations), without the HCPs seen."""
        day = day or self._ws.today()
        return _without(self._current.ranked_lines(day), self._ws.day.seen(day))

    def previous_lines(self, day: date | None = None) -> tuple[date, list[RankedLine]] | None:
        """The last ranking kept, with the day it was made for, when it is out of date (None when current)."""
        day = day or self._ws.today()
        previous = self._current.previous_lines(day)
        return (previous[0], _without(previous[1], self._ws.day.seen(day))) if previous else None

    def suggestions(self, hcp_id: str, day: date | None = None) -> list[Suggestion]:
        """The HCP's current suggestion (empty when every action is blocked; see ``blocked``)."""
        s = self._current.for_hcp(hcp_id, day or self._ws.today())
        return [s] if s is not None else []

    def blocked(self, hcp_id: str, day: date | None = None) -> dict[str, str]:
        """Every action (or action:content) the rules block for this HCP, with the rule's reason."""
        return self._current.blocked(hcp_id, day or self._ws.today())

    def feedback(
        self,
        hcp_id: str,
        action: ActionType,
        kind: FeedbackKind,
        *,
        reason: DismissReason | None = None,
        snooze_until: date | None = None,
        note: str = "",
    ) -> Outcome[SuggestionFeedback]:
        """Accept, dismiss (with a reason), snooze (until a date) or complete: the ranking changes at once."""
        fb = self._current.feedback(
            hcp_id, action, kind, self._ws.today(), reason=reason, snooze_until=snooze_until, note=note
        )
        return Outcome(fb, Changes.of([fb.hcp_id], ranking=True, numbers=True, uploads=True))

    def warm(self) -> None:
        """Rank today now (on the caller's worker thread) so the app's next list appears at once.

        A ranking that fails here must not fail the sync or the import that called it; it is logged and the
        app ranks again (and reports the error) when the list is shown.
        """
        try:
            self.priorities()
        except Exception:
            log.exception("ranking after a data change failed; it will run again on demand")

    def events_added(self, events: list[EngagementEvent], feedback: list[SuggestionFeedback] | None = None) -> None:
        """The rep's own events (a visit) and the feedback they made (a suggestion done): update the ranking in
        memory, only for their HCPs."""
        if self._priorities is not None:
            self._priorities.events_added(events, self._ws.today(), feedback or [])

    def accepted(self, hcp_ids: Collection[str] | None = None) -> dict[HcpId, frozenset[ActionType]]:
        """The suggestions the rep accepted and has not done, dismissed or snoozed since (per HCP)."""
        state: dict[tuple[HcpId, ActionType], FeedbackKind] = {}
        for fb in self._ws.store.feedback():
            if hcp_ids is None or fb.hcp_id in hcp_ids:
                state[(fb.hcp_id, fb.action)] = fb.kind
        out: dict[HcpId, set[ActionType]] = {}
        for (hcp_id, action), kind in state.items():
            if kind is FeedbackKind.ACCEPTED:
                out.setdefault(hcp_id, set()).add(action)
        return {h: frozenset(a) for h, a in out.items()}

    def current_action(self, hcp_id: str, day: date | None = None) -> ActionType | None:
        """The HCP's suggested action today (from the engine when it is built, else from the kept ranking)."""
        day = day or self._ws.today()
        if self.has_engine:
            found = self.suggestions(hcp_id, day)
            return found[0].action if found else None
        return next((line.action for line in self._current.ranked_lines(day) if line.hcp_id == hcp_id), None)

    def consents_added(self, consents: list[Consent]) -> None:
        """Consents the rep captured: re-rank their HCPs at once (an opt-out blocks that channel's actions)."""
        if self._priorities is not None:
            self._priorities.consents_added(consents, self._ws.today())

    def invalidate(self) -> None:
        """The territory or the model changed underneath (a sync): rebuild the ranking on next use."""
        if self._priorities is not None:
            self._priorities.invalidate()
