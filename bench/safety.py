"""Benchmark the note screener against the previous one in the same run; prints one JSON object.

Each screener is measured in its own fresh process by ``bench/safety_eval.py`` (cold load time, p50/p99
latency on 500 notes of 2,000 characters, recall with 95% intervals per corpus, per category and per register,
false flags on non-reportable sentences and on plain rep notes). The reference is the screener at
``REFERENCE_COMMIT`` (the one before issue 19), unpacked with ``git archive`` into a temporary folder.

    python -m bench.safety                    # current tree and reference
    python -m bench.safety --no-reference     # current tree only
    python -m bench.safety --quick            # rep notes and latency only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: the screener before issue 19 (PsyTAR-tuned model, one product_complaint category)
REFERENCE_COMMIT = "7f1d347"
P99_BUDGET_MS = 20.0


def _run(pythonpath: Path, quick: bool) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    for key in ("REPCOMPANION_RESOURCES", "REPCOMPANION_MODELS"):
        env.pop(key, None)
    args = [sys.executable, "-m", "bench.safety_eval"] + (["--quick"] if quick else [])
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _reference(commit: str, quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="screener-ref-") as folder:
        archive = Path(folder) / "ref.tar"
        # Before the restructuring the lexicons and models lived in root folders; since, inside the package.
        paths = [
            path
            for path in ("src", "resources", "models")
            if subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=REPO, check=False).returncode == 0
        ]
        with archive.open("wb") as handle:
            made = subprocess.run(["git", "archive", commit, *paths], cwd=REPO, stdout=handle, check=False)
        if made.returncode != 0:
            return {"error": [f"git archive {commit} failed"]}
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        result = _run(Path(folder) / "src", quick)
    result["commit"] = commit
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="rep notes and latency only")
    parser.add_argument("--no-reference", action="store_true", help="skip the previous screener")
    parser.add_argument("--reference", default=REFERENCE_COMMIT, help="commit of the reference screener")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"screener": _run(REPO / "src", args.quick)}
    if not args.no_reference:
        report["reference"] = _reference(args.reference, args.quick)
    latency = report["screener"].get("latency_2000_chars", {})
    report["p99_budget_ms"] = P99_BUDGET_MS
    report["p99_within_budget"] = bool(latency) and latency["p99_ms"] <= P99_BUDGET_MS
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
