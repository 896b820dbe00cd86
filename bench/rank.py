"""Ranking speed: full ranking with explanations, then a rerank after one logged visit.

Run: python -m bench.rank [--hcps 5000] [--seed 7]. Prints one JSON object:
hcps, events, index_s (Engine built: events indexed once), rank_s (features, scoring, rules,
arbitration and explanations for every HCP on a day not computed before), rerank_s (one visit
logged, only that HCP recomputed, the whole ranking returned), suggestions.
Targets: rank_s <= 0.5, rerank_s <= 0.1. Events are handed over as a DataFrame (the Workspace's fast path).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from datetime import time as clock

from bench import demo_inputs
from repcompanion.domain import EngagementEvent, EventId, EventType
from repcompanion.intel.nba import Engine
from repcompanion.intel.propensity import default_model_path, load_model
from repcompanion.intel.territory import events_frame
from repcompanion.simulate import generate_territory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hcps", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    demo = generate_territory(hcps=args.hcps, seed=args.seed)
    events = events_frame(demo.events)
    inputs = demo_inputs(demo, events)
    bundle = load_model(default_model_path())
    rank_times, rerank_times = [], []
    index_s = 0.0
    ranking = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        engine = Engine(inputs, bundle)
        index_s = time.perf_counter() - started
        started = time.perf_counter()
        ranking = engine.rank(demo.today)
        rank_times.append(time.perf_counter() - started)
        top = ranking[0]
        visit = EngagementEvent(
            EventId("bench-visit"),
            top.hcp_id,
            EventType.VISIT,
            datetime.combine(demo.today, clock(10)),
            topics=("efficacy",),
        )
        started = time.perf_counter()
        engine.rerank(events=[visit])
        rerank_times.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "hcps": len(demo.hcps),
                "events": len(events),
                "index_s": round(index_s, 3),
                "rank_s": round(min(rank_times), 3),
                "rank_s_runs": [round(t, 3) for t in rank_times],
                "rerank_s": round(min(rerank_times), 3),
                "rerank_s_runs": [round(t, 3) for t in rerank_times],
                "suggestions": len(ranking),
            }
        )
    )


if __name__ == "__main__":
    main()
