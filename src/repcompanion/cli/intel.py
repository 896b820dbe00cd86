"""`repcompanion priorities` (today's ranked next-best actions) and `repcompanion model train|score`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from repcompanion.cli.common import add_workspace_option, open_workspace
from repcompanion.domain import Suggestion


def register(sub: argparse._SubParsersAction) -> None:
    pri = sub.add_parser("priorities", help="today's ranked call priorities with their reasons")
    add_workspace_option(pri)
    pri.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD", help="the day to rank (default today)")
    pri.add_argument("--top", type=int, default=20, metavar="N", help="how many (default 20; 0 for all)")
    pri.add_argument("--json", action="store_true", help="one JSON object per HCP")
    pri.set_defaults(func=run_priorities)

    model = sub.add_parser("model", help="train or apply the additive propensity model on any tabular data")
    verbs = model.add_subparsers(dest="verb", metavar="VERB", required=True)
    train = verbs.add_parser("train", help="train on a CSV and print held-out metrics as JSON")
    train.add_argument("--data", type=Path, required=True, metavar="FILE.csv")
    train.add_argument("--target", required=True, metavar="COLUMN")
    train.add_argument("--out", type=Path, required=True, metavar="MODEL.skops")
    train.add_argument("--id-col", metavar="COL")
    train.add_argument("--drop", nargs="*", default=[], metavar="COL")
    train.set_defaults(func=run_train)
    score = verbs.add_parser("score", help="score a CSV: id, score and the top three reasons per row")
    score.add_argument("--model", type=Path, required=True, metavar="MODEL.skops")
    score.add_argument("--data", type=Path, required=True, metavar="FILE.csv")
    score.add_argument("--out", type=Path, required=True, metavar="SCORES.csv")
    score.add_argument("--id-col", metavar="COL")
    score.set_defaults(func=run_score)


def suggestion_json(s: Suggestion) -> dict[str, object]:
    return {
        "hcp_id": s.hcp_id,
        "rank": s.rank,
        "action": s.action.value,
        "content_id": s.content_id,
        "priority": s.priority,
        "probability": s.probability,
        "logit": s.logit,
        "intercept": s.intercept,
        "contributions": s.contributions,
        "value": s.value,
        "urgency": s.urgency,
        "context": s.context,
        "reasons": [r.text for r in s.reasons],
        "rule_reasons": list(s.rule_reasons),
        "blocked": s.blocked,
        "what_would_change": list(s.what_would_change),
        "model_version": s.model_version,
        "rules_version": s.rules_version,
    }


def run_priorities(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        ranked = ws.ranking.priorities(args.date, top=args.top or None)
        names = {h.id: h for h in ws.directory.hcps()}
    if args.json:
        for s in ranked:
            sys.stdout.write(json.dumps(suggestion_json(s)) + "\n")
        return 0
    for s in ranked:
        h = names[s.hcp_id]
        top = s.reasons[0].text if s.reasons else ""
        print(
            f"{s.rank:>4}  {h.display_name:<34} {h.specialty_label[:24]:<24} {s.action.value:<15} "
            f"{s.priority:7.2f}  {top}"
        )
    return 0


def run_train(args: argparse.Namespace) -> int:
    from repcompanion.workspace import ModelManager

    metrics = ModelManager.train_csv(args.data, args.target, args.out, id_col=args.id_col, drop=args.drop)
    print(json.dumps(metrics, default=str))
    return 0


def run_score(args: argparse.Namespace) -> int:
    from repcompanion.workspace import ModelManager

    n = ModelManager.score_csv(args.model, args.data, args.out, id_col=args.id_col)
    print(f"Scored {n} rows into {args.out}", file=sys.stderr)
    return 0
