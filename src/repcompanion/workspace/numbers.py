"""My numbers: call-plan attainment, reach and frequency against targets, suggestion acceptance, engagement."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any


def numbers(ws: Any, weeks: int = 12) -> dict[str, Any]:
    """Call-plan attainment, reach and frequency against targets, suggestion acceptance, engagement trend."""
    day = ws.today()
    start = day - timedelta(weeks=weeks)
    hcps = ws.store.hcps.all()
    targets = {h.id for h in hcps if h.target}
    plans = {p.hcp_id: p for p in ws.store.call_plans.all() if p.period_start <= day <= p.period_end}
    visits = ws.store.query(
        "SELECT hcp_id, occurred_at FROM events WHERE type = 'visit' AND occurred_at >= ?",
        (min([p.period_start for p in plans.values()], default=start).isoformat(),),
    )
    done: Counter[str] = Counter()
    for v in visits:
        plan = plans.get(v["hcp_id"])
        if plan and plan.period_start.isoformat() <= v["occurred_at"][:10] <= plan.period_end.isoformat():
            done[v["hcp_id"]] += 1
    planned_total = sum(p.planned_visits for p in plans.values())
    done_total = sum(min(done[h], p.planned_visits) for h, p in plans.items())
    reached = {h for h in done if h in targets}
    feedback = ws.store.feedback()
    kinds = Counter(f.kind.value for f in feedback)
    decided = kinds["accepted"] + kinds["completed"] + kinds["dismissed"]
    trend_rows = ws.store.query(
        "SELECT strftime('%Y-%W', occurred_at) AS week, type, count(*) AS n FROM events "
        "WHERE occurred_at >= ? GROUP BY week, type ORDER BY week",
        (start.isoformat(),),
    )
    trend: dict[str, dict[str, int]] = {}
    for r in trend_rows:
        trend.setdefault(r["week"], {})[r["type"]] = r["n"]
    return {
        "as_of": day.isoformat(),
        "call_plan": {
            "planned": planned_total,
            "done": done_total,
            "attainment": done_total / planned_total if planned_total else 0.0,
        },
        "reach": {
            "targets": len(targets),
            "reached": len(reached),
            "rate": len(reached) / len(targets) if targets else 0.0,
        },
        "frequency": {
            "visits": sum(done.values()),
            "per_reached_target": sum(done[h] for h in reached) / len(reached) if reached else 0.0,
            "target_per_hcp": planned_total / len(plans) if plans else 0.0,
        },
        "suggestions": {
            **{k: kinds[k] for k in ("accepted", "completed", "dismissed", "snoozed")},
            "acceptance": (kinds["accepted"] + kinds["completed"]) / decided if decided else 0.0,
        },
        "engagement_trend": trend,
    }
