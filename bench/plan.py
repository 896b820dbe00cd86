"""Day-planner benchmark: 20 seeded demo days of 300 Massachusetts candidates; prints one JSON object.

Run: ``python -m bench.plan [--days 20] [--best-days 5] [--best-seconds 30]``. Each day spreads 300
candidates over real ZIP centroids of Massachusetts (``zipcodes``), with heavy-tailed (Pareto)
priorities, mixed visit types, office-hour windows, preferred times and, on every fourth day, a booked
visit. ``prize_vs_best`` compares the 1-second plan with a 30-second run of the same search portfolio
over all 300 candidates (no shortlist), started from the greedy route, on the first ``best_days`` days
(mean; ``_min`` the worst day); ``prize_vs_best_known`` divides by the better of the two instead.
``prize_vs_greedy`` compares the plan with the nearest-highest-priority baseline on every day.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time as _time
from datetime import date, time, timedelta

import zipcodes

from repcompanion.intel.plan import Candidate, LockedVisit, PlanSettings, greedy_plan, haversine_km, plan_day
from repcompanion.intel.plan.greedy import greedy_order
from repcompanion.intel.plan.problem import build_problem
from repcompanion.intel.plan.schedule import check_bookings, earliest, schedule
from repcompanion.intel.plan.solver import PORTFOLIO, solve_order

STATE = "MA"
HOME_WITHIN_KM = 60.0
"""The rep lives inside the territory: home is a ZIP centroid this close to the candidates' centre."""
CANDIDATES = 300
VISIT_MINUTES = {"in_person": 25, "group": 45, "msl": 35}
WINDOWS = [
    ((), 0.5),
    (((time(9), time(12)), (time(13, 30), time(17))), 0.25),
    (((time(13), time(17, 30)),), 0.15),
    (((time(8, 30), time(12)),), 0.10),
]


def demo_day(seed: int, zips: list[tuple[float, float]]):
    rng = random.Random(seed)
    places = rng.sample(zips, CANDIDATES)
    cands = []
    for i, (lat, lon) in enumerate(places):
        windows = rng.choices([w for w, _ in WINDOWS], weights=[p for _, p in WINDOWS])[0]
        preferred = None
        if rng.random() < 0.2:
            h = rng.choice([9, 10, 11, 14, 15])
            preferred = (time(h), time(h + 1, 30))
        cands.append(
            Candidate(
                hcp_id=f"d{seed}-h{i}",
                name=f"HCP {i}",
                latitude=lat + rng.uniform(-0.005, 0.005),
                longitude=lon + rng.uniform(-0.007, 0.007),
                priority=round(min(rng.paretovariate(2.0), 20.0), 4),
                visit_type=rng.choices(["in_person", "group", "msl"], weights=[0.75, 0.15, 0.10])[0],
                windows=windows,
                preferred=preferred,
            )
        )
    lat0 = sum(c.latitude for c in cands) / len(cands)
    lon0 = sum(c.longitude for c in cands) / len(cands)
    home = rng.choice([z for z in zips if haversine_km(z, (lat0, lon0)) <= HOME_WITHIN_KM])
    settings = PlanSettings(
        day=date(2026, 4, 6) + timedelta(days=seed % 28), start=home, visit_minutes=dict(VISIT_MINUTES)
    )
    locked: tuple[LockedVisit, ...] = ()
    if seed % 4 == 0:
        nearest = min(
            (c for c in cands if not c.windows),
            key=lambda c: (c.latitude - home[0]) ** 2 + (c.longitude - home[1]) ** 2,
        )
        locked = (LockedVisit(nearest.hcp_id, time(11, 0)),)
    return cands, settings, locked


def reference_prize(cands, settings, locked, seconds: float) -> float:
    """Best of a long search: the planner's portfolio over every candidate (no shortlist) for ``seconds``."""
    problem = build_problem(cands, settings, locked)
    check_bookings(problem)
    keep = [k for k, st in enumerate(problem.stops) if st.locked or (st.allowed and earliest(problem, [k]).ok)]
    best = greedy_order(problem)
    for strategy in PORTFOLIO:
        order = solve_order(problem, keep, seconds * strategy.share, hint=best.order, strategy=strategy)
        if order is not None and schedule(problem, order).ok and prize(problem, order) > prize(problem, best.order):
            best = schedule(problem, order)
    return prize(problem, best.order)


def prize(problem, order) -> float:
    return float(sum(problem.stops[k].priority for k in order))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--best-days", type=int, default=5)
    ap.add_argument("--best-seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    zips = [
        (float(z["lat"]), float(z["long"]))
        for z in zipcodes.filter_by(state=STATE)
        if z["zip_code_type"] == "STANDARD" and z["lat"] and z["long"]
    ]
    times, visits, vs_greedy, vs_best, vs_known = [], [], [], [], []
    for d in range(args.days):
        cands, settings, locked = demo_day(args.seed + d, zips)
        started = _time.perf_counter()
        plan = plan_day(cands, settings, locked)
        times.append(_time.perf_counter() - started)
        visits.append(len(plan.visits))
        base = greedy_plan(cands, settings, locked)
        vs_greedy.append(plan.total_priority / base.total_priority)
        if d < args.best_days:
            best = reference_prize(cands, settings, locked, args.best_seconds)
            vs_best.append(plan.total_priority / best)
            vs_known.append(plan.total_priority / max(best, plan.total_priority))
        print(
            f"day {d}: {len(plan.visits)} visits, prize {plan.total_priority:.2f}, greedy {base.total_priority:.2f}, "
            f"{times[-1]:.2f}s" + (f", vs best {vs_best[-1]:.3f}" if d < args.best_days else ""),
            file=sys.stderr,
        )
    result = {
        "days": args.days,
        "candidates": CANDIDATES,
        "state": STATE,
        "time_limit_s": PlanSettings(day=date.today(), start=(0.0, 0.0)).time_limit_s,
        "solve_s_p50": round(statistics.median(times), 3),
        "solve_s_max": round(max(times), 3),
        "prize_vs_best": round(statistics.mean(vs_best), 4) if vs_best else None,
        "prize_vs_best_min": round(min(vs_best), 4) if vs_best else None,
        "prize_vs_best_known": round(statistics.mean(vs_known), 4) if vs_known else None,
        "best_days": len(vs_best),
        "best_seconds": args.best_seconds,
        "prize_vs_greedy": round(statistics.mean(vs_greedy), 4),
        "prize_vs_greedy_min": round(min(vs_greedy), 4),
        "visits_p50": statistics.median(visits),
        "visits_min": min(visits),
        "visits_max": max(visits),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
