"""Regenerate src/repcompanion/resources/models/propensity.skops deterministically from simulated territories' history.

Lives in bench/ because repcompanion.intel may not import repcompanion.simulate (layering).
Run: python -m bench.train_default [--territories 400:11,300:12,250:13]
     [--out src/repcompanion/resources/models/propensity.skops]
Each territory is HCPS:SEED; pooling several gives the model more HCPs and contact patterns
(none of them is a seed the policy bench evaluates on: 3, 5, 8).
Prints one JSON object: the bundle's version, example count and held-out metrics.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench import demo_inputs
from repcompanion.intel.propensity import default_model_path, save_model, train_propensity
from repcompanion.simulate import generate_territory

DEFAULT_TERRITORIES = "400:11,300:12,250:13"


def parse_territories(text: str) -> list[tuple[int, int]]:
    """'400:11,300:12' → [(400, 11), (300, 12)]."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        hcps, _, seed = part.partition(":")
        out.append((int(hcps), int(seed)))
    if not out:
        raise SystemExit("--territories needs at least one HCPS:SEED pair, e.g. 400:11")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", default=DEFAULT_TERRITORIES)
    parser.add_argument("--out", type=Path, default=default_model_path())
    args = parser.parse_args()
    started = time.perf_counter()
    territories = parse_territories(args.territories)
    inputs = [demo_inputs(generate_territory(hcps=hcps, seed=seed)) for hcps, seed in territories]
    total = sum(h for h, _ in territories)
    seeds = "-".join(str(s) for _, s in territories)
    version = f"propensity-sim-{total}h-seeds{seeds}-{inputs[0].day.isoformat()}"
    bundle = train_propensity(inputs, holdout_days=90, version=version)
    bundle.metadata.update(
        {
            "territories": [{"hcps": h, "seed": s} for h, s in territories],
            "history_until": inputs[0].day.isoformat(),
        }
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
