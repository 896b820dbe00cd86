"""My numbers: call-plan attainment, reach and frequency against targets, suggestion acceptance, engagement."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repcompanion.workspace.core import Workspace


@dataclass(frozen=True)
class CallPlanNumbers:
    planned: int  # visits planned in the current call-plan periods
    done: int  # visits held against them (at most the planned number per HCP)
    attainment: float


@dataclass(frozen=True)
class ReachNumbers:
    targets: int
    reached: int  # targets visited in their current period
    rate: float


@dataclass(frozen=True)
class FrequencyNumbers:
    visits: int
    per_reached_target: float
    target_per_hcp: float


@dataclass(frozen=True)
class SuggestionNumbers:
    accepted: int
    completed: int
    dismissed: int
    snoozed: int
    acceptance: float  # (accepted + completed) / (accepted + completed + dismissed)


@dataclass(frozen=True)
class Numbers:
    """The rep's numbers as of a day; ``engagement_trend``: week (``YYYY-WW``) → event type → count."""

    as_of: date
    call_plan: CallPlanNumbers
    reach: ReachNumbers
    frequency: FrequencyNumbers
    suggestions: SuggestionNumbers
    engagement_trend: dict[str, dict[str, int]]


class NumbersManager:
    """``ws.numbers``: the rep's own numbers for the current call-plan period."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws

    def report(self, weeks: int = 12) -> Numbers:
        """Call-plan attainment, reach and frequency against targets, suggestion acceptance, and the
        engagement trend of the last ``weeks`` weeks."""
        store = self._ws.store
        day = self._ws.today()
        start = day - timedelta(weeks=weeks)
        targets = {h.id for h in store.hcps.all() if h.target}
        plans = {str(p.hcp_id): p for p in store.call_plans.all() if p.period_start <= day <= p.period_end}
        since = min([p.period_start for p in plans.values()], default=start)
        done: Counter[str] = Counter()
        for hcp_id, occurred_at in store.activity.visits_since(since):
            plan = plans.get(hcp_id)
            if plan and plan.period_start.isoformat() <= occurred_at[:10] <= plan.period_end.isoformat():
                done[hcp_id] += 1
        planned_total = sum(p.planned_visits for p in plans.values())
        done_total = sum(min(done[h], p.planned_visits) for h, p in plans.items())
        reached = {h for h in done if h in targets}
        kinds = Counter(f.kind.value for f in store.feedback())
        decided = kinds["accepted"] + kinds["completed"] + kinds["dismissed"]
        trend: dict[str, dict[str, int]] = {}
        for week, kind, n in store.activity.weekly_counts(start):
            trend.setdefault(week, {})[kind] = n
        return Numbers(
            as_of=day,
            call_plan=CallPlanNumbers(planned_total, done_total, done_total / planned_total if planned_total else 0.0),
            reach=ReachNumbers(len(targets), len(reached), len(reached) / len(targets) if targets else 0.0),
            frequency=FrequencyNumbers(
                visits=sum(done.values()),
                per_reached_target=sum(done[h] for h in reached) / len(reached) if reached else 0.0,
                target_per_hcp=planned_total / len(plans) if plans else 0.0,
            ),
            suggestions=SuggestionNumbers(
                accepted=kinds["accepted"],
                completed=kinds["completed"],
                dismissed=kinds["dismissed"],
                snoozed=kinds["snoozed"],
                acceptance=(kinds["accepted"] + kinds["completed"]) / decided if decided else 0.0,
            ),
            engagement_trend=trend,
        )
