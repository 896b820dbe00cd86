"""Regenerate models/propensity.skops deterministically from a simulated territory's history.

Lives in bench/ because repcompanion.intel may not import repcompanion.simulate (layering).
Run: python -m bench.train_default [--hcps 400] [--seed 11] [--out models/propensity.skops]
Prints one JSON object: the bundle's version, example count and held-out metrics.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from repcompanion.intel.inputs import IntelInputs
from repcompanion.intel.lifecycle import default_model_path, save_model
from repcompanion.intel.training import train_propensity
from repcompanion.simulate import generate_territory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hcps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=default_model_path())
    args = parser.parse_args()
    started = time.perf_counter()
    demo = generate_territory(hcps=args.hcps, seed=args.seed)
    inputs = IntelInputs(
        hcps=demo.hcps,
        consents=demo.consents,
        events=demo.events,
        content=demo.content,
        products=demo.products,
        call_plans=demo.call_plans,
        day=demo.today,
    )
    version = f"propensity-sim-{args.hcps}h-seed{args.seed}-{demo.today.isoformat()}"
    bundle = train_propensity(inputs, holdout_days=90, version=version)
    bundle.metadata.update(
        {"territory_seed": args.seed, "territory_hcps": args.hcps, "history_until": demo.today.isoformat()}
    )
    save_model(bundle, args.out)
    print(
        json.dumps(
            {
                "version": bundle.version,
                "out": str(args.out),
                "examples": bundle.metadata["examples"],
                "positive_rate": round(bundle.metadata["positive_rate"], 4),
                **{k: round(v, 4) for k, v in bundle.metadata["holdout_metrics"].items()},
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
